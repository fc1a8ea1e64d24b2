"""Hidden checks of build_model(input_dim, hidden_units, output_units, ...).

The arguments differ from the notebook's example (1, 4, 2), so a model written
for the visible example only does not pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import specs, values
from autograder.checking import expect_close, expect_equal, expect_shape, fail, grade
from autograder.checks.expected import (
    expect_built_model,
    expect_no_bias,
    initializer_name,
    show_call,
)

INPUT_HINT = "keras.Input(shape=(input_dim,))"


def _call(student: Any, **arguments: Any) -> tuple[str, values.ModelReport]:
    """Returns the call's wording and the model it gave back, once it is built."""
    what = show_call("build_model", **arguments)
    model = student.call("build_model", **arguments)
    return what, expect_built_model(what, model, ("Dense", "Dense"), INPUT_HINT)


@grade("build_model_shapes", "build_model: kernel and bias shapes follow the arguments")
def test_dense_pair_shapes_follow_arguments(student: Any) -> None:
    for input_dim, hidden_units, output_units in ((3, 7, 5), (6, 2, 3)):
        what, model = _call(
            student,
            input_dim=input_dim,
            hidden_units=hidden_units,
            output_units=output_units,
        )
        hidden, output = model.layers

        expect_shape(
            f"{what}: hidden layer kernel", hidden.kernel, (input_dim, hidden_units)
        )
        expect_shape(f"{what}: hidden layer bias", hidden.bias, (hidden_units,))
        expect_shape(
            f"{what}: output layer kernel", output.kernel, (hidden_units, output_units)
        )
        expect_shape(f"{what}: output layer bias", output.bias, (output_units,))

        expect_equal(
            f"{what}: hidden layer activation", hidden.config.get("activation"), "relu"
        )
        expect_equal(
            f"{what}: output layer activation",
            output.config.get("activation"),
            "softmax",
        )


@grade("build_model_use_bias", "build_model: use_bias switches the hidden layer's bias")
def test_hidden_bias_switched_off_and_on(student: Any) -> None:
    what, model = _call(
        student, input_dim=5, hidden_units=6, output_units=3, use_bias=False
    )
    hidden, output = model.layers
    expect_no_bias(f"{what}: hidden layer", hidden)
    expect_shape(
        f"{what}: output layer bias (the output layer keeps its bias)",
        output.bias,
        (3,),
    )
    count = len(model.get_weights())
    if count != 3:
        fail(f"{what}: expected 3 arrays from model.get_weights(), got {count}")

    what, model = _call(
        student, input_dim=5, hidden_units=6, output_units=3, use_bias=True
    )
    expect_shape(f"{what}: hidden layer bias", model.layers[0].bias, (6,))
    count = len(model.get_weights())
    if count != 4:
        fail(f"{what}: expected 4 arrays from model.get_weights(), got {count}")


@grade("build_model_initializer", "build_model: bias_initializer sets the hidden bias")
def test_hidden_bias_starts_from_given_initializer(student: Any) -> None:
    cases = (
        ("ones", "Ones", 1.0),
        (specs.Initializer("Constant", {"value": 0.3}), "Constant", 0.3),
    )
    for bias_initializer, class_name, fill in cases:
        what, model = _call(
            student,
            input_dim=2,
            hidden_units=7,
            output_units=3,
            bias_initializer=bias_initializer,
        )
        hidden, output = model.layers

        expect_close(f"{what}: hidden layer bias", hidden.bias, np.full(7, fill))
        expect_close(
            f"{what}: output layer bias (it keeps the default zeros)",
            output.bias,
            np.zeros(3),
        )
        expect_equal(
            f"{what}: class of the hidden layer's bias_initializer",
            initializer_name(hidden),
            class_name,
        )
