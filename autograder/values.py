"""Plain-data transport of what a student function returned.

`encode` runs in the student's process and turns a return value into a JSON
tree plus NumPy arrays serialized with `np.save(allow_pickle=False)`. `decode`
runs in the grader and rebuilds the value from that data alone, checking every
type, dtype, shape and size on the way: nothing from a submission is unpickled,
imported or called in the grader, so a rigged `__eq__` or `__array__` never
reaches a check.

A Keras model travels as a `ModelReport`: its layers in order, each with its
class name, config and the arrays `get_weights()` returned, which is what the
checks need to speak about biases.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_DEPTH = 8
MAX_ITEMS = 10_000
MAX_ARRAY_ELEMENTS = 5_000_000
MAX_STRING = 20_000
NUMERIC_KINDS = "biuf"


class MalformedValue(ValueError):
    """The student's process sent back data that is not a well-formed value."""


@dataclass
class Unsupported:
    """A returned object of a type the checks cannot judge, e.g. a generator."""

    type_name: str

    def __repr__(self) -> str:
        return f"an object of type {self.type_name}"


class FromTensor(np.ndarray):
    """An array that the student's function returned as a tensor or variable.

    It behaves as the array it holds, so checks that only need the numbers
    accept it; `type_name` ("Variable", "EagerTensor", ...) lets a check that
    asks for NumPy arrays say what it received instead.
    """

    type_name: str = "tensor"


@dataclass
class LayerReport:
    """What the student's process reported about one Keras layer."""

    class_name: str
    name: str
    config: dict[str, Any]
    trainable: bool
    weights: list[np.ndarray]
    kernel: np.ndarray | None
    bias: np.ndarray | None


@dataclass
class ModelReport:
    """A Keras model as plain data: layers in order, weights as arrays."""

    class_name: str
    built: bool
    input_shape: tuple[int | None, ...] | None
    layers: list[LayerReport] = field(default_factory=list)

    def get_weights(self) -> list[np.ndarray]:
        """Returns the arrays in the order `model.get_weights()` gives them."""
        return [array for layer in self.layers for array in layer.weights]

    def biases(self) -> list[np.ndarray]:
        """Returns the bias of every layer that has one, in layer order."""
        return [layer.bias for layer in self.layers if layer.bias is not None]


# --- student side -----------------------------------------------------------


def encode(value: Any) -> tuple[Any, list[bytes]]:
    """Returns a JSON tree and the array blobs it refers to by index."""
    blobs: list[bytes] = []
    return _encode(value, blobs, 0), blobs


def _array_blob(
    array: np.ndarray, blobs: list[bytes], source: str | None = None
) -> dict[str, Any]:
    buffer = io.BytesIO()
    np.save(buffer, np.array(array, copy=True), allow_pickle=False)
    blobs.append(buffer.getvalue())
    tree: dict[str, Any] = {"type": "array", "blob": len(blobs) - 1}
    if source is not None:
        tree["source"] = source
    return tree


def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return {"type": "unsupported", "type_name": "a structure nested too deeply"}
    if value is None or type(value) in (bool, int, float, str):
        return {"type": type(value).__name__, "value": value}
    if type(value) in (list, tuple):
        items = [_encode(item, blobs, depth + 1) for item in value[:MAX_ITEMS]]
        return {"type": type(value).__name__, "items": items}
    if isinstance(value, np.ndarray | np.generic):
        return _array_blob(np.asarray(value), blobs)
    if _is_keras_model(value):
        return _encode_model(value, blobs)
    if _is_tensor_like(value):
        return _array_blob(_tensor_to_numpy(value), blobs, type(value).__name__)
    return {"type": "unsupported", "type_name": type(value).__name__}


def _tensor_to_numpy(value: Any) -> np.ndarray:
    # keras.ops.convert_to_numpy goes through the variable's __array__, which
    # lacks NumPy 2's copy keyword and warns; eager values know .numpy().
    if callable(getattr(value, "numpy", None)):
        return np.asarray(value.numpy())
    import keras

    return keras.ops.convert_to_numpy(value)


def _is_keras_model(value: Any) -> bool:
    import keras

    return isinstance(value, keras.Model)


def _is_tensor_like(value: Any) -> bool:
    import keras
    import tensorflow as tf

    return isinstance(value, keras.Variable | tf.Tensor | tf.Variable)


def _encode_model(model: Any, blobs: list[bytes]) -> dict[str, Any]:
    try:
        input_shape = list(model.input_shape) if model.built else None
    except (AttributeError, ValueError):
        input_shape = None
    layers = []
    for layer in model.layers:
        bias = getattr(layer, "bias", None)
        kernel = getattr(layer, "kernel", None)
        layers.append(
            {
                "class_name": type(layer).__name__,
                "name": str(layer.name),
                "config": json.loads(json.dumps(layer.get_config(), default=str)),
                "trainable": bool(layer.trainable),
                "weights": [_array_blob(w, blobs) for w in layer.get_weights()],
                "kernel": None
                if kernel is None
                else _array_blob(kernel.numpy(), blobs),
                "bias": None if bias is None else _array_blob(bias.numpy(), blobs),
            }
        )
    return {
        "type": "model",
        "class_name": type(model).__name__,
        "built": bool(model.built),
        "input_shape": input_shape,
        "layers": layers,
    }


# --- grader side ------------------------------------------------------------


def decode(tree: Any, blobs: list[bytes]) -> Any:
    """Returns the value `encode` described, or raises `MalformedValue`."""
    return _decode(tree, blobs, 0)


def _decode(tree: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH + 2 or not isinstance(tree, dict):
        raise MalformedValue("value nested too deeply or not an object")
    kind = tree.get("type")
    if kind == "NoneType":
        return None
    if kind in ("bool", "int", "float", "str"):
        return _decode_scalar(kind, tree.get("value"))
    if kind in ("list", "tuple"):
        items = tree.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise MalformedValue(f"{kind} without a valid list of items")
        decoded = [_decode(item, blobs, depth + 1) for item in items]
        return decoded if kind == "list" else tuple(decoded)
    if kind == "array":
        return decode_array(tree, blobs)
    if kind == "model":
        return _decode_model(tree, blobs)
    if kind == "unsupported":
        return Unsupported(str(tree.get("type_name", "unknown"))[:200])
    raise MalformedValue(f"unknown value type {kind!r}")


def _decode_scalar(kind: str, value: Any) -> Any:
    expected = {"bool": bool, "int": int, "float": float, "str": str}[kind]
    if type(value) is not expected and not (kind == "float" and type(value) is int):
        raise MalformedValue(f"{kind} value of type {type(value).__name__}")
    if kind == "str" and len(value) > MAX_STRING:
        return value[:MAX_STRING]
    return expected(value)


def decode_array(tree: Any, blobs: list[bytes]) -> np.ndarray:
    """Returns one array, loaded without pickle and checked for dtype and size."""
    index = tree.get("blob") if isinstance(tree, dict) else None
    if type(index) is not int or not 0 <= index < len(blobs):
        raise MalformedValue("array refers to no blob")
    try:
        array = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise MalformedValue(f"array blob is not a .npy array: {error}") from None
    if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS:
        raise MalformedValue(f"array of unsupported dtype {array.dtype}")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise MalformedValue(f"array of {array.size} elements is too large")
    source = tree.get("source")
    if isinstance(source, str):
        array = array.view(FromTensor)
        array.type_name = source[:100]
    return array


def _decode_model(tree: dict[str, Any], blobs: list[bytes]) -> ModelReport:
    layers_data = tree.get("layers")
    if not isinstance(layers_data, list) or len(layers_data) > 1000:
        raise MalformedValue("model without a valid list of layers")
    input_shape = tree.get("input_shape")
    if input_shape is not None:
        if not isinstance(input_shape, list) or not all(
            dim is None or type(dim) is int for dim in input_shape
        ):
            raise MalformedValue("model input shape is not a list of integers")
        input_shape = tuple(input_shape)
    return ModelReport(
        class_name=_string(tree.get("class_name")),
        built=tree.get("built") is True,
        input_shape=input_shape,
        layers=[_decode_layer(layer, blobs) for layer in layers_data],
    )


def _decode_layer(tree: Any, blobs: list[bytes]) -> LayerReport:
    if not isinstance(tree, dict) or not isinstance(tree.get("weights"), list):
        raise MalformedValue("layer without a list of weights")
    config = tree.get("config")
    optional = {
        key: None if tree.get(key) is None else decode_array(tree[key], blobs)
        for key in ("kernel", "bias")
    }
    return LayerReport(
        class_name=_string(tree.get("class_name")),
        name=_string(tree.get("name")),
        config=config if isinstance(config, dict) else {},
        trainable=tree.get("trainable") is True,
        weights=[decode_array(item, blobs) for item in tree["weights"]],
        **optional,
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise MalformedValue("expected a string in a model description")
    return value[:200]
