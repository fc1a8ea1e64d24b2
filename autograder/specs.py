"""Arguments that the hidden checks pass to student functions.

A check runs in the grader's process, but the student function runs in a
sandboxed process of its own. Anything richer than numbers and arrays (a Keras
model to read biases from, an initializer instance) is therefore described by a
small spec here and built inside the student's process. The specs import NumPy
only, so the grader never needs TensorFlow to describe an argument.

Reference models get deterministic weights from `reference_weights`, a formula
both sides evaluate, so a check knows a model's initial values without asking
the student's process for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Only these Keras classes may be named by a spec; the student side looks the
# name up in keras.layers or keras.initializers and nowhere else.
LAYER_CLASSES = ("Dense", "Conv2D", "Flatten", "BatchNormalization")
INITIALIZER_CLASSES = (
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
)


@dataclass(frozen=True)
class Layer:
    """One Keras layer: its class name and keyword arguments."""

    class_name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    trainable: bool = True


def Dense(units: int, **kwargs: Any) -> Layer:  # noqa: N802 - reads like Keras
    return Layer("Dense", {"units": units, **kwargs})


def Conv2D(filters: int, kernel_size: int, **kwargs: Any) -> Layer:  # noqa: N802
    return Layer("Conv2D", {"filters": filters, "kernel_size": kernel_size, **kwargs})


def Flatten() -> Layer:  # noqa: N802
    return Layer("Flatten")


def frozen(layer: Layer) -> Layer:
    """Returns the same layer with `trainable=False`."""
    return Layer(layer.class_name, dict(layer.kwargs), trainable=False)


@dataclass(frozen=True)
class Model:
    """A `keras.Sequential` built from `layers` on an input of `input_shape`.

    With `compile_with`, the model is compiled with SGD at that learning rate and
    mean squared error, after the frozen layers are set, as Keras requires.
    """

    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    compile_with: float | None = None


@dataclass(frozen=True)
class Initializer:
    """A Keras initializer, passed as an instance (`form="instance"`) or a class."""

    class_name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    form: str = "instance"


def reference_weights(model: Model) -> list[np.ndarray]:
    """Returns the deterministic weights a reference model starts with.

    Values are small, distinct and never zero, so a check can tell a bias from
    a kernel, one layer from the next, and a copy from a fresh initialization.
    """
    weights = []
    for shape in weight_shapes(model):
        size = int(np.prod(shape))
        start = 0.05 * (len(weights) + 1)
        values = start + 0.01 * (np.arange(size) % 13) - 0.03 * (np.arange(size) % 5)
        weights.append(values.reshape(shape).astype("float32"))
    return weights


def weight_shapes(model: Model) -> list[tuple[int, ...]]:
    """Returns the shapes of `model.get_weights()` for a reference model."""
    shapes: list[tuple[int, ...]] = []
    current = tuple(model.input_shape)
    for layer in model.layers:
        kwargs = layer.kwargs
        if layer.class_name == "Dense":
            shapes.append((current[-1], kwargs["units"]))
            if kwargs.get("use_bias", True):
                shapes.append((kwargs["units"],))
            current = (*current[:-1], kwargs["units"])
        elif layer.class_name == "Conv2D":
            size = kwargs["kernel_size"]
            shapes.append((size, size, current[-1], kwargs["filters"]))
            if kwargs.get("use_bias", True):
                shapes.append((kwargs["filters"],))
            current = (current[0] - size + 1, current[1] - size + 1, kwargs["filters"])
        elif layer.class_name == "Flatten":
            current = (int(np.prod(current)),)
        else:
            raise ValueError(
                f"reference models support Dense, Conv2D and Flatten layers; "
                f"received {layer.class_name!r}"
            )
    return shapes


def bias_layer_indices(model: Model) -> list[int]:
    """Returns the positions of the layers of `model` that hold a bias."""
    return [
        index
        for index, layer in enumerate(model.layers)
        if layer.class_name in ("Dense", "Conv2D")
        and layer.kwargs.get("use_bias", True)
    ]


def to_json(value: Any) -> Any:
    """Returns a JSON-ready form of a spec, leaving other values as they are."""
    if isinstance(value, Model):
        return {
            "spec": "model",
            "input_shape": list(value.input_shape),
            "layers": [to_json(layer) for layer in value.layers],
            "compile_with": value.compile_with,
        }
    if isinstance(value, Layer):
        return {
            "spec": "layer",
            "class_name": value.class_name,
            "kwargs": {key: to_json(item) for key, item in value.kwargs.items()},
            "trainable": value.trainable,
        }
    if isinstance(value, Initializer):
        return {
            "spec": "initializer",
            "class_name": value.class_name,
            "kwargs": value.kwargs,
            "form": value.form,
        }
    return value


def from_json(data: Any) -> Any:
    """Returns the spec that `to_json` described."""
    if not isinstance(data, dict) or "spec" not in data:
        return data
    kind = data["spec"]
    if kind == "model":
        return Model(
            tuple(data["input_shape"]),
            tuple(from_json(layer) for layer in data["layers"]),
            data["compile_with"],
        )
    if kind == "layer":
        if data["class_name"] not in LAYER_CLASSES:
            raise ValueError(f"unknown layer class {data['class_name']!r}")
        kwargs = {key: from_json(item) for key, item in data["kwargs"].items()}
        return Layer(data["class_name"], kwargs, data["trainable"])
    if kind == "initializer":
        if data["class_name"] not in INITIALIZER_CLASSES:
            raise ValueError(f"unknown initializer class {data['class_name']!r}")
        return Initializer(data["class_name"], data["kwargs"], data["form"])
    raise ValueError(f"unknown spec kind {kind!r}")
