"""The sample submissions, graded once through the real command: exact points.

Every sample student earns a number of points per function that can be worked
out by hand from the hidden checks; each common mistake costs exactly the grade
cells it should, with a message in the learner's terms. The answer key, added
next to the samples, earns everything.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from grading_helpers import (
    ASSIGNMENT,
    ROOT,
    SAMPLES,
    add_notebooks,
    copy_submissions,
    load_results,
    run_grader,
    scores_by_function,
)

from autograder.samples import build
from autograder.source import cell_source

ANSWER_KEY = "key"
NOTEBOOK_1, NOTEBOOK_2 = build.NOTEBOOK_1, build.NOTEBOOK_2

# Each function's points: the sum of its grade cells' points in source/.
FULL = {
    "initial_bias": 4.0,  # initial_bias_constant 2 + initial_bias_random 2
    "build_model": 6.0,  # build_model_shapes 2 + _use_bias 2 + _initializer 2
    "get_biases": 3.0,  # get_biases_order 2 + get_biases_copies 1
    "count_bias_parameters": 2.0,  # count_bias_parameters_total 2
    "build_conv_model": 4.0,  # build_conv_model_shapes 2 + _options 2
    "train_and_compare": 5.0,  # train_and_compare_snapshots 3 + _frozen 2
    "fit_line": 4.0,  # fit_line_intercept 2 + fit_line_origin 2
}
NOTHING = dict.fromkeys(FULL, 0.0)
NOTEBOOK_2_FUNCTIONS = {"train_and_compare", "fit_line"}


def full_except(**points: float) -> dict[str, float]:
    return {**FULL, **points}


EXPECTED = {
    ANSWER_KEY: FULL,
    "ada": FULL,
    "noor": NOTHING,
    # All three build_model checks need a built model first.
    "bram": full_except(build_model=0),
    # get_biases_order fails (a kernel slips in); the copies check has no gap.
    "chen": full_except(get_biases=1),
    # Both train_and_compare checks see the trained values in "before".
    "dara": full_except(train_and_compare=0),
    # Only build_model_use_bias (2 points) asks for use_bias=False.
    "emil": full_except(build_model=4),
    # Conv2D raises on every call, so both build_conv_model checks fail.
    "farah": full_except(build_conv_model=0),
    "goran": full_except(count_bias_parameters=0),
    # fit_line_intercept passes (the bias is wanted there); fit_line_origin fails.
    "hana": full_except(fit_line=2),
    # Notebook 1 cannot be read; notebook 2 is whole and right: 5 + 4.
    "ivo": {**NOTHING, "train_and_compare": 5.0, "fit_line": 4.0},
    # Notebook 2 is missing: 28 - 5 - 4.
    "jules": full_except(train_and_compare=0, fit_line=0),
    # The scratch cell's NameError does not stop the cells after it.
    "kai": FULL,
}

# Student, the grade cells the mistake fails (and no others), a fragment of
# the message each of those cells shows the student.
MISTAKES = [
    (
        "bram",
        {"build_model_shapes", "build_model_use_bias", "build_model_initializer"},
        "the model has no weights; give it an input shape with "
        "keras.Input(shape=(input_dim,))",
    ),
    (
        "chen",
        {"get_biases_order"},
        "item 1 (the bias of layer 3 (Dense)): expected shape (2,), got (3, 2)",
    ),
    (
        "dara",
        {"train_and_compare_snapshots", "train_and_compare_frozen"},
        "before, the bias of layer 1 (Dense), holds the values after training; "
        "copy the biases (for example with .numpy()) before calling fit",
    ),
    (
        "emil",
        {"build_model_use_bias"},
        "hidden layer: expected no bias (None) with use_bias=False, got a bias of "
        "shape (6,); pass use_bias to the layer",
    ),
    (
        "farah",
        {"build_conv_model_shapes", "build_conv_model_options"},
        "build_conv_model raised ValueError: Could not interpret initializer "
        "identifier: xavier",
    ),
    (
        "goran",
        {"count_bias_parameters_total"},
        "count_bias_parameters(a model [Input(shape=(6,)), Dense(5), "
        "Dense(3, use_bias=False), Dense(2)]): expected 7, got 58",
    ),
    (
        "hana",
        {"fit_line_origin"},
        "expected a Dense layer without a bias, so the line passes through the origin",
    ),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Returns the output folder of one run over the samples and the answer key."""
    base = tmp_path_factory.mktemp("samples")
    submitted = copy_submissions(None, base / "submitted")
    key = ROOT / "solutions" / ASSIGNMENT
    add_notebooks(
        submitted,
        ANSWER_KEY,
        {path.name: path.read_text() for path in sorted(key.glob("*.ipynb"))},
    )
    out = base / "out"
    run_grader(submitted, out, "--quiet")
    return out


def failed_tests(data: dict[str, Any]) -> dict[str, str]:
    """Returns the output of every failed grade cell, by grade_id."""
    return {
        test["extra_data"]["grade_id"]: test["output"]
        for test in data["tests"]
        if test["status"] != "passed"
    }


def test_every_sample_has_expected_scores() -> None:
    samples = {folder.name for folder in SAMPLES.iterdir() if folder.is_dir()}
    listed = {sample.student_id for sample in build.SAMPLES}

    assert samples == listed, "run `make samples` to rewrite the sample submissions"
    assert set(EXPECTED) == listed | {ANSWER_KEY}
    assert sum(FULL.values()) == 28


@pytest.mark.slow
@pytest.mark.parametrize("student_id", sorted(EXPECTED))
def test_each_function_scores_exactly(graded: Path, student_id: str) -> None:
    data = load_results(graded, student_id)
    expected = EXPECTED[student_id]

    assert scores_by_function(data) == expected
    assert data["score"] == sum(expected.values())
    assert data["max_score"] == 28


@pytest.mark.slow
@pytest.mark.parametrize(
    ("student_id", "grade_ids", "fragment"),
    MISTAKES,
    ids=[student_id for student_id, _, _ in MISTAKES],
)
def test_mistake_fails_its_cells_with_a_message_in_learner_terms(
    graded: Path, student_id: str, grade_ids: set[str], fragment: str
) -> None:
    failed = failed_tests(load_results(graded, student_id))

    assert set(failed) == grade_ids
    for grade_id, output in failed.items():
        assert fragment in output, f"{grade_id} said: {output}"


@pytest.mark.slow
def test_truncated_notebook_loses_only_its_own_functions(graded: Path) -> None:
    data = load_results(graded, "ivo")
    problem = f"{NOTEBOOK_1} is not valid notebook JSON"

    assert len(data["extra_data"]["problems"]) == 1
    assert data["extra_data"]["problems"][0].startswith(problem)
    assert "open it in JupyterLab, save it and submit again" in data["output"]
    for test in data["tests"]:
        if test["extra_data"]["function"] in NOTEBOOK_2_FUNCTIONS:
            assert test["status"] == "passed", test["output"]
        else:
            function = test["extra_data"]["function"]
            assert test["output"].startswith(f"{function} could not be graded: ")
            assert problem in test["output"]


@pytest.mark.slow
def test_missing_notebook_is_named_with_what_was_found(graded: Path) -> None:
    data = load_results(graded, "jules")
    problem = (
        f"no notebook {NOTEBOOK_2} in submitted/jules/{ASSIGNMENT}; found: {NOTEBOOK_1}"
    )

    assert data["extra_data"]["problems"] == [problem]
    assert set(failed_tests(data)) == {
        "train_and_compare_snapshots",
        "train_and_compare_frozen",
        "fit_line_intercept",
        "fit_line_origin",
    }


@pytest.mark.slow
def test_scratch_cell_error_is_reported_and_later_cells_still_run(
    graded: Path,
) -> None:
    data = load_results(graded, "kai")
    errors = data["extra_data"]["cell_errors"]

    assert [(e["notebook"], e["error"]) for e in errors] == [
        (NOTEBOOK_1, "NameError: name 'tset_model' is not defined")
    ]
    assert failed_tests(data) == {}
    feedback = (graded / "kai" / "feedback.html").read_text()
    assert "name &#x27;tset_model&#x27; is not defined" in feedback


@pytest.mark.slow
def test_untouched_release_says_the_stubs_were_not_replaced(graded: Path) -> None:
    data = load_results(graded, "noor")

    assert data["extra_data"]["problems"] == []
    for test in data["tests"]:
        function = test["extra_data"]["function"]
        assert test["output"].startswith(f"{function} raised NotImplementedError")


@pytest.mark.slow
def test_grades_csv_has_a_row_per_student_and_a_column_per_function(
    graded: Path,
) -> None:
    with (graded / "grades.csv").open(newline="") as stream:
        rows = list(csv.reader(stream))

    assert rows[0] == ["student_id", "total", "max_score", *FULL]
    assert [row[0] for row in rows[1:]] == sorted(EXPECTED)
    for student_id, total, max_score, *points in rows[1:]:
        expected = EXPECTED[student_id]
        assert float(total) == sum(expected.values()), student_id
        assert float(max_score) == 28
        assert [float(value) for value in points] == list(expected.values())


@pytest.mark.slow
def test_every_student_gets_feedback_and_the_class_a_report(graded: Path) -> None:
    for student_id in EXPECTED:
        assert (graded / student_id / "results.json").is_file()
        assert (graded / student_id / "feedback.html").is_file(), student_id
    report = (graded / "report.html").read_text()
    mean = sum(sum(points.values()) for points in EXPECTED.values()) / len(EXPECTED)
    assert f"{len(EXPECTED)} students, mean score {mean:.1f}." in report
    table = report.split("<pre>")[1].split("</pre>")[0]
    rows = [line.split() for line in table.splitlines()]
    for student_id, expected in EXPECTED.items():
        row = [f"{points:g}" for points in expected.values()]
        assert [student_id, *row, f"{sum(expected.values()):g}/28"] in rows


# --- the generator ----------------------------------------------------------


def cell_sources(path: Path) -> list[str] | str:
    """Returns a notebook's cell sources, or its raw text if it is not JSON."""
    text = path.read_text(encoding="utf-8")
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError:
        return text
    return [cell_source(cell) for cell in notebook["cells"]]


def test_committed_samples_match_a_fresh_build(tmp_path: Path) -> None:
    build.build_all(tmp_path)

    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.ipynb"))
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*.ipynb"))
    assert fresh == committed, "run `make samples` to rewrite the sample submissions"
    for relative in fresh:
        assert cell_sources(tmp_path / relative) == cell_sources(SAMPLES / relative), (
            f"{relative} is stale; run `make samples`"
        )


def test_answers_go_to_the_cell_that_defines_the_function(tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    for path in build.RELEASE.glob("*.ipynb"):
        notebook = json.loads(path.read_text())
        notebook["cells"].reverse()
        (release / path.name).write_text(json.dumps(notebook))

    (ada,) = [sample for sample in build.SAMPLES if sample.student_id == "ada"]
    build.build_sample(ada, release, tmp_path / "out")

    written = tmp_path / "out" / "ada" / ASSIGNMENT / NOTEBOOK_1
    for cell in json.loads(written.read_text())["cells"]:
        nbgrader = cell["metadata"].get("nbgrader", {})
        if nbgrader.get("grade_id") == "build_model_solution":
            assert "model.add(keras.Input(shape=(input_dim,)))" in cell_source(cell)
            break
    else:
        pytest.fail("no build_model_solution cell in the written notebook")


def test_a_cell_answering_two_functions_is_refused() -> None:
    notebooks = {
        path.name: json.loads(path.read_text())
        for path in build.RELEASE.glob("*.ipynb")
    }
    cell = "def build_model():\n    pass\n\n\ndef get_biases(model):\n    pass"

    with pytest.raises(build.SampleError, match="defines build_model and get_biases"):
        build.fill_in(notebooks, [cell], "students/someone.py")
