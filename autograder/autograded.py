"""nbgrader's `autograded/` notebooks, written from the kit's results.

`nbgrader generate_feedback` turns `autograded/<student_id>/<assignment>/`
notebooks into feedback pages, with each grade cell's score from the
gradebook. After `nbgrader autograde` those notebooks are the submissions
re-run in a kernel; after the kit's grading run they are the submissions with
every grade cell showing what its hidden check found (passed, or the message a
student reads), so the feedback explains each score without showing any check's
code. Locked cells are shown as released, not as a student may have edited
them, since the kit graded with the released ones.
"""

from __future__ import annotations

import copy
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from nbgrader.coursedir import CourseDirectory

logger = logging.getLogger(__name__)

# What `nbgrader submit` adds next to the notebooks; release_feedback needs both.
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def write_autograded(
    student_id: str, data: dict[str, Any], course: CourseDirectory, assignment: str
) -> list[Path]:
    """Returns the notebooks written to the student's `autograded/` folder."""
    import nbformat

    submitted = Path(
        course.format_path(course.submitted_directory, student_id, assignment)
    )
    released = Path(course.format_path(course.release_directory, ".", assignment))
    target = Path(
        course.format_path(course.autograded_directory, student_id, assignment)
    )
    verdicts = {
        test["extra_data"]["grade_id"]: test
        for test in data.get("tests", [])
        if "grade_id" in test.get("extra_data", {})
    }
    written = []
    for release_path in sorted(released.glob("*.ipynb")):
        path = submitted / release_path.name
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - any unreadable upload is skipped
            logger.warning(
                "%s: no feedback notebook for %s (%s)", student_id, path.name, error
            )
            continue
        release = nbformat.read(release_path, as_version=4)
        annotate(notebook, release, verdicts)
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target / path.name)
        written.append(target / path.name)
    for name in SUBMISSION_FILES:
        source = submitted / name
        if written and source.is_file() and not source.is_symlink():
            shutil.copyfile(source, target / name)
    return written


def annotate(
    notebook: NotebookNode, release: NotebookNode, verdicts: dict[str, dict[str, Any]]
) -> None:
    """Restores released locked cells and puts each check's verdict under its cell."""
    locked = {
        _grade_id(cell): cell for cell in release.cells if _nbgrader(cell).get("locked")
    }
    for index, cell in enumerate(notebook.cells):
        grade_id = _grade_id(cell)
        if grade_id in locked:
            restored = copy.deepcopy(locked[grade_id])
            if "id" in cell:
                restored.id = cell.id
            if restored.cell_type == "code":
                restored.outputs = cell.get("outputs", [])
                restored.execution_count = cell.get("execution_count")
            notebook.cells[index] = cell = restored
        if cell.cell_type == "code" and grade_id in verdicts:
            cell.outputs = [verdict_output(verdicts[grade_id])]


def verdict_output(test: dict[str, Any]) -> NotebookNode:
    """Returns an output that reads like the cell's own, passed or failed."""
    from nbformat.v4 import new_output

    name = test.get("name", "")
    if test.get("status") == "passed":
        return new_output(
            "stream", name="stdout", text=f"Hidden check passed: {name}\n"
        )
    message = str(test.get("output", "")).strip() or "the hidden check failed"
    return new_output(
        "error",
        ename="AssertionError",
        evalue=message,
        traceback=[f"Hidden check failed: {name}", message],
    )


def _nbgrader(cell: NotebookNode) -> dict[str, Any]:
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def _grade_id(cell: NotebookNode) -> str | None:
    return _nbgrader(cell).get("grade_id")
