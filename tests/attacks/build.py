"""Writes the hostile submissions that tests/test_attacks.py grades.

Every attack starts from a student who solved everything: the released
notebooks with the answer key's solution cells filled in. It then changes a
few cells, the way a student trying to raise a score or break the batch would,
and lands in `submitted/<student_id>/keras_bias/` in nbgrader's layout.

Run `python tests/attacks/build.py` after changing an attack or the released
notebooks, and commit what it writes together with this file. Attacks that
need the grading machine's paths (symbolic links, a port to connect to) are
set up by the test itself.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from notebooks import ATTACKS, Attack  # noqa: E402

ASSIGNMENT = "keras_bias"
OUTPUT = HERE / "submitted"


def load(folder: str, name: str) -> dict[str, Any]:
    return json.loads((ROOT / folder / ASSIGNMENT / name).read_text())


def grade_id(cell: dict[str, Any]) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved(name: str) -> dict[str, Any]:
    """Returns the released notebook `name` with every solution cell answered."""
    notebook = load("release", name)
    answers = {
        grade_id(cell): cell["source"]
        for cell in load("solutions", name)["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for cell in notebook["cells"]:
        if grade_id(cell) in answers:
            cell["source"] = answers[grade_id(cell)]
    return notebook


def code_cell(source: str, cell_id: str) -> dict[str, Any]:
    """Returns a plain code cell, as a student adds with the + button."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": {},
        "outputs": [],
        "source": source.strip("\n").splitlines(keepends=True),
    }


def position(notebook: dict[str, Any], wanted: str, name: str) -> int:
    found = [i for i, cell in enumerate(notebook["cells"]) if grade_id(cell) == wanted]
    if len(found) != 1:
        raise SystemExit(
            f"attack refers to grade_id {wanted!r}, found {len(found)} times in "
            f"{name}; expected exactly one: use a grade_id of that notebook only"
        )
    return found[0]


def apply(
    attack: Attack, name: str, answered: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Returns notebook `name` changed as `attack` says; unknown ids are skipped."""
    notebook = copy.deepcopy(answered[name])
    ids = {grade_id(cell) for cell in notebook["cells"]}
    for wanted, source in attack.solutions.items():
        if wanted in ids:
            cell = notebook["cells"][position(notebook, wanted, name)]
            cell["source"] = source.strip("\n").splitlines(keepends=True)
    added = 0
    for after, source in attack.added:
        if after in ids:
            index = position(notebook, after, name) + 1
            added += 1
            notebook["cells"].insert(index, code_cell(source, f"added-{added}"))
    if attack.edit is not None:
        notebook = attack.edit(name, notebook, answered)
    return notebook


def build(output: Path = OUTPUT) -> list[str]:
    """Writes every attack under `output`; returns the student ids written."""
    names = sorted(p.name for p in (ROOT / "release" / ASSIGNMENT).glob("*.ipynb"))
    answered = {name: solved(name) for name in names}
    if output.exists():
        shutil.rmtree(output)
    for attack in ATTACKS:
        folder = output / attack.student_id / ASSIGNMENT
        folder.mkdir(parents=True)
        for name in names:
            notebook = apply(attack, name, answered)
            text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
            (folder / name).write_text(text)
    return [attack.student_id for attack in ATTACKS]


if __name__ == "__main__":
    written = build()
    print(f"wrote {len(written)} attack submissions to {OUTPUT.relative_to(ROOT)}")
