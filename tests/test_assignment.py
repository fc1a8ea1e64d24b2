"""The keras_bias notebooks: their nbgrader contract, release and answer key.

The source notebooks are the instructor's; everything else is derived from them
and committed. These tests regenerate the release and the answer key into
temporary folders and compare, so a stale commit fails; they search the release
for anything that gives answers away; and they run the real `nbgrader validate`
on the answer key (passes), the untouched release (fails, readably) and the
source with its hidden tests (passes, given the hidden checks).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.authoring import (
    COURSE_ROOT,
    RELEASE_ROOT,
    SOLUTIONS_DIR,
    SOURCE_DIR,
    tool_environment,
)
from autograder.authoring.regions import hidden_test_regions, solution_regions
from autograder.authoring.release import generate_release
from autograder.authoring.solutions import RunTime, generate_solutions

NOTEBOOK_1 = "1_initializing_bias.ipynb"
NOTEBOOK_2 = "2_bias_in_training.ipynb"
NOTEBOOKS = (NOTEBOOK_1, NOTEBOOK_2)
RELEASE_DIR = RELEASE_ROOT / "keras_bias"
CHECKS_DIR = COURSE_ROOT / "autograder" / "checks"

# The contract with the hidden checks: grade_id -> points, per notebook.
GRADE_CELLS = {
    NOTEBOOK_1: {
        "build_model_shapes": 2,
        "build_model_use_bias": 2,
        "build_model_initializer": 2,
        "get_biases_order": 2,
        "get_biases_copies": 1,
        "count_bias_parameters_total": 2,
        "initial_bias_constant": 2,
        "initial_bias_random": 2,
        "build_conv_model_shapes": 2,
        "build_conv_model_options": 2,
    },
    NOTEBOOK_2: {
        "train_and_compare_snapshots": 3,
        "train_and_compare_frozen": 2,
        "fit_line_intercept": 2,
        "fit_line_origin": 2,
    },
}
FUNCTIONS = {
    NOTEBOOK_1: {
        "build_model",
        "get_biases",
        "count_bias_parameters",
        "initial_bias",
        "build_conv_model",
    },
    NOTEBOOK_2: {"train_and_compare", "fit_line"},
}
# Seconds a learner may wait on "Run All", kernel start and TensorFlow included.
RUN_SECONDS_BUDGET = 30.0
# Solution lines shorter than this ("return total", "]") say nothing about the
# answer and may well appear in instructor code too.
SHORTEST_TELLING_LINE = 16
VALIDATE_TIMEOUT_SECONDS = 900
PASSED = "Success! Your notebook passes all the tests."


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def nbgrader_of(cell: Any) -> dict[str, Any]:
    return cell.metadata.get("nbgrader", {})


def cells_where(notebook: Any, **wanted: Any) -> list[Any]:
    """Returns the cells whose nbgrader metadata has all of `wanted`."""
    return [
        cell
        for cell in notebook.cells
        if all(nbgrader_of(cell).get(key) == value for key, value in wanted.items())
    ]


def hidden_check_names() -> set[str]:
    """Returns the names of the hidden check modules and their test functions."""
    names: set[str] = set()
    for path in sorted(CHECKS_DIR.glob("test_*.py")):
        names.add(path.stem)
        tree = ast.parse(path.read_text())
        names.update(
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        )
    return names


def leaks(notebook: Any, source: Any) -> list[str]:
    """Returns what of the source's answers and hidden tests `notebook` gives away.

    Words are searched in the whole file, metadata included; solution lines are
    compared with the lines of every cell source and text output.
    """
    found = []
    everything = nbformat.writes(notebook)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        if marker in everything:
            found.append(f"the marker {marker!r}")
    for word in ("run_check", "autograder"):
        if word in everything:
            found.append(f"the hidden-test word {word!r}")
    for name in sorted(set(re.findall(r"\btest_\w+", everything))):
        found.append(f"the test name {name!r}")
    for name in sorted(hidden_check_names()):
        if name in everything:
            found.append(f"the hidden check name {name!r}")

    lines = {line.strip() for line in notebook_text(notebook).splitlines()}
    for cell in cells_where(source, solution=True):
        for region in solution_regions(cell.source):
            for line in region.splitlines():
                telling = line.strip()
                if len(telling) >= SHORTEST_TELLING_LINE and telling in lines:
                    found.append(f"the solution line {telling!r}")
    return found


def notebook_text(notebook: Any) -> str:
    """Returns every cell source and every text output of `notebook`."""
    parts = []
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def nbgrader_validate(*paths: Path) -> str:
    """Returns what `nbgrader validate` printed for `paths`, run in the course."""
    environment = tool_environment()
    # Unbuffered, so the log line naming each notebook precedes its report.
    environment["PYTHONUNBUFFERED"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", *map(str, paths)],
        cwd=COURSE_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=VALIDATE_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, f"nbgrader validate crashed:\n{result.stdout}"
    return result.stdout


def reports_by_notebook(output: str) -> dict[str, str]:
    """Splits `nbgrader validate` output into one report per notebook file."""
    reports: dict[str, str] = {}
    pieces = re.split(r"Validating '([^']+)'", output)
    for path, report in zip(pieces[1::2], pieces[2::2], strict=True):
        reports[Path(path).name] = report
    return reports


def needs_hidden_checks() -> None:
    if not list(CHECKS_DIR.glob("test_*.py")):
        pytest.skip(
            "autograder/checks/ has no test_*.py hidden checks yet, so the hidden "
            "tests of the source notebooks cannot run"
        )


# --- the source notebooks keep the contract with the hidden checks ------------


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_grade_cells_have_the_agreed_ids_points_and_hidden_block(name: str) -> None:
    source = read(SOURCE_DIR / name)
    cells = cells_where(source, grade=True)
    assert {nbgrader_of(c)["grade_id"]: nbgrader_of(c)["points"] for c in cells} == (
        GRADE_CELLS[name]
    )
    for cell in cells:
        grade_id = nbgrader_of(cell)["grade_id"]
        assert nbgrader_of(cell)["locked"] is True, f"{grade_id} should be locked"
        assert nbgrader_of(cell)["solution"] is False, f"{grade_id} is a test cell"
        hidden = hidden_test_regions(cell.source)
        assert len(hidden) == 1, f"{grade_id}: expected one hidden block"
        assert f'run_check("{grade_id}", globals())' in hidden[0]
        visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
        assert "assert " in visible, f"{grade_id}: a learner needs a visible assert"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_function_has_its_own_solution_cell(name: str) -> None:
    source = read(SOURCE_DIR / name)
    cells = cells_where(source, solution=True)
    names = set()
    for cell in cells:
        match = re.match(r"def (\w+)\(", cell.source)
        assert match, f"a solution cell should start with def: {cell.source[:40]!r}"
        names.add(match.group(1))
        assert nbgrader_of(cell) | {"grade_id": None} == {
            "grade": False,
            "grade_id": None,
            "locked": False,
            "schema_version": 3,
            "solution": True,
            "task": False,
        }
        assert nbgrader_of(cell)["grade_id"] == f"{match.group(1)}_solution"
        lines = cell.source.splitlines()
        assert lines[1].strip() == "### BEGIN SOLUTION", f"{match.group(1)}: body"
        assert lines[-1].strip() == "### END SOLUTION", f"{match.group(1)}: body"
    assert names == FUNCTIONS[name]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_setup_cell_comes_first_and_every_instructor_cell_is_locked(name: str) -> None:
    source = read(SOURCE_DIR / name)
    setup = next(cell for cell in source.cells if cell.cell_type == "code")
    assert "setup" in setup.metadata.get("tags", [])
    assert nbgrader_of(setup) | {"grade_id": None} == {
        "grade": False,
        "grade_id": None,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    for line in ("import numpy as np", "import keras", "import matplotlib"):
        assert line in setup.source, f"the setup cell should {line}"
    assert "keras.utils.set_random_seed(" in setup.source

    tagged = [cell for cell in source.cells if "setup" in cell.metadata.get("tags", [])]
    assert tagged == [setup], "only the first code cell is a setup cell"
    grade_ids = [nbgrader_of(cell).get("grade_id") for cell in source.cells]
    assert None not in grade_ids and len(set(grade_ids)) == len(grade_ids)
    unlocked = [c for c in source.cells if not nbgrader_of(c).get("locked")]
    assert unlocked == cells_where(source, solution=True)


# --- the release: current, stubs only, nothing given away ---------------------


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_release(tmp_path_factory.mktemp("release"), quiet=True)


def test_committed_release_is_what_nbgrader_generates_now(fresh_release: Path) -> None:
    fresh = {path.name: path.read_bytes() for path in fresh_release.iterdir()}
    committed = {path.name: path.read_bytes() for path in RELEASE_DIR.iterdir()}
    assert sorted(committed) == sorted(fresh), "run `make release`"
    for name in fresh:
        assert committed[name] == fresh[name], f"{name} is stale; run `make release`"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_release_solution_cells_are_stubs(name: str) -> None:
    release = read(RELEASE_DIR / name)
    for cell in cells_where(release, solution=True):
        definition = cell.source.splitlines()[0]
        assert cell.source == (
            f"{definition}\n    # YOUR CODE HERE\n    raise NotImplementedError()"
        )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_release_gives_nothing_away(name: str) -> None:
    source = read(SOURCE_DIR / name)
    assert leaks(read(RELEASE_DIR / name), source) == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_leak_search_finds_answers_in_the_source(name: str) -> None:
    """The search above must be able to fail: the source itself leaks."""
    source = read(SOURCE_DIR / name)
    found = leaks(source, source)
    assert any(item.startswith("the solution line") for item in found)
    assert "the hidden-test word 'run_check'" in found


# --- the answer key: current, fast, correct -----------------------------------


@pytest.fixture(scope="module")
def fresh_solutions(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, RunTime]]:
    folder = tmp_path_factory.mktemp("solutions")
    return folder, generate_solutions(folder)


def test_committed_solutions_are_what_running_the_source_gives_now(
    fresh_solutions: tuple[Path, dict[str, RunTime]],
) -> None:
    folder, _ = fresh_solutions
    fresh = {path.name: path.read_bytes() for path in folder.iterdir()}
    committed = {path.name: path.read_bytes() for path in SOLUTIONS_DIR.iterdir()}
    assert sorted(committed) == sorted(fresh), "run `make solutions`"
    for name in fresh:
        assert committed[name] == fresh[name], f"{name} is stale; run `make solutions`"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solved_notebook_runs_within_budget(
    name: str, fresh_solutions: tuple[Path, dict[str, RunTime]]
) -> None:
    """The kernel's own CPU time bounds the wait on an idle machine.

    Wall-clock time is reported too, but not asserted: other work on the same
    machine stretches it without the notebook being any slower.
    """
    _, timings = fresh_solutions
    timing = timings[name]
    assert timing.kernel_cpu_seconds < RUN_SECONDS_BUDGET, (
        f"{name}: the kernel used {timing.kernel_cpu_seconds:.1f} s of CPU time "
        f"({timing.wall_seconds:.1f} s wall-clock) from start to the last cell; "
        f"the budget is {RUN_SECONDS_BUDGET:.0f} s"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_answer_key_has_outputs_and_no_hidden_tests(name: str) -> None:
    solved = read(SOLUTIONS_DIR / name)
    text = notebook_text(solved)
    for word in ("HIDDEN TESTS", "run_check", "BEGIN SOLUTION", "Traceback"):
        assert word not in text
    outputs = [output for cell in solved.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any("image/png" in output.get("data", {}) for output in outputs)


def test_answer_key_passes_nbgrader_validate() -> None:
    output = nbgrader_validate(*(SOLUTIONS_DIR / name for name in NOTEBOOKS))
    reports = reports_by_notebook(output)
    assert sorted(reports) == sorted(NOTEBOOKS), output
    for name, report in reports.items():
        assert PASSED in report, f"{name}:\n{report}"


def test_untouched_release_fails_nbgrader_validate_readably() -> None:
    output = nbgrader_validate(*(RELEASE_DIR / name for name in NOTEBOOKS))
    reports = reports_by_notebook(output)
    assert sorted(reports) == sorted(NOTEBOOKS), output
    for name, report in reports.items():
        failed = len(GRADE_CELLS[name])
        assert f"VALIDATION FAILED ON {failed} CELL(S)!" in report, report
        assert "NotImplementedError" in report
        assert PASSED not in report


# --- the hidden tests: the source passes them, a wrong answer does not --------


def test_source_with_hidden_tests_passes_nbgrader_validate() -> None:
    needs_hidden_checks()
    output = nbgrader_validate(*(SOURCE_DIR / name for name in NOTEBOOKS))
    reports = reports_by_notebook(output)
    assert sorted(reports) == sorted(NOTEBOOKS), output
    for name, report in reports.items():
        assert PASSED in report, f"{name}:\n{report}"


def test_hidden_block_runs_the_real_check(tmp_path: Path) -> None:
    """A wrong count that no visible assert sees is caught by the hidden check."""
    needs_hidden_checks()
    notebook = read(SOURCE_DIR / NOTEBOOK_1)
    (solution,) = cells_where(notebook, grade_id="count_bias_parameters_solution")
    solution.source = "def count_bias_parameters(model):\n    return 0"
    (grade_cell,) = cells_where(notebook, grade_id="count_bias_parameters_total")
    hidden = hidden_test_regions(grade_cell.source)[0]
    grade_cell.source = f"### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS"
    nbformat.write(notebook, tmp_path / NOTEBOOK_1)

    report = nbgrader_validate(tmp_path / NOTEBOOK_1)
    assert "VALIDATION FAILED ON 1 CELL(S)!" in report, report
    assert 'run_check("count_bias_parameters_total"' in report
    assert "AssertionError: count_bias_parameters(" in report, report
