"""Grading one submission: sandboxed notebooks on one side, pytest on the other."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograder import checks as checks_package
from autograder.launcher import Launcher
from autograder.limits import Limits
from autograder.plugin import GradingPlugin, Outcome
from autograder.sandboxed_student import SandboxedStudent
from autograder.source import Assignment
from autograder.student import FunctionMissing, Student
from autograder.submission import Submission

logger = logging.getLogger(__name__)

CHECKS_DIR = Path(checks_package.__file__).parent


class UnavailableStudent(Student):
    """A notebook that could not be run: every call fails with the reason."""

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def send(self, request: dict[str, Any], blobs: list[bytes]) -> Any:
        raise FunctionMissing(
            f"{request['function']} could not be graded: {self.problem}"
        )


@dataclass
class StudentResult:
    """Everything the reports need about one graded submission."""

    student_id: str
    fingerprint: str
    outcomes: list[Outcome]
    problems: list[str] = field(default_factory=list)
    cell_errors: list[dict[str, str]] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def isolation_warnings(self) -> list[str]:
        """Returns how this submission ran with less than full isolation, if it did."""
        warnings = []
        for notebook, isolation in self.isolation.items():
            level = isolation.get("level")
            if level != "full":
                warnings.append(
                    f"{notebook} ran with isolation {level!r}: without root, the "
                    "grader could not create every namespace (see README, Security)"
                )
            if isolation.get("control_groups") is False:
                warnings.append(
                    f"{notebook} ran without control groups: memory and process "
                    "limits were rlimits only"
                )
            warnings += [f"{notebook}: {note}" for note in isolation.get("notes", [])]
        return warnings

    @property
    def score(self) -> float:
        return sum(outcome.score for outcome in self.outcomes)

    @property
    def max_score(self) -> float:
        return sum(outcome.points for outcome in self.outcomes)


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    launcher: Launcher,
    limits: Limits,
) -> StudentResult:
    """Runs every hidden check against one submission; never raises for its content."""
    started = time.monotonic()
    deadline = started + limits.submission_seconds
    students: dict[str, Student] = {}
    for index, (name, plan) in enumerate(submission.notebooks.items()):
        if plan.problem:
            students[name] = UnavailableStudent(plan.problem)
        else:
            students[name] = SandboxedStudent(
                launcher, f"nb{index}", plan.cells, limits, deadline
            )
    try:
        outcomes = run_checks(assignment, students)
    finally:
        for student in students.values():
            if isinstance(student, SandboxedStudent):
                student.close()
    result = StudentResult(submission.student_id, submission.fingerprint(), outcomes)
    result.problems = list(submission.problems)
    for name, student in students.items():
        if isinstance(student, UnavailableStudent):
            result.problems.append(student.problem)
        elif isinstance(student, SandboxedStudent):
            _collect_run_report(result, name, student)
    result.seconds = time.monotonic() - started
    return result


def _collect_run_report(
    result: StudentResult, name: str, student: SandboxedStudent
) -> None:
    report = student.report
    if report.stopped:
        result.problems.append(f"{name}: {report.stopped}")
    for error in report.cell_errors:
        result.cell_errors.append(
            {
                "notebook": name,
                "cell": error.label,
                "error": f"{error.exception}: {error.message}",
                "traceback": error.traceback,
            }
        )
    if report.isolation:
        result.isolation[name] = report.isolation


def run_checks(assignment: Assignment, students: dict[str, Student]) -> list[Outcome]:
    """Runs pytest on the hidden checks; returns one Outcome per grade cell."""
    plugin = GradingPlugin(assignment, students)
    # The plugin reads each check's exception itself, so pytest need not format
    # full tracebacks (it parses the source of every frame of each failed check;
    # one line still names where a check module failed to import), nor run a
    # full garbage collection per session to find unraisable exceptions:
    # together they cost up to a third of a second per submission.
    arguments = [
        str(CHECKS_DIR),
        "-c",
        str(CHECKS_DIR / "pytest.ini"),
        "--rootdir",
        str(CHECKS_DIR),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:unraisableexception",
        "--assert=plain",
        "--tb=line",
        "-q",
    ]
    transcript = io.StringIO()
    with contextlib.redirect_stdout(transcript), contextlib.redirect_stderr(transcript):
        code = pytest.main(arguments, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        logger.error(
            "pytest could not run the checks (%s):\n%s", code, transcript.getvalue()
        )
    outcomes = []
    for cell in assignment.grade_cells:
        outcome = plugin.outcomes.get(cell.grade_id)
        if outcome is None:
            logger.error("no hidden check scored grade cell %s", cell.grade_id)
            outcome = Outcome(
                cell.grade_id, "", cell.grade_id, cell.points, False, "not graded"
            )
        outcomes.append(outcome)
    return outcomes
