"""Writes the answer key: the solved notebooks, executed, without hidden tests.

Each source notebook loses its hidden tests (by nbgrader's own
`ClearHiddenTests`, as in the release) and its solution marker lines, then runs
top to bottom in a fresh kernel; the outputs are kept, so the key shows what a
correct submission prints and plots. The notebooks seed every random draw and
print no timings or addresses, so running this twice writes identical files.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from autograder.authoring import SOLUTIONS_DIR, source_notebooks, tool_environment
from autograder.authoring.regions import without_solution_markers

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"
# Per cell; the slowest cell trains for well under a second.
CELL_TIMEOUT_SECONDS = 300
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def solved_notebook(source_path: Path) -> NotebookNode:
    """Returns the source notebook without hidden tests and solution markers."""
    notebook = nbformat.read(source_path, as_version=nbformat.NO_CONVERT)
    notebook, _ = ClearHiddenTests().preprocess(notebook, {})
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get(
            "solution"
        ):
            cell.source = without_solution_markers(cell.source)
    return notebook


@dataclass(frozen=True)
class RunTime:
    """How long one notebook took, from kernel start to its last cell.

    `wall_seconds` is what a learner waits for on "Run All", TensorFlow's import
    included, but it grows with whatever else the machine runs at the time.
    `kernel_cpu_seconds` is the processor time the kernel itself used; it hardly
    depends on other load, and on an otherwise idle machine the wait is no
    longer than it, since the kernel only waits on its own computation.
    """

    wall_seconds: float
    kernel_cpu_seconds: float


def execute(notebook: NotebookNode) -> RunTime:
    """Runs `notebook` in place in a fresh kernel; returns how long it took.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; its traceback
            says which.
    """
    environment = tool_environment()
    environment["MPLBACKEND"] = INLINE_BACKEND
    with tempfile.TemporaryDirectory(prefix="keras_bias_solution_") as workdir:
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL_NAME,
            timeout=CELL_TIMEOUT_SECONDS,
            record_timing=False,
            coalesce_streams=True,
            resources={"metadata": {"path": workdir}},
        )
        cpu_before = _finished_children_cpu_seconds()
        start = time.perf_counter()
        client.execute(env=environment)
        wall = time.perf_counter() - start
    # The kernel has exited and been waited for, so its time is counted now.
    return RunTime(wall, _finished_children_cpu_seconds() - cpu_before)


def _finished_children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def generate_solutions(into: Path = SOLUTIONS_DIR) -> dict[str, RunTime]:
    """Writes one executed answer-key notebook per source notebook into `into`.

    Returns how long each notebook took, by file name. Notebooks in `into` that
    no longer have a source are removed.
    """
    into.mkdir(parents=True, exist_ok=True)
    sources = source_notebooks()
    names = {path.name for path in sources}
    for stale in into.glob("*.ipynb"):
        if stale.name not in names:
            logger.warning("removing %s: its source notebook is gone", stale.name)
            stale.unlink()

    timings: dict[str, RunTime] = {}
    for source_path in sources:
        notebook = solved_notebook(source_path)
        timing = timings[source_path.name] = execute(notebook)
        nbformat.write(notebook, into / source_path.name)
        logger.info(
            "executed %s in %.1f s (kernel CPU time %.1f s)",
            source_path.name,
            timing.wall_seconds,
            timing.kernel_cpu_seconds,
        )
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--into",
        type=Path,
        default=SOLUTIONS_DIR,
        help="folder for the answer-key notebooks (default: solutions/keras_bias)",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="solutions: %(message)s")
    generate_solutions(arguments.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
