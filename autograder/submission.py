"""Reading collected submissions in nbgrader's `submitted/` layout.

`<submissions>/<student_id>/<assignment>/<notebook>.ipynb`. Everything here is
untrusted input: student ids and file names must not lead outside the output
folder, notebooks may be truncated, huge, from another assignment or not JSON
at all. Problems are recorded per notebook, so one broken submission loses only
what it affects and never stops the batch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.source import Assignment, SourceNotebook, cell_source, nbgrader_metadata

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


class SubmissionsError(ValueError):
    """The instructor's submissions folder cannot be used at all."""


@dataclass
class NotebookPlan:
    """The cells to run for one notebook, or why it cannot run."""

    name: str
    cells: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None


@dataclass
class Submission:
    student_id: str
    folder: Path
    notebooks: dict[str, NotebookPlan]
    problems: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        """Returns a digest of the submitted files, to tell a finished grade apart."""
        import hashlib

        digest = hashlib.sha256()
        if self.folder.is_symlink():
            return digest.hexdigest()
        for name in sorted(self.notebooks):
            path = self.folder / name
            digest.update(name.encode())
            if path.is_file() and not path.is_symlink():
                digest.update(path.read_bytes())
        return digest.hexdigest()


def discover(
    submissions_dir: Path, assignment: Assignment
) -> tuple[list[Submission], list[str]]:
    """Returns the submissions to grade and warnings about entries skipped."""
    if not submissions_dir.is_dir():
        raise SubmissionsError(
            f"no submissions folder at {submissions_dir}; expected nbgrader's "
            f"layout <folder>/<student_id>/{assignment.name}/<notebook>.ipynb"
        )
    submissions, warnings = [], []
    for entry in sorted(submissions_dir.iterdir()):
        if entry.is_symlink():
            warnings.append(
                f"skipped {entry.name!r}: a symbolic link, not a student folder"
            )
        elif not entry.is_dir():
            continue
        elif not STUDENT_ID.match(entry.name):
            warnings.append(
                f"skipped {entry.name!r}: a student id may hold letters, digits and "
                "._@+- only, and must not start with a dot"
            )
        else:
            submissions.append(read_submission(entry, assignment))
    return submissions, warnings


def read_submission(student_dir: Path, assignment: Assignment) -> Submission:
    folder = student_dir / assignment.name
    if folder.is_symlink():
        # A link could lead to any notebook on the grading machine, such as the
        # answer key; nothing behind it is read.
        link = f"{assignment.name} in submitted/{student_dir.name} is a symbolic link"
        plans = {
            name: NotebookPlan(
                name, problem=f"{name} was not read: {link}; submit the folder itself"
            )
            for name in assignment.notebooks
        }
        return Submission(student_dir.name, folder, plans)
    plans = {}
    for name, source in assignment.notebooks.items():
        plans[name] = plan_notebook(folder, name, source, assignment)
    submission = Submission(student_dir.name, folder, plans)
    if not folder.is_dir():
        found = (
            sorted(p.name for p in student_dir.iterdir())
            if student_dir.is_dir()
            else []
        )
        submission.problems.append(
            f"no folder {assignment.name}/ in submitted/{student_dir.name}; "
            f"found: {', '.join(found) or 'nothing'}"
        )
    return submission


def plan_notebook(
    folder: Path, name: str, source: SourceNotebook, assignment: Assignment
) -> NotebookPlan:
    """Returns the cells to run: the source's setup cells, then the student's."""
    path = folder / name
    plan = NotebookPlan(name)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        plan.problem = f"{name} is not a regular file; submit the notebook itself"
        return plan
    if not path.is_file():
        found = sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []
        plan.problem = (
            f"no notebook {name} in submitted/{folder.parent.name}/{folder.name}; "
            f"found: {', '.join(found) or 'nothing'}"
        )
        return plan
    cells, plan.problem = read_cells(path, name)
    if plan.problem:
        return plan
    plan.problem = check_assignment(cells, name, source, assignment)
    if plan.problem:
        return plan
    plan.cells = [
        (f"setup cell {i + 1}", code) for i, code in enumerate(source.setup_cells)
    ]
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if grade_id in source.instructor_ids:
            continue  # restored from the source: locked and test cells never run here
        plan.cells.append((f"cell {index + 1}", to_python(cell_source(cell))))
    return plan


def read_cells(path: Path, name: str) -> tuple[list[dict[str, Any]], str | None]:
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return [], (
            f"{name} is {size / 1024**2:.0f} MiB; notebooks over "
            f"{MAX_NOTEBOOK_BYTES // 1024**2} MiB are not graded. Clear the outputs "
            "(Kernel > Restart Kernel and Clear Outputs) and submit again"
        )
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [], (
            f"{name} is not valid notebook JSON ({error}); open it in JupyterLab, "
            "save it and submit again"
        )
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return [], f"{name} is JSON but not a Jupyter notebook: it has no list of cells"
    return cells, None


def check_assignment(
    cells: list[dict[str, Any]],
    name: str,
    source: SourceNotebook,
    assignment: Assignment,
) -> str | None:
    """Returns a message if the notebook belongs to another assignment."""
    ids = {nbgrader_metadata(cell).get("grade_id") for cell in cells} - {None}
    others = {
        other_name: other.all_ids
        for other_name, other in assignment.notebooks.items()
        if other_name != name
    }
    # Cells such as "intro" or "imports" may sit in every notebook of the
    # assignment; only the others tell which notebook this is.
    shared = set().union(*others.values())
    if not ids or ids & (source.all_ids - shared):
        return None
    for other_name, other_ids in others.items():
        if ids & (other_ids - source.all_ids):
            return (
                f"{name} holds the cells of {other_name}; rename the files so each "
                "notebook has its own name"
            )
    if ids & source.all_ids:
        return None
    shown = ", ".join(sorted(str(i) for i in ids)[:5])
    return (
        f"{name} is from another assignment: none of its nbgrader cells "
        f"({shown}) belong to {assignment.name}; submit the {assignment.name} "
        "notebook instead"
    )


def to_python(source: str) -> str:
    """Turns IPython syntax (magics, shell escapes) into plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - the cell then fails to compile, as it would in a kernel
        return source
