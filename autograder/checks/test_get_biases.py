"""Hidden checks of get_biases(model).

The models are built in the student's process with known weights, so the
expected biases come from `specs.reference_weights` in the grader.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import specs
from autograder.checking import expect_arrays, expect_close, fail, grade
from autograder.checks.expected import (
    bias_layer_names,
    expect_array,
    reference_biases,
    show_call,
)

# A layer without bias sits between two with one: reading every second array
# of get_weights() picks up the kernel that follows it instead.
DENSE_WITH_GAP = specs.Model(
    (6,), (specs.Dense(5), specs.Dense(3, use_bias=False), specs.Dense(2))
)
CONVOLUTION = specs.Model(
    (6, 6, 2), (specs.Conv2D(3, 3), specs.Flatten(), specs.Dense(4))
)
SMALL_DENSE = specs.Model((4,), (specs.Dense(3), specs.Dense(2)))


@grade("get_biases_order", "get_biases: every bias, in layer order")
def test_biases_listed_in_layer_order_skipping_bias_free_layers(student: Any) -> None:
    for model in (DENSE_WITH_GAP, CONVOLUTION):
        what = show_call("get_biases", model)
        expected = reference_biases(model)
        returned = expect_arrays(what, student.call("get_biases", model), len(expected))

        for position, (name, array, bias) in enumerate(
            zip(bias_layer_names(model), returned, expected, strict=True)
        ):
            expect_close(f"{what}: item {position} (the bias of {name})", array, bias)


@grade("get_biases_copies", "get_biases: returns copies, not the layers' variables")
def test_returned_biases_do_not_follow_later_weight_changes(student: Any) -> None:
    what = show_call("get_biases", SMALL_DENSE)
    call = student.watch("get_biases", SMALL_DENSE)
    returned = expect_arrays(what, call.value, 2)
    reread = expect_arrays(f"{what}, read again", call.value_after_perturbing, 2)

    for position, (array, again) in enumerate(zip(returned, reread, strict=True)):
        if not np.array_equal(array, again):
            fail(
                f"{what}: item {position} changed when the model's weights were "
                "changed after the call; return NumPy copies of the biases, "
                "not the layers' variables"
            )
    for position, (array, bias) in enumerate(
        zip(returned, reference_biases(SMALL_DENSE), strict=True)
    ):
        expect_array(f"{what}: item {position}", array)
        expect_close(f"{what}: item {position}", array, bias)
