"""The pytest plugin that runs the hidden checks against one submission.

pytest runs in the grader's process, never in the student's. The plugin gives
each check the `student` fixture for the notebook its grade cell lives in, and
turns each check's result into an `Outcome` with a learner-facing message:
the text of a `CheckFailed` or `StudentError`, never a traceback, which would
show the check's source.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from autograder.checking import CheckFailed
from autograder.source import Assignment
from autograder.student import Student, StudentError

logger = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "this check could not judge your answer because of an error in the grader; "
    "your instructor has been told"
)


@dataclass
class Outcome:
    grade_id: str
    function: str
    description: str
    points: float
    passed: bool
    message: str

    @property
    def name(self) -> str:
        description = self.description.removeprefix(f"{self.function}: ")
        return f"{self.function}: {description}"

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


class GradingPlugin:
    """Supplies `student` to the checks and collects one Outcome per grade cell."""

    def __init__(self, assignment: Assignment, students: dict[str, Student]) -> None:
        self.assignment = assignment
        self.students = students
        self.outcomes: dict[str, Outcome] = {}

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Student:
        grade_id = _grade_marker(request.node)["grade_id"]
        return self.students[self.assignment.grade_cell(grade_id).notebook]

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Keeps only the checks of grade cells that this assignment's source has."""
        graded = {cell.grade_id for cell in self.assignment.grade_cells}
        selected = [item for item in items if _grade_marker(item)["grade_id"] in graded]
        deselected = [item for item in items if item not in selected]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo
    ) -> Any:
        report = yield
        if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
            self.outcomes[_grade_marker(item)["grade_id"]] = self._outcome(item, call)
        return report

    def _outcome(self, item: pytest.Item, call: pytest.CallInfo) -> Outcome:
        marker = _grade_marker(item)
        grade_id = marker["grade_id"]
        module = getattr(item, "module", None)
        function = (
            module.__name__.rsplit(".", 1)[-1].removeprefix("test_") if module else ""
        )
        points = self.assignment.grade_cell(grade_id).points
        error = call.excinfo.value if call.excinfo is not None else None
        if error is None:
            message = ""
        elif isinstance(error, CheckFailed | StudentError):
            message = str(error)
        else:
            logger.error("check %s crashed: %r", item.nodeid, error, exc_info=error)
            message = INTERNAL_ERROR
        return Outcome(
            grade_id, function, marker["description"], points, error is None, message
        )


def _grade_marker(item: pytest.Item) -> dict[str, Any]:
    marker = item.get_closest_marker("grade")
    if marker is None:
        raise pytest.UsageError(f"check {item.nodeid} has no @grade(...) decorator")
    return marker.kwargs
