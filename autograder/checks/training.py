"""The weights a reference model holds after `model.fit`, replayed with NumPy.

A check that only asks whether the biases moved passes for a function that
nudges them by hand and never trains. The grader therefore replays the training
the learner was asked to run and compares the numbers.

The replay is exact, not an estimate, because the checks keep to cases where
`fit` is plain gradient descent:

* no more than `FIT_BATCH_SIZE` samples, so with fit's default batch_size every
  epoch is one step on the whole batch, and the mean over that batch does not
  depend on the order that shuffling gives;
* Dense layers with linear activations, so the forward pass is `x @ kernel +
  bias` and its gradient is two matrix products;
* the compile settings of `specs.Model.compile_with`: SGD without momentum,
  which updates every trainable variable as `w -= learning_rate * gradient`,
  and "mean_squared_error", which Keras reduces with "sum_over_batch_size":
  the squared error is averaged over the outputs of a sample, then over the
  batch, so the loss is the mean over all `samples * outputs` entries.

A frozen layer (trainable=False) keeps its kernel and bias, yet the gradient
still flows through it to the layers before, as it does in Keras.
"""

from __future__ import annotations

import numpy as np

from autograder import specs
from autograder.checks.expected import reference_layer_weights

# The batch_size that keras.Model.fit uses when none is given.
FIT_BATCH_SIZE = 32
LINEAR = (None, "linear")


def trained_layer_weights(
    model: specs.Model, x: np.ndarray, y: np.ndarray, epochs: int
) -> list[list[np.ndarray]]:
    """Returns the weights of `model`, one list per layer, after fitting on (x, y).

    They are what `model.fit(x, y, epochs=epochs)` leaves in the reference model
    built from `model` (see the module docstring for the cases this covers).
    """
    learning_rate = _check_replayable(model, x, y)
    layers = [
        [array.astype("float64") for array in weights]
        for weights in reference_layer_weights(model)
    ]
    inputs, targets = np.asarray(x, "float64"), np.asarray(y, "float64")

    for _ in range(epochs):
        gradients = _gradients(layers, inputs, targets)
        for weights, layer_gradients, layer in zip(
            layers, gradients, model.layers, strict=True
        ):
            if layer.trainable:
                for array, gradient in zip(weights, layer_gradients, strict=True):
                    array -= learning_rate * gradient
    return layers


def _gradients(
    layers: list[list[np.ndarray]], inputs: np.ndarray, targets: np.ndarray
) -> list[list[np.ndarray]]:
    """Returns d(loss)/d(weight) for every kernel and bias, in layer order."""
    activations = [inputs]
    for weights in layers:
        output = activations[-1] @ weights[0]
        if len(weights) == 2:
            output = output + weights[1]
        activations.append(output)

    # The loss is the mean of (prediction - target)**2 over all its entries.
    upstream = 2.0 * (activations[-1] - targets) / targets.size
    gradients: list[list[np.ndarray]] = []
    for weights, layer_input in zip(
        reversed(layers), reversed(activations[:-1]), strict=True
    ):
        layer_gradients = [layer_input.T @ upstream]
        if len(weights) == 2:
            layer_gradients.append(upstream.sum(axis=0))
        gradients.insert(0, layer_gradients)
        upstream = upstream @ weights[0].T
    return gradients


def _check_replayable(model: specs.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Returns the learning rate, or raises if `fit` would not be plain SGD steps."""
    if model.compile_with is None:
        raise ValueError(
            "trained_layer_weights needs a compiled reference model; "
            "received compile_with=None, give it a learning rate"
        )
    if len(x) > FIT_BATCH_SIZE or len(x) != len(y):
        raise ValueError(
            f"trained_layer_weights needs x and y of the same length, at most "
            f"{FIT_BATCH_SIZE} samples (one batch per epoch); "
            f"received {len(x)} and {len(y)}"
        )
    for layer in model.layers:
        if layer.class_name != "Dense":
            raise NotImplementedError(
                f"trained_layer_weights replays Dense layers only; "
                f"received {layer.class_name}"
            )
        if layer.kwargs.get("activation") not in LINEAR:
            raise NotImplementedError(
                f"trained_layer_weights replays linear Dense layers only; "
                f"received activation={layer.kwargs['activation']!r}"
            )
    return float(model.compile_with)
