"""What the instructor's source notebooks say about grading.

The source notebooks are the single source of truth for points: each grade
cell's `points` in its nbgrader metadata is what the matching hidden check is
worth. They also give the setup cells a submission's code may rely on, the
student functions each notebook defines, and the instructor cells a student
must not change (these are restored, i.e. taken from here, never from the
submission).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFINITION = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)
SETUP_TAG = "setup"


@dataclass
class GradeCell:
    grade_id: str
    points: float
    notebook: str


@dataclass
class SourceNotebook:
    """One instructor notebook, reduced to what grading needs."""

    name: str
    setup_cells: list[str] = field(default_factory=list)
    grade_cells: list[GradeCell] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    instructor_ids: set[str] = field(default_factory=set)
    solution_ids: set[str] = field(default_factory=set)

    @property
    def all_ids(self) -> set[str]:
        return self.instructor_ids | self.solution_ids


@dataclass
class Assignment:
    """The source notebooks of one assignment, by file name."""

    name: str
    notebooks: dict[str, SourceNotebook]

    def grade_cell(self, grade_id: str) -> GradeCell:
        for notebook in self.notebooks.values():
            for cell in notebook.grade_cells:
                if cell.grade_id == grade_id:
                    return cell
        raise KeyError(f"no grade cell {grade_id!r} in the source of {self.name}")

    @property
    def grade_cells(self) -> list[GradeCell]:
        return [cell for nb in self.notebooks.values() for cell in nb.grade_cells]

    @property
    def functions(self) -> list[str]:
        return [name for nb in self.notebooks.values() for name in nb.functions]

    @property
    def max_score(self) -> float:
        return sum(cell.points for cell in self.grade_cells)


def nbgrader_metadata(cell: dict[str, Any]) -> dict[str, Any]:
    metadata = cell.get("metadata")
    data = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return data if isinstance(data, dict) else {}


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def load_notebook(path: Path) -> SourceNotebook:
    data = json.loads(path.read_text())
    notebook = SourceNotebook(path.name)
    for cell in data["cells"]:
        meta = nbgrader_metadata(cell)
        grade_id = meta.get("grade_id")
        source = cell_source(cell)
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and SETUP_TAG in tags:
            notebook.setup_cells.append(source)
        if not grade_id:
            continue
        if meta.get("solution"):
            notebook.solution_ids.add(grade_id)
            notebook.functions += DEFINITION.findall(source)
        else:
            notebook.instructor_ids.add(grade_id)
        if meta.get("grade") and not meta.get("solution"):
            points = float(meta.get("points", 0))
            notebook.grade_cells.append(GradeCell(grade_id, points, path.name))
    return notebook


def load_assignment(source_dir: Path, name: str) -> Assignment:
    """Reads `source_dir/name/*.ipynb`; raises FileNotFoundError with a fix."""
    folder = source_dir / name
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        known = sorted(p.name for p in source_dir.iterdir() if p.is_dir())
        raise FileNotFoundError(
            f"no source notebooks for assignment {name!r} in {folder}; "
            f"assignments found: {', '.join(known) or 'none'}"
        )
    return Assignment(name, {path.name: load_notebook(path) for path in paths})
