"""The kit's grades in nbgrader's gradebook, where formgrader and export read them.

`nbgrader autograde` would run every submission in a Jupyter kernel and score
each grade cell by whether it raised. The kit grades in its own sandbox
instead, so this module writes what it found into the gradebook the way
autograde does: a student and a submission per graded student, and for every
grade cell (`grade_id`) its `auto_score`. Formgrader then shows the kit's
scores, `nbgrader export` adds them up to the kit's totals, and a grader's
manual score still takes precedence, as it does after autograde.

The gradebook must already know the assignment, its notebooks and grade cells;
`nbgrader generate_assignment` records them from the source notebooks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.results import RESULTS_FILE

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory

logger = logging.getLogger(__name__)


class GradebookError(ValueError):
    """The gradebook cannot take these results; the message says how to fix it."""


@dataclass(frozen=True)
class GradedCell:
    """A grade cell as the gradebook knows it."""

    notebook: str
    max_score: float


def course_settings(course_dir: Path) -> CourseDirectory:
    """Returns the course's folders and gradebook, read as every nbgrader command does.

    nbgrader takes `nbgrader_config.py` from the current folder and from the
    Jupyter config path, so the settings are read from inside `course_dir`.
    """
    from nbgrader.apps.baseapp import NbGrader

    if not (course_dir / "nbgrader_config.py").is_file():
        raise GradebookError(
            f"no nbgrader_config.py in {course_dir}; give --course-dir the nbgrader "
            "course folder, the one nbgrader commands run in"
        )
    with contextlib.chdir(course_dir):
        app = NbGrader()
        app.initialize([])
    return app.coursedir


def read_results(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Returns each graded student's `results.json`, by student id."""
    rows = {}
    for path in sorted(out_dir.glob(f"*/{RESULTS_FILE}")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise GradebookError(
                f"{path} is not readable JSON ({error}); run `python -m autograder "
                "grade` again with the same --out to rewrite it"
            ) from None
        rows[path.parent.name] = data
    if not rows:
        raise GradebookError(
            f"no <student_id>/{RESULTS_FILE} in {out_dir}; give the --out folder "
            "of `python -m autograder grade`"
        )
    return rows


def import_results(
    rows: dict[str, dict[str, Any]], course: CourseDirectory, assignment: str
) -> int:
    """Writes every student's scores into the gradebook; returns the cells written."""
    from nbgrader.api import Gradebook

    _require_database(course.db_url)
    written = 0
    with Gradebook(course.db_url, course.course_id) as gradebook:
        cells = graded_cells(gradebook, assignment, course.db_url)
        # Every student is checked before any is written, so a refusal leaves
        # the gradebook as it was.
        planned = {
            student_id: scores_by_grade_id(student_id, data, cells)
            for student_id, data in sorted(rows.items())
        }
        for student_id, scores in planned.items():
            timestamp = _timestamp(course, student_id, assignment)
            gradebook.update_or_create_student(student_id)
            extra = {"timestamp": timestamp} if timestamp else {}
            with warnings.catch_warnings():
                # nbgrader's add_submission trips SQLAlchemy's autoflush warning
                # while it mirrors the assignment; the rows are all written.
                warnings.filterwarnings("ignore", message="Object of type .* not in")
                gradebook.update_or_create_submission(assignment, student_id, **extra)
            for grade_id, score in scores.items():
                grade = gradebook.find_grade(
                    grade_id, cells[grade_id].notebook, assignment, student_id
                )
                grade.auto_score = score
                # As after autograde: a grader's manual score stays, flagged.
                grade.needs_manual_grade = grade.manual_score is not None
            gradebook.db.commit()
            written += len(scores)
            logger.info("%s: %d grade cells in the gradebook", student_id, len(scores))
    return written


def graded_cells(gradebook: Any, assignment: str, db_url: str) -> dict[str, GradedCell]:
    """Returns the assignment's grade cells by grade_id, as the gradebook has them."""
    from nbgrader.api import MissingEntry

    try:
        record = gradebook.find_assignment(assignment)
    except MissingEntry:
        raise GradebookError(
            f"the gradebook {db_url} has no assignment {assignment!r}; run "
            f"`nbgrader generate_assignment {assignment}` in the course folder, "
            "which records its notebooks and grade cells"
        ) from None
    return {
        cell.name: GradedCell(notebook.name, float(cell.max_score))
        for notebook in record.notebooks
        for cell in notebook.grade_cells
    }


def scores_by_grade_id(
    student_id: str, data: dict[str, Any], cells: dict[str, GradedCell]
) -> dict[str, float]:
    """Returns the student's score per grade cell; refuses results that disagree."""
    scores = {}
    for test in data.get("tests", []):
        grade_id = test.get("extra_data", {}).get("grade_id")
        if grade_id not in cells:
            raise GradebookError(
                f"{student_id}: the results score grade cell {grade_id!r}, which the "
                "gradebook does not have; run `nbgrader generate_assignment` again "
                "from the source the kit graded with"
            )
        points = float(test.get("max_score", 0))
        if not math.isclose(points, cells[grade_id].max_score):
            raise GradebookError(
                f"{grade_id}: the gradebook gives it {cells[grade_id].max_score:g} "
                f"points, the results {points:g}; run `nbgrader generate_assignment` "
                "again from the source the kit graded with"
            )
        scores[grade_id] = float(test.get("score", 0))
    missing = sorted(set(cells) - set(scores))
    if missing:
        raise GradebookError(
            f"{student_id}: no score for the grade cells {', '.join(missing)}; grade "
            "with the same source notebooks that `nbgrader generate_assignment` used"
        )
    return scores


def _require_database(db_url: str) -> None:
    """Stops before sqlite would create an empty gradebook at a mistyped path."""
    prefix = "sqlite:///"
    if db_url.startswith(prefix) and not Path(db_url[len(prefix) :]).is_file():
        raise GradebookError(
            f"no gradebook at {db_url}; run `nbgrader generate_assignment` in the "
            "course folder first, or point CourseDirectory.db_url at the gradebook"
        )


def _timestamp(course: CourseDirectory, student_id: str, assignment: str) -> str | None:
    """Returns the submission time `nbgrader collect` recorded, if any."""
    folder = course.format_path(course.submitted_directory, student_id, assignment)
    path = Path(folder) / "timestamp.txt"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def hand_over(results_dir: Path, course_dir: Path, assignment: str) -> str:
    """Puts a grading run's results into the course; returns a summary line.

    The scores go into the gradebook, and each graded notebook into
    `autograded/`, where `nbgrader generate_feedback` picks it up.
    """
    from autograder.autograded import write_autograded

    rows = read_results(results_dir)
    course = course_settings(course_dir)
    cells = import_results(rows, course, assignment)
    notebooks = 0
    for student_id, data in sorted(rows.items()):
        notebooks += len(write_autograded(student_id, data, course, assignment))
    _warn_ungraded(course, assignment, set(rows))
    return (
        f"{len(rows)} students, {cells} grade cells written to {course.db_url}; "
        f"{notebooks} notebooks in {course.autograded_directory}/ for "
        "`nbgrader generate_feedback`"
    )


def _warn_ungraded(course: CourseDirectory, assignment: str, graded: set[str]) -> None:
    submitted = Path(course.format_path(course.submitted_directory, "*", assignment))
    for folder in sorted(submitted.parent.parent.glob(f"*/{assignment}")):
        if folder.parent.name not in graded:
            logger.warning(
                "%s submitted %s but has no results; grade the submissions again "
                "before exporting",
                folder.parent.name,
                assignment,
            )
