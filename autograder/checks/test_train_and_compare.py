"""Hidden checks of train_and_compare(model, x, y, epochs) -> (before, after).

`before` must match the biases the model started with, which the grader knows
from `specs.reference_weights`; `after` must match the biases the model holds
once the call is over, as the student's process reported them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import specs, values
from autograder.checking import describe, expect_arrays, expect_close, fail, grade
from autograder.checks.expected import bias_layer_names, reference_biases

EPOCHS = 2
PLAIN = specs.Model(
    (3,),
    (specs.Dense(4), specs.Dense(2, use_bias=False), specs.Dense(1)),
    compile_with=0.1,
)
WITH_FROZEN = specs.Model(
    (3,),
    (specs.Dense(4), specs.frozen(specs.Dense(3)), specs.Dense(2)),
    compile_with=0.1,
)


def _training_data(outputs: int) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(31)
    x = generator.normal(size=(8, 3)).astype("float32")
    y = generator.normal(size=(8, outputs)).astype("float32")
    return x, y


def _train(
    student: Any, model: specs.Model, outputs: int
) -> tuple[str, list[np.ndarray], list[np.ndarray], values.ModelReport]:
    """Returns the call's wording, `before`, `after` and the model after the call.

    Fails unless `before` matches the starting biases and `after` the biases
    the model ended with.
    """
    x, y = _training_data(outputs)
    what = f"train_and_compare(model, x, y, epochs={EPOCHS})"
    call = student.watch("train_and_compare", model, x, y, epochs=EPOCHS)
    if not isinstance(call.value, list | tuple) or len(call.value) != 2:
        fail(f"{what}: expected a pair (before, after), got {describe(call.value)}")

    trained = call.arguments_after[0]
    layer_classes = [layer.class_name for layer in model.layers]
    if [layer.class_name for layer in trained.layers] != layer_classes:
        fail(
            f"{what}: the model passed in should keep its layers "
            f"({', '.join(layer_classes)}); train it, do not rebuild it"
        )
    initial, final = reference_biases(model), trained.biases()
    if len(final) != len(initial):
        fail(
            f"{what}: the model passed in should keep its {len(initial)} biases, "
            f"but ended with {len(final)}"
        )
    before = expect_arrays(f"{what}: before", call.value[0], len(initial))
    after = expect_arrays(f"{what}: after", call.value[1], len(final))
    for name, early, start, end in zip(
        bias_layer_names(model), before, initial, final, strict=True
    ):
        if (
            not np.allclose(start, end)
            and _close(early, end)
            and not _close(early, start)
        ):
            fail(
                f"{what}: before, the bias of {name}, holds the values after "
                "training; copy the biases (for example with .numpy()) before "
                "calling fit"
            )
        expect_close(f"{what}: before, the bias of {name}", early, start)
    for name, late, end in zip(bias_layer_names(model), after, final, strict=True):
        expect_close(f"{what}: after, the bias of {name}", late, end)
    return what, before, after, trained


def _close(array: np.ndarray, other: np.ndarray) -> bool:
    return array.shape == other.shape and np.allclose(
        array, other, atol=1e-5, rtol=1e-4
    )


def _expect_changed(what: str, name: str, early: np.ndarray, late: np.ndarray) -> None:
    if np.allclose(early, late):
        fail(
            f"{what}: the bias of {name} is trainable but did not change; "
            f"train the model with fit for {EPOCHS} epochs"
        )


@grade("train_and_compare_snapshots", "train_and_compare: biases before and after fit")
def test_before_and_after_snapshots_of_trained_biases(student: Any) -> None:
    what, before, after, _ = _train(student, PLAIN, outputs=1)
    for name, early, late in zip(bias_layer_names(PLAIN), before, after, strict=True):
        _expect_changed(what, name, early, late)


@grade("train_and_compare_frozen", "train_and_compare: a frozen layer keeps its bias")
def test_frozen_layer_bias_survives_training(student: Any) -> None:
    what, before, after, trained = _train(student, WITH_FROZEN, outputs=2)
    layer_positions = specs.bias_layer_indices(WITH_FROZEN)
    names = bias_layer_names(WITH_FROZEN)

    for position, name, early, late in zip(
        layer_positions, names, before, after, strict=True
    ):
        if WITH_FROZEN.layers[position].trainable:
            _expect_changed(what, name, early, late)
        elif not np.allclose(early, late):
            fail(
                f"{what}: the bias of {name} is frozen (trainable=False) and "
                f"should not change, but went from {_rounded(early)} to "
                f"{_rounded(late)}"
            )
        elif trained.layers[position].trainable:
            fail(f"{what}: {name} should stay frozen (trainable=False) after the call")


def _rounded(array: np.ndarray) -> list[float]:
    return np.round(array.astype("float64"), 4).tolist()
