"""What the hidden checks expect, derived in the grader from argument specs.

The checks never ask the student's process what a reference model started
with: `specs.reference_weights` gives the same numbers on both sides, so the
expected biases and counts are computed here with NumPy alone. The functions
below also hold the expectations about model structure that several checks
share, so every check words a wrong structure the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder import specs, values
from autograder.checking import describe, expect_model, fail

# --- expected values from specs ---------------------------------------------


def reference_layer_weights(model: specs.Model) -> list[list[np.ndarray]]:
    """Returns the reference weights of `model`, one list per layer."""
    remaining = iter(specs.reference_weights(model))
    grouped = []
    for layer in model.layers:
        count = 0
        if layer.class_name in ("Dense", "Conv2D"):
            count = 2 if layer.kwargs.get("use_bias", True) else 1
        grouped.append([next(remaining) for _ in range(count)])
    return grouped


def reference_biases(model: specs.Model) -> list[np.ndarray]:
    """Returns the starting bias of every layer of `model` that has one."""
    return [
        weights[1] for weights in reference_layer_weights(model) if len(weights) == 2
    ]


def bias_layer_names(model: specs.Model) -> list[str]:
    """Returns learner-facing names ("layer 1 (Dense)") of the layers with a bias."""
    return [
        f"layer {index + 1} ({model.layers[index].class_name})"
        for index in specs.bias_layer_indices(model)
    ]


# --- learner-facing wording -------------------------------------------------

# Layer arguments a learner usually writes without their names.
POSITIONAL = ("units", "filters", "kernel_size")


def show_argument(value: Any) -> str:
    """Returns an argument as a message shows it, close to the learner's Python."""
    if isinstance(value, specs.Initializer):
        name = f"keras.initializers.{value.class_name}"
        if value.form == "class":
            return f"{name} (the class)"
        inside = ", ".join(f"{key}={item!r}" for key, item in value.kwargs.items())
        return f"{name}({inside})"
    if isinstance(value, specs.Model):
        return show_model(value)
    return repr(value)


def show_model(model: specs.Model) -> str:
    """Returns a one-line description of a reference model's layers."""
    parts = [f"Input(shape={tuple(model.input_shape)})"]
    for layer in model.layers:
        arguments = [
            repr(item) if key in POSITIONAL else f"{key}={item!r}"
            for key, item in layer.kwargs.items()
        ]
        if not layer.trainable:
            arguments.append("trainable=False")
        parts.append(f"{layer.class_name}({', '.join(arguments)})")
    return f"a model [{', '.join(parts)}]"


def show_call(function: str, *args: Any, **kwargs: Any) -> str:
    """Returns "build_model(input_dim=3, ...)", the call a message speaks about."""
    shown = [show_argument(value) for value in args]
    shown += [f"{key}={show_argument(value)}" for key, value in kwargs.items()]
    return f"{function}({', '.join(shown)})"


# --- shared expectations ----------------------------------------------------


def expect_built_model(
    what: str, value: Any, class_names: Sequence[str], input_hint: str
) -> values.ModelReport:
    """Returns `value` if it is a built Sequential with layers of `class_names`.

    `input_hint` completes the fix for an unbuilt model, such as
    "keras.Input(shape=(input_dim,))".
    """
    model = expect_model(what, value)
    if model.class_name != "Sequential":
        fail(f"{what}: expected a keras.Sequential model, got a {model.class_name}")
    if not model.built or not model.get_weights():
        fail(
            f"{what}: the model has no weights; give it an input shape "
            f"with {input_hint}"
        )
    found = [layer.class_name for layer in model.layers]
    if found != list(class_names):
        fail(
            f"{what}: expected the layers {', '.join(class_names)}, "
            f"got {', '.join(found) or 'no layers'}"
        )
    return model


def expect_no_bias(what: str, layer: values.LayerReport) -> None:
    """Fails unless `layer` was built with use_bias=False."""
    if layer.bias is not None:
        fail(
            f"{what}: expected no bias (None) with use_bias=False, "
            f"got a bias of shape {layer.bias.shape}; pass use_bias to the layer"
        )
    if len(layer.weights) != 1:
        fail(
            f"{what}: expected 1 array from get_weights() (the kernel only), "
            f"got {len(layer.weights)}"
        )


def expect_array(what: str, value: Any) -> np.ndarray:
    """Returns `value` if it is a NumPy array, not a tensor or variable."""
    if isinstance(value, values.FromTensor):
        fail(
            f"{what}: expected a NumPy array, got {describe(value)}; "
            "convert it with .numpy()"
        )
    if not isinstance(value, np.ndarray):
        fail(f"{what}: expected a NumPy array, got {describe(value)}")
    return value


def expect_integer(what: str, value: Any, expected: int) -> None:
    """Fails unless `value` is a Python or NumPy integer equal to `expected`."""
    is_numpy_integer = (
        isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iu"
    )
    if not is_numpy_integer and (type(value) is not int):
        shown = (
            value.item() if isinstance(value, np.ndarray) and value.size == 1 else value
        )
        fail(f"{what}: expected the integer {expected}, got {describe(shown)}")
    if int(value) != expected:
        fail(f"{what}: expected {expected}, got {int(value)}")


def initializer_name(layer: values.LayerReport) -> str:
    """Returns the class name of the layer's bias_initializer, from its config."""
    config = layer.config.get("bias_initializer")
    if isinstance(config, dict):
        return str(config.get("class_name"))
    return str(config)
