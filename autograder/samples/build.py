"""`python -m autograder.samples.build`: writes the sample submissions.

Every sample student starts from the release notebooks, as a real student does,
and replaces the stub of each function they answered with their own code,
which lives readably in `students/<student_id>.py`. A few samples then break
their submission the way uploads break: a notebook cut off halfway, a notebook
never handed in. Run it again whenever `release/` changes; the tests fail until
the committed samples match the release.

A student file is split into cells at lines that start with `# %%` (the
percent format VS Code and Jupytext read). A cell that defines a function the
release asks for (`def build_model(`) replaces that function's solution cell,
wherever it sits in the notebook; any other cell is one the student added, and
goes right after the cell before it. What precedes the first `# %%` (who the
student is, and the imports the notebooks' setup cell makes anyway) is not
copied.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import ASSIGNMENT
from autograder.source import cell_source

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RELEASE = PROJECT_ROOT / "release" / ASSIGNMENT
HERE = Path(__file__).resolve().parent
STUDENTS = HERE / "students"
SUBMITTED = HERE / "submitted"

NOTEBOOK_1 = "1_initializing_bias.ipynb"
NOTEBOOK_2 = "2_bias_in_training.ipynb"

CELL_MARKER = re.compile(r"^# %%.*$", re.MULTILINE)
DEFINITION = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class Sample:
    """One sample student: what their submission shows, and how it was handed in.

    `answered` is False for a student who submitted the release untouched.
    `truncated` notebooks are cut off halfway through their JSON; `missing`
    notebooks are not in the submission at all.
    """

    student_id: str
    shows: str
    answered: bool = True
    truncated: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


SAMPLES = (
    Sample("ada", "every function right, in other Keras idioms than the answer key"),
    Sample("noor", "the release handed in untouched", answered=False),
    Sample("bram", "build_model never gives the model an input shape"),
    Sample("chen", "get_biases takes every second array of model.get_weights()"),
    Sample("dara", "train_and_compare keeps layer.bias itself as 'before'"),
    Sample("emil", "build_model accepts use_bias and ignores it"),
    Sample("farah", "build_conv_model asks for the 'xavier' kernel_initializer"),
    Sample("goran", "count_bias_parameters returns model.count_params()"),
    Sample("hana", "fit_line always adds a bias, whatever use_bias says"),
    Sample(
        "ivo", "notebook 1 cut off halfway; notebook 2 right", truncated=(NOTEBOOK_1,)
    ),
    Sample("jules", "only notebook 1 handed in", missing=(NOTEBOOK_2,)),
    Sample("kai", "right answers, and a scratch cell that raises NameError"),
)


class SampleError(ValueError):
    """A student file cannot be turned into notebooks; the message says why."""


def split_cells(text: str) -> list[str]:
    """Returns the cells of a student file, without the part before the first one."""
    parts = CELL_MARKER.split(text)[1:]
    return [part.strip("\n") for part in parts if part.strip()]


def solution_cells(notebook: dict[str, Any]) -> dict[str, int]:
    """Returns the index of each solution cell, by the function it defines."""
    found = {}
    for index, cell in enumerate(notebook["cells"]):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if nbgrader.get("solution"):
            for function in DEFINITION.findall(cell_source(cell)):
                found[function] = index
    return found


def fill_in(
    notebooks: dict[str, dict[str, Any]], cells: list[str], origin: str
) -> None:
    """Puts the student's cells into `notebooks` (changed in place)."""
    where = {
        function: (name, index)
        for name, notebook in notebooks.items()
        for function, index in solution_cells(notebook).items()
    }
    answered: set[str] = set()
    added: dict[str, list[tuple[int, str]]] = {name: [] for name in notebooks}
    previous: tuple[str, int] | None = None
    for number, source in enumerate(cells, start=1):
        functions = [f for f in DEFINITION.findall(source) if f in where]
        if len(functions) > 1:
            raise SampleError(
                f"{origin}, cell {number}: defines {' and '.join(functions)}; "
                "give each function of the release a cell of its own"
            )
        if functions:
            (function,) = functions
            if function in answered:
                raise SampleError(
                    f"{origin}, cell {number}: answers {function} a second time; "
                    "keep one cell per function"
                )
            answered.add(function)
            previous = where[function]
            name, index = previous
            notebooks[name]["cells"][index]["source"] = _lines(source)
        elif previous is None:
            raise SampleError(
                f"{origin}, cell {number}: defines none of "
                f"{', '.join(sorted(where))} and no answer comes before it; "
                "move it after the answer it follows in the notebook"
            )
        else:
            name, index = previous
            added[name].append((index, source))
    for name, cells_added in added.items():
        # From the bottom up, so earlier indices stay valid.
        for index, source in reversed(cells_added):
            new = _new_cell(source, f"{origin}:{index}")
            notebooks[name]["cells"].insert(index + 1, new)


def build_sample(sample: Sample, release: Path, target: Path) -> list[Path]:
    """Writes one student's submission under `target`; returns the files written."""
    notebooks = {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(release.glob("*.ipynb"))
    }
    if not notebooks:
        raise SampleError(f"no release notebooks in {release}; run `make release`")
    code = STUDENTS / f"{sample.student_id}.py"
    if sample.answered:
        cells = split_cells(code.read_text(encoding="utf-8"))
        fill_in(notebooks, cells, f"students/{code.name}")
    elif code.exists():
        raise SampleError(
            f"students/{code.name} exists, but {sample.student_id} is marked as "
            "handing in the release untouched; delete one of the two"
        )

    folder = target / sample.student_id / ASSIGNMENT
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    written = []
    for name, notebook in notebooks.items():
        if name in sample.missing:
            continue
        text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)
        text += "\n"
        if name in sample.truncated:
            text = text[: len(text) // 2]
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def build_all(target: Path = SUBMITTED, release: Path = RELEASE) -> list[Path]:
    """Writes every sample under `target`; returns the files written."""
    target.mkdir(parents=True, exist_ok=True)
    known = {sample.student_id for sample in SAMPLES}
    others = sorted(p.name for p in target.iterdir() if p.name not in known)
    if others:
        logger.warning("left alone in %s, not samples: %s", target, ", ".join(others))
    written = []
    for sample in SAMPLES:
        written += build_sample(sample, release, target)
    return written


def _lines(source: str) -> list[str]:
    """Returns a cell source as Jupyter stores it: lines, the last without newline."""
    return source.splitlines(keepends=True)


def _new_cell(source: str, seed: str) -> dict[str, Any]:
    """Returns a code cell as JupyterLab adds it: no nbgrader metadata."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": hashlib.sha256(seed.encode()).hexdigest()[:8],
        "metadata": {},
        "outputs": [],
        "source": _lines(source),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.samples.build",
        description="Write the sample submissions from the release notebooks.",
    )
    parser.add_argument("--out", type=Path, default=SUBMITTED, help="target folder")
    parser.add_argument(
        "--release", type=Path, default=RELEASE, help="release notebooks"
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        written = build_all(arguments.out, arguments.release)
    except (SampleError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logger.info("wrote %d notebooks of %d samples", len(written), len(SAMPLES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
