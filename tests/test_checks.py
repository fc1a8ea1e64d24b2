"""The hidden checks, run against a correct answer and against common mistakes.

Every check must pass for the reference answers in `student_variants`, and
each mistake must cost exactly the grade cells it should, with a message that
tells the learner what was expected and what was received.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import student_variants as variants

from autograder import checking, specs
from autograder.building import build_model
from autograder.checking import CheckFailed
from autograder.checks import test_train_and_compare as train_checks
from autograder.checks.training import trained_layer_weights
from autograder.notebook import run_check
from autograder.student import InProcessStudent, StudentError

# Only the checks that ship in autograder/checks, whatever else registered one.
CHECKS = {
    grade_id: check
    for grade_id, check in checking.load_checks().items()
    if check.__module__.startswith("autograder.checks.")
}
GRADE_IDS = {
    "build_model_shapes",
    "build_model_use_bias",
    "build_model_initializer",
    "get_biases_order",
    "get_biases_copies",
    "count_bias_parameters_total",
    "initial_bias_constant",
    "initial_bias_random",
    "build_conv_model_shapes",
    "build_conv_model_options",
    "train_and_compare_snapshots",
    "train_and_compare_frozen",
    "fit_line_intercept",
    "fit_line_origin",
}


def grade_ids_of(function: str) -> set[str]:
    """Returns the grade cells whose check calls `function`, by check module."""
    return {
        grade_id
        for grade_id, check in CHECKS.items()
        if check.__module__.rsplit(".", 1)[-1] == f"test_{function}"
    }


def failures_of(namespace: dict[str, Any], function: str) -> dict[str, str]:
    """Runs the checks of `function`; returns the message of each that fails."""
    failures = {}
    for grade_id in sorted(grade_ids_of(function)):
        try:
            CHECKS[grade_id](InProcessStudent(namespace))
        except (CheckFailed, StudentError) as error:
            failures[grade_id] = str(error)
    return failures


def with_answer(function: str, answer: Callable[..., Any]) -> dict[str, Any]:
    """Returns the reference namespace with one function swapped for `answer`."""
    return {**variants.reference_namespace(), function: answer}


def test_every_grade_cell_has_one_check() -> None:
    assert set(CHECKS) == GRADE_IDS, f"checks found for {sorted(CHECKS)}"
    for function in variants.REFERENCE:
        assert grade_ids_of(function), f"no check calls {function}"


@pytest.mark.parametrize("grade_id", sorted(GRADE_IDS))
def test_check_name_keeps_its_grade_id_secret(grade_id: str) -> None:
    name = CHECKS[grade_id].__name__
    assert name.startswith("test_"), f"{name} would not be collected by pytest"
    revealed = [other for other in GRADE_IDS if other in name]
    assert not revealed, f"check name {name} contains the grade_id {revealed}"

    marks = [mark for mark in CHECKS[grade_id].pytestmark if mark.name == "grade"]
    assert [mark.kwargs["grade_id"] for mark in marks] == [grade_id]

    function = CHECKS[grade_id].__module__.rsplit(".", 1)[-1].removeprefix("test_")
    description = marks[0].kwargs["description"]
    assert description.startswith(f"{function}: "), description


@pytest.mark.parametrize("grade_id", sorted(GRADE_IDS))
def test_reference_answers_pass(grade_id: str) -> None:
    CHECKS[grade_id](InProcessStudent(variants.reference_namespace()))


OTHER_CORRECT_ANSWERS = [
    pytest.param("get_biases", variants.get_biases_from_layer_weights, id="get_biases"),
    pytest.param(
        "count_bias_parameters",
        variants.count_bias_parameters_as_numpy_integer,
        id="count_bias_parameters-numpy-integer",
    ),
    pytest.param(
        "initial_bias",
        variants.initial_bias_from_the_initializer,
        id="initial_bias-called-directly",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_with_get_weights,
        id="train_and_compare-lists-and-full-batch",
    ),
    pytest.param("fit_line", variants.fit_line_with_fit, id="fit_line-fit-with-adam"),
]


@pytest.mark.parametrize(("function", "answer"), OTHER_CORRECT_ANSWERS)
def test_other_correct_answers_pass(function: str, answer: Callable[..., Any]) -> None:
    assert failures_of(with_answer(function, answer), function) == {}


MISTAKES = [
    pytest.param(
        "build_model",
        variants.build_model_without_input,
        dict.fromkeys(
            ("build_model_shapes", "build_model_use_bias", "build_model_initializer"),
            "the model has no weights; give it an input shape with "
            "keras.Input(shape=(input_dim,))",
        ),
        id="build_model-without-input-shape",
    ),
    pytest.param(
        "build_model",
        variants.build_model_ignoring_use_bias,
        {
            "build_model_use_bias": "use_bias=False): hidden layer: expected no bias "
            "(None) with use_bias=False, got a bias of shape (6,)"
        },
        id="build_model-ignores-use_bias",
    ),
    pytest.param(
        "build_model",
        variants.build_model_with_xavier,
        dict.fromkeys(
            ("build_model_shapes", "build_model_use_bias", "build_model_initializer"),
            "build_model raised ValueError: Could not interpret initializer "
            "identifier: xavier",
        ),
        id="build_model-xavier-initializer",
    ),
    pytest.param(
        "build_model",
        variants.build_model_for_the_example_only,
        {
            "build_model_shapes": "build_model(input_dim=3, hidden_units=7, "
            "output_units=5): hidden layer kernel: expected shape (3, 7), got (1, 4)",
            "build_model_use_bias": "output layer bias (the output layer keeps its "
            "bias): expected shape (3,), got (2,)",
            "build_model_initializer": "hidden layer bias: "
            "expected shape (7,), got (4,)",
        },
        id="build_model-hard-coded-example",
    ),
    pytest.param(
        "get_biases",
        variants.get_biases_every_second_weight,
        {
            "get_biases_order": "item 1 (the bias of layer 3 (Dense)): "
            "expected shape (2,), got (3, 2)"
        },
        id="get_biases-every-second-weight",
    ),
    pytest.param(
        "get_biases",
        variants.get_biases_as_variables,
        {
            "get_biases_copies": "item 0 changed when the model's weights were "
            "changed after the call; return NumPy copies"
        },
        id="get_biases-returns-variables",
    ),
    pytest.param(
        "get_biases",
        variants.get_biases_as_tensors,
        {
            "get_biases_copies": "item 0: expected a NumPy array, got a tensor of "
            "type EagerTensor with shape (3,); convert it with .numpy()"
        },
        id="get_biases-returns-tensors",
    ),
    pytest.param(
        "count_bias_parameters",
        variants.count_bias_parameters_with_count_params,
        {"count_bias_parameters_total": "expected 7, got 58"},
        id="count-with-count_params",
    ),
    pytest.param(
        "count_bias_parameters",
        variants.count_bias_parameters_as_float,
        {"count_bias_parameters_total": "expected the integer 7, got 7.0"},
        id="count-as-float",
    ),
    pytest.param(
        "initial_bias",
        variants.initial_bias_ignoring_initializer,
        {
            "initial_bias_constant": "initial_bias('ones', units=9): expected "
            "[1., 1., 1., ..., 1., 1., 1.], got [0., 0., 0., ..., 0., 0., 0.]",
            "initial_bias_random": "expected random values, got 12 copies of 0.0",
        },
        id="initial_bias-ignores-initializer",
    ),
    pytest.param(
        "initial_bias",
        variants.initial_bias_as_variable,
        dict.fromkeys(
            ("initial_bias_constant", "initial_bias_random"),
            "expected a NumPy array, got a tensor of type Variable with shape",
        ),
        id="initial_bias-returns-variable",
    ),
    pytest.param(
        "initial_bias",
        variants.initial_bias_with_glorot_uniform,
        {
            "initial_bias_constant": "initial_bias(keras.initializers.Constant("
            "value=-0.25), units=6): expected [-0.25,",
            "initial_bias_random": "initial_bias('he_normal', units=400): expected a "
            "standard deviation near 0.0707, as he_normal gives",
        },
        id="initial_bias-always-glorot",
    ),
    pytest.param(
        "build_conv_model",
        variants.build_conv_model_ignoring_use_bias,
        {
            "build_conv_model_options": "Conv2D layer: expected no bias (None) "
            "with use_bias=False, got a bias of shape (5,)"
        },
        id="build_conv_model-ignores-use_bias",
    ),
    pytest.param(
        "build_conv_model",
        variants.build_conv_model_with_same_padding,
        {
            "build_conv_model_shapes": "Dense kernel: "
            "expected shape (320, 4), got (500, 4)"
        },
        id="build_conv_model-same-padding",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_holding_variables,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "before, the bias of layer 1 (Dense), holds the values after training",
        ),
        id="train_and_compare-before-holds-variables",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_without_training,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "the bias of layer 1 (Dense) is trainable but did not change",
        ),
        id="train_and_compare-never-fits",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_nudging_biases,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "after, the bias of layer 1 (Dense), does not match 2 epochs of "
            "training with model.fit: expected [",
        ),
        id="train_and_compare-adds-to-biases-without-fit",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_with_fixed_epochs,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "does not match 2 epochs of training with model.fit: expected [",
        ),
        id="train_and_compare-ignores-epochs",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_in_mini_batches,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "; did you call model.fit(x, y, epochs=epochs, verbose=0)?",
        ),
        id="train_and_compare-mini-batches",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_training_a_copy,
        dict.fromkeys(
            ("train_and_compare_snapshots", "train_and_compare_frozen"),
            "the model passed in does not hold the weights of 2 epochs of "
            "model.fit: the kernel of layer 1 (Dense) should be [[",
        ),
        id="train_and_compare-trains-a-copy",
    ),
    pytest.param(
        "train_and_compare",
        variants.train_and_compare_unfreezing,
        {
            "train_and_compare_frozen": "the bias of layer 2 (Dense) is frozen "
            "(trainable=False) and should not change"
        },
        id="train_and_compare-unfreezes-layers",
    ),
    pytest.param(
        "fit_line",
        variants.fit_line_always_with_bias,
        {
            "fit_line_origin": "fit_line(x, y, use_bias=False): expected a Dense "
            "layer without a bias"
        },
        id="fit_line-always-adds-bias",
    ),
    pytest.param(
        "fit_line",
        variants.fit_line_never_trained,
        {
            "fit_line_intercept": "fit_line(x, y): intercept (the Dense bias): "
            "expected about 1.70 (within 0.15), got 0.00",
            "fit_line_origin": "fit_line(x, y, use_bias=False): slope (the Dense "
            "kernel): expected about",
        },
        id="fit_line-never-trains",
    ),
    pytest.param(
        "fit_line",
        variants.fit_line_never_with_bias,
        {
            "fit_line_intercept": "fit_line(x, y): Dense bias: expected shape (1,), "
            "got no array (None)"
        },
        id="fit_line-never-adds-bias",
    ),
]


@pytest.mark.parametrize(("function", "answer", "expected"), MISTAKES)
def test_mistake_costs_exactly_its_grade_cells(
    function: str, answer: Callable[..., Any], expected: dict[str, str]
) -> None:
    failures = failures_of(with_answer(function, answer), function)

    assert set(failures) == set(expected), f"failed: {failures}"
    for grade_id, fragment in expected.items():
        assert fragment in failures[grade_id], f"{grade_id}: {failures[grade_id]}"


@pytest.mark.parametrize("function", sorted(variants.REFERENCE))
def test_unfinished_function_fails_all_its_checks(function: str) -> None:
    failures = failures_of(with_answer(function, variants.not_implemented), function)

    assert set(failures) == grade_ids_of(function)
    for message in failures.values():
        assert message.startswith(f"{function} raised NotImplementedError: "), message


def test_missing_function_fails_its_checks() -> None:
    namespace = variants.reference_namespace()
    del namespace["count_bias_parameters"]

    failures = failures_of(namespace, "count_bias_parameters")

    assert failures == {
        "count_bias_parameters_total": "count_bias_parameters is not defined "
        "in the notebook"
    }


def test_run_check_passes_a_correct_notebook_silently() -> None:
    assert run_check("get_biases_order", variants.reference_namespace()) is None


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            variants.count_bias_parameters_with_count_params,
            "count_bias_parameters(a model [Input(shape=(6,)), Dense(5), "
            "Dense(3, use_bias=False), Dense(2)]): expected 7, got 58",
            id="wrong-answer",
        ),
        pytest.param(
            variants.not_implemented,
            "count_bias_parameters raised NotImplementedError: replace this line "
            "with your answer",
            id="student-raised",
        ),
    ],
)
def test_run_check_shows_only_the_learner_message(
    answer: Callable[..., Any], message: str
) -> None:
    namespace = with_answer("count_bias_parameters", answer)

    with pytest.raises(AssertionError) as raised:
        run_check("count_bias_parameters_total", namespace)

    assert type(raised.value) is AssertionError
    assert str(raised.value) == message
    assert raised.value.__suppress_context__ and raised.value.__cause__ is None
    frames = [entry.path for entry in raised.traceback]
    assert not [path for path in frames if path.parent.name == "checks"], frames


def test_run_check_names_the_known_grade_cells_for_an_unknown_one() -> None:
    with pytest.raises(KeyError, match="no hidden check for grade cell 'bias_sizes'"):
        run_check("bias_sizes", variants.reference_namespace())


# --- the NumPy replay of fit that train_and_compare checks rely on -----------


def test_replay_of_one_step_matches_the_hand_computation() -> None:
    # Reference weights: kernel [[0.05]], bias [0.10]. Prediction 0.05 * 2 + 0.1
    # = 0.2; d(loss)/d(prediction) = 2 * (0.2 - 1) = -1.6; the kernel gradient is
    # 2 * -1.6 = -3.2. With learning rate 0.1: kernel 0.37, bias 0.26.
    line = specs.Model((1,), (specs.Dense(1),), compile_with=0.1)
    x, y = np.array([[2.0]]), np.array([[1.0]])

    [[kernel, bias]] = trained_layer_weights(line, x, y, epochs=1)

    assert np.allclose(kernel, [[0.37]]) and np.allclose(bias, [0.26]), (kernel, bias)


@pytest.mark.parametrize(
    ("model", "outputs"),
    [
        pytest.param(train_checks.PLAIN, 1, id="no-bias-in-the-middle"),
        pytest.param(train_checks.WITH_FROZEN, 2, id="frozen-middle-layer"),
    ],
)
def test_replay_agrees_with_keras_fit(model: specs.Model, outputs: int) -> None:
    x, y = train_checks.training_data(outputs)
    keras_model = build_model(model)

    keras_model.fit(x, y, epochs=train_checks.EPOCHS, verbose=0)

    replayed = trained_layer_weights(model, x, y, train_checks.EPOCHS)
    expected = [array for weights in replayed for array in weights]
    fitted = keras_model.get_weights()
    assert [array.shape for array in fitted] == [array.shape for array in expected]
    for index, (actual, wanted) in enumerate(zip(fitted, expected, strict=True)):
        assert np.allclose(actual, wanted, atol=1e-6, rtol=0), (index, actual, wanted)
    moved = np.abs(fitted[-1] - specs.reference_weights(model)[-1]).max()
    assert moved > 1e-2, f"the output bias barely moved ({moved}); the test is weak"


@pytest.mark.parametrize(
    ("model", "samples", "message"),
    [
        pytest.param(
            specs.Model((3,), (specs.Dense(1),), compile_with=0.1),
            33,
            "at most 32 samples (one batch per epoch); received 33 and 33",
            id="more-than-one-batch",
        ),
        pytest.param(
            specs.Model((3,), (specs.Dense(1, activation="relu"),), compile_with=0.1),
            8,
            "linear Dense layers only; received activation='relu'",
            id="relu",
        ),
        pytest.param(
            specs.Model((3,), (specs.Dense(1),)),
            8,
            "received compile_with=None",
            id="not-compiled",
        ),
    ],
)
def test_replay_refuses_what_it_cannot_compute_exactly(
    model: specs.Model, samples: int, message: str
) -> None:
    x, y = np.zeros((samples, 3)), np.zeros((samples, 1))

    with pytest.raises((ValueError, NotImplementedError), match=re.escape(message)):
        trained_layer_weights(model, x, y, epochs=1)
