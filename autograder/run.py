"""A grading run over a folder of submissions, in parallel, resumable."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import ASSIGNMENT, class_report, feedback, reports, results, worker
from autograder.checking import load_checks
from autograder.grading import CHECKS_DIR
from autograder.limits import GIB, Limits
from autograder.progress import Progress
from autograder.source import Assignment, load_assignment
from autograder.submission import Submission, discover

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Memory one job needs besides its student's limit: the zygote and the worker.
JOB_OVERHEAD_BYTES = 1 * GIB
# What the student process may see of the project: the grading runtime only.
VISIBLE_IN_PROJECT = {".venv", "autograder", "pyproject.toml"}
# Files of the whole class in the output folder, beside one folder per student.
GRADES_FILE = "grades.csv"
REPORT_FILE = "report.html"


class RunError(ValueError):
    """The instructor's input cannot be used; the message says how to fix it."""


@dataclass
class RunSummary:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    table: str = ""


def default_jobs(limits: Limits) -> int:
    """Returns one job per core, fewer if memory could not hold them all."""
    cores = len(os.sched_getaffinity(0))
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return cores
    by_memory = int(available // (limits.memory_bytes + JOB_OVERHEAD_BYTES))
    return max(1, min(cores, by_memory))


def hidden_paths(submissions_dir: Path, out_dir: Path) -> list[str]:
    """Returns what student code must not see: checks, instructor files, others."""
    paths = [
        str(entry)
        for entry in PROJECT_ROOT.iterdir()
        if entry.name not in VISIBLE_IN_PROJECT
    ]
    paths += [str(CHECKS_DIR), str(PROJECT_ROOT / "autograder" / "samples")]
    paths += [str(submissions_dir.resolve()), str(out_dir.resolve()), "/home"]
    return paths


def setup_fingerprint(assignment_dir: Path, limits: Limits) -> str:
    """Returns a digest of everything besides the submission that sets a grade."""
    digest = hashlib.sha256(json.dumps(limits.describe(), sort_keys=True).encode())
    for path in sorted([*CHECKS_DIR.glob("*.py"), *assignment_dir.glob("*.ipynb")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def grade_all(
    submissions_dir: Path,
    out_dir: Path,
    jobs: int | None = None,
    limits: Limits | None = None,
    source_dir: Path = PROJECT_ROOT / "source",
    assignment_name: str = ASSIGNMENT,
    progress: bool = True,
) -> RunSummary:
    """Grades every submission that has no current results yet; returns a summary."""
    limits = limits or Limits()
    try:
        assignment = load_assignment(source_dir, assignment_name)
    except FileNotFoundError as error:
        raise RunError(str(error)) from None
    _check_coverage(assignment)
    try:
        submissions, warnings = discover(submissions_dir, assignment)
    except ValueError as error:
        raise RunError(str(error)) from None
    submissions = _without_output_names(submissions, warnings)
    summary = RunSummary(warnings=warnings)
    for warning in warnings:
        logger.warning("%s", warning)
    if not submissions:
        raise RunError(
            f"no student folders in {submissions_dir}; expected "
            f"<student_id>/{assignment_name}/<notebook>.ipynb inside it"
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    setup = setup_fingerprint(source_dir / assignment_name, limits)
    todo = []
    for submission in submissions:
        saved = results.load_finished(
            out_dir, submission.student_id, submission.fingerprint(), setup
        )
        if saved is None:
            todo.append(submission)
        else:
            summary.skipped.append(submission.student_id)
            summary.rows[submission.student_id] = saved
    if summary.skipped:
        logger.info(
            "%d submissions already graded; skipping them", len(summary.skipped)
        )

    if todo:
        jobs = max(1, min(jobs or default_jobs(limits), len(todo)))
        logger.info("grading %d submissions with %d jobs", len(todo), jobs)
        hidden = hidden_paths(submissions_dir, out_dir)
        _grade_in_pool(
            todo, assignment, limits, hidden, jobs, out_dir, setup, summary, progress
        )

    reports.write_grades_csv(out_dir / GRADES_FILE, summary.rows, assignment.functions)
    summary.table = reports.format_table(summary.rows, assignment.functions)
    page = class_report.render(summary.rows, assignment.name, summary.table)
    results.write_atomically(out_dir / REPORT_FILE, page)
    return summary


def _without_output_names(
    submissions: list[Submission], warnings: list[str]
) -> list[Submission]:
    """Drops students whose folder for results would take a class file's name.

    A student folder named grades.csv would become a folder of that name in the
    output, and writing the class's grades.csv would then fail for everyone.
    """
    kept = []
    for submission in submissions:
        if submission.student_id in (GRADES_FILE, REPORT_FILE):
            warnings.append(
                f"skipped {submission.student_id!r}: the grader writes a file of that "
                "name in the output folder; rename the student's folder"
            )
        else:
            kept.append(submission)
    return kept


def _check_coverage(assignment: Assignment) -> None:
    checks = load_checks()
    missing = [
        cell.grade_id for cell in assignment.grade_cells if cell.grade_id not in checks
    ]
    if missing:
        raise RunError(
            f"grade cells without a hidden check: {', '.join(missing)}; add a check "
            "with @grade(<grade_id>, ...) under autograder/checks/"
        )


def _grade_in_pool(
    todo: list[Submission],
    assignment: Assignment,
    limits: Limits,
    hidden: list[str],
    jobs: int,
    out_dir: Path,
    setup: str,
    summary: RunSummary,
    show_progress: bool,
) -> None:
    bar = Progress(len(todo)) if show_progress else None
    context = multiprocessing.get_context("spawn")
    level = logging.getLogger().getEffectiveLevel()
    with ProcessPoolExecutor(
        jobs,
        mp_context=context,
        initializer=worker.start,
        initargs=(assignment, limits, hidden, level),
    ) as pool:
        pending: dict[Future, Submission] = {}
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    submission = queue.pop(0)
                    pending[pool.submit(worker.grade, submission)] = submission
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    submission = pending.pop(future)
                    _record(future, submission, assignment, out_dir, setup, summary)
                    if bar:
                        bar.advance(submission.student_id)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for process in list(pool._processes.values()):  # noqa: SLF001 - stop at once
                process.kill()
            raise


def _record(
    future: Future,
    submission: Submission,
    assignment: Assignment,
    out_dir: Path,
    setup: str,
    summary: RunSummary,
) -> None:
    student_id = submission.student_id
    try:
        result = future.result()
    except Exception as error:  # noqa: BLE001 - one failure never stops the batch
        logger.error("could not grade %s: %r; run again to retry", student_id, error)
        summary.failed.append(student_id)
        return
    for warning in result.isolation_warnings():
        if warning not in summary.warnings:
            logger.warning("weaker isolation: %s", warning)
            summary.warnings.append(warning)
    data = results.save(out_dir, result, setup)
    page = feedback.render(data, assignment.name)
    results.write_atomically(out_dir / student_id / "feedback.html", page)
    summary.rows[student_id] = data
    summary.graded.append(student_id)
