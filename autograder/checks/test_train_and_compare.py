"""Hidden checks of train_and_compare(model, x, y, epochs) -> (before, after).

`before` must match the biases the model started with, which the grader knows
from `specs.reference_weights`. `after`, and the weights the model ends with,
must match `epochs` epochs of `model.fit`, which the grader replays with NumPy
(`training.trained_layer_weights`): biases that merely changed could have been
changed by hand. Eight samples keep each epoch one full-batch step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import specs, values
from autograder.checking import describe, expect_arrays, expect_close, fail, grade
from autograder.checks.expected import bias_layer_names, reference_biases
from autograder.checks.training import trained_layer_weights

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
FIT_CALL = "model.fit(x, y, epochs=epochs, verbose=0)"


def training_data(outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns the eight samples (x, y) the checks train on."""
    generator = np.random.default_rng(31)
    x = generator.normal(size=(8, 3)).astype("float32")
    y = generator.normal(size=(8, outputs)).astype("float32")
    return x, y


class Training:
    """One call of train_and_compare and what fit should have made of it."""

    def __init__(self, student: Any, model: specs.Model, outputs: int) -> None:
        x, y = training_data(outputs)
        self.what = f"train_and_compare(model, x, y, epochs={EPOCHS})"
        self.model = model
        self.names = bias_layer_names(model)
        self.expected = trained_layer_weights(model, x, y, EPOCHS)
        call = student.watch("train_and_compare", model, x, y, epochs=EPOCHS)
        if not isinstance(call.value, list | tuple) or len(call.value) != 2:
            fail(
                f"{self.what}: expected a pair (before, after), "
                f"got {describe(call.value)}"
            )
        self.trained = _same_layers(self.what, model, call.arguments_after[0])
        self.before, self.after = self._snapshots(call.value)

    def _snapshots(self, value: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Returns (before, after); fails unless `before` holds the starting biases."""
        initial, final = reference_biases(self.model), self.trained.biases()
        before = expect_arrays(f"{self.what}: before", value[0], len(initial))
        after = expect_arrays(f"{self.what}: after", value[1], len(initial))
        for name, early, start, end in zip(
            self.names, before, initial, final, strict=True
        ):
            if (
                not _close(start, end)
                and _close(early, end)
                and not _close(early, start)
            ):
                fail(
                    f"{self.what}: before, the bias of {name}, holds the values "
                    "after training; copy the biases (for example with .numpy()) "
                    "before calling fit"
                )
            expect_close(f"{self.what}: before, the bias of {name}", early, start)
        return before, after

    def expect_fitted(self) -> None:
        """Fails unless `after` and the model hold the weights fit gives them."""
        expected_biases = [weights[1] for weights in self.expected if len(weights) > 1]
        positions = specs.bias_layer_indices(self.model)
        for position, name, early, late, bias in zip(
            positions, self.names, self.before, self.after, expected_biases, strict=True
        ):
            if self.model.layers[position].trainable and _close(early, late):
                fail(
                    f"{self.what}: the bias of {name} is trainable but did not "
                    f"change; train the model with fit for {EPOCHS} epochs"
                )
            if not _trained_close(late, bias):
                fail(
                    f"{self.what}: after, the bias of {name}, does not match "
                    f"{EPOCHS} epochs of training with model.fit: expected "
                    f"{_rounded(bias)}, got {_rounded(late)}; did you call "
                    f"{FIT_CALL}?"
                )
        self._expect_model_fitted()

    def _expect_model_fitted(self) -> None:
        for index, (layer, expected) in enumerate(
            zip(self.trained.layers, self.expected, strict=True)
        ):
            if len(layer.weights) != len(expected):
                fail(
                    f"{self.what}: layer {index + 1} ({layer.class_name}) of the "
                    f"model passed in should keep {len(expected)} weight arrays, "
                    f"but ended with {len(layer.weights)}"
                )
            for kind, actual, wanted in zip(
                ("kernel", "bias"), layer.weights, expected, strict=False
            ):
                if not _trained_close(actual, wanted):
                    fail(
                        f"{self.what}: the model passed in does not hold the "
                        f"weights of {EPOCHS} epochs of model.fit: the {kind} of "
                        f"layer {index + 1} ({layer.class_name}) should be "
                        f"{_rounded(wanted)}, got {_rounded(actual)}; train the "
                        f"model you were given with {FIT_CALL}"
                    )


def _same_layers(
    what: str, model: specs.Model, trained: values.ModelReport
) -> values.ModelReport:
    """Returns `trained` if it kept the layers and biases of the model passed in."""
    layer_classes = [layer.class_name for layer in model.layers]
    if [layer.class_name for layer in trained.layers] != layer_classes:
        fail(
            f"{what}: the model passed in should keep its layers "
            f"({', '.join(layer_classes)}); train it, do not rebuild it"
        )
    count, found = len(reference_biases(model)), len(trained.biases())
    if found != count:
        fail(
            f"{what}: the model passed in should keep its {count} biases, "
            f"but ended with {found}"
        )
    return trained


def _close(array: np.ndarray, other: np.ndarray) -> bool:
    return array.shape == other.shape and np.allclose(
        array, other, atol=1e-5, rtol=1e-4
    )


def _trained_close(array: np.ndarray | None, expected: np.ndarray) -> bool:
    """Tells whether float32 training in Keras gave `expected`, computed in float64.

    The two differ by about 1e-8 here; one epoch more or less moves a bias by
    more than 1e-3.
    """
    return (
        array is not None
        and array.shape == expected.shape
        and np.allclose(array, expected, atol=1e-4, rtol=0)
    )


def _rounded(array: np.ndarray | None) -> list[float] | None:
    if array is None:
        return None
    return np.round(array.astype("float64"), 4).tolist()


@grade("train_and_compare_snapshots", "train_and_compare: biases before and after fit")
def test_before_and_after_snapshots_of_trained_biases(student: Any) -> None:
    Training(student, PLAIN, outputs=1).expect_fitted()


@grade("train_and_compare_frozen", "train_and_compare: a frozen layer keeps its bias")
def test_frozen_layer_bias_survives_training(student: Any) -> None:
    training = Training(student, WITH_FROZEN, outputs=2)
    positions = specs.bias_layer_indices(WITH_FROZEN)

    for position, name, early, late in zip(
        positions, training.names, training.before, training.after, strict=True
    ):
        if WITH_FROZEN.layers[position].trainable:
            continue
        if not _close(early, late):
            fail(
                f"{training.what}: the bias of {name} is frozen (trainable=False) "
                f"and should not change, but went from {_rounded(early)} to "
                f"{_rounded(late)}"
            )
        if training.trained.layers[position].trainable:
            fail(
                f"{training.what}: {name} should stay frozen (trainable=False) "
                "after the call"
            )
    training.expect_fitted()
