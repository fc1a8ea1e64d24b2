"""One call of a student function, as a request and a reply of plain data.

The same code serves the sandboxed student process and, under nbgrader's own
autograde, the student's kernel: a check gets the same reply either way.
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder import building, specs, values

DEFAULT_SEED = 1234


def encode_request(
    function: str, args: tuple[Any, ...], kwargs: dict[str, Any], seed: int
) -> tuple[dict[str, Any], list[bytes]]:
    """Returns the JSON request and array blobs for one call."""
    blobs: list[bytes] = []

    def encode_argument(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            buffer = io.BytesIO()
            np.save(buffer, value, allow_pickle=False)
            blobs.append(buffer.getvalue())
            return {"spec": "array", "blob": len(blobs) - 1}
        if isinstance(value, tuple):
            return {"spec": "tuple", "items": [encode_argument(item) for item in value]}
        return specs.to_json(value)

    request = {
        "function": function,
        "args": [encode_argument(value) for value in args],
        "kwargs": {key: encode_argument(value) for key, value in kwargs.items()},
        "seed": seed,
    }
    return request, blobs


def _decode_argument(data: Any, blobs: list[bytes]) -> Any:
    if isinstance(data, dict) and data.get("spec") == "array":
        return np.load(io.BytesIO(blobs[data["blob"]]), allow_pickle=False)
    if isinstance(data, dict) and data.get("spec") == "tuple":
        return tuple(_decode_argument(item, blobs) for item in data["items"])
    return building.build_argument(specs.from_json(data))


def perform(
    namespace: dict[str, Any],
    request: dict[str, Any],
    blobs: list[bytes],
    after_call: Callable[[], None] = lambda: None,
) -> tuple[dict[str, Any], list[bytes]]:
    """Calls the requested function from `namespace`; returns the reply.

    `after_call` runs as soon as the student function returns or raises, before
    anything is encoded: the sandbox uses it to undo patches the call made.
    """
    name = request["function"]
    function = namespace.get(name)
    if function is None:
        return _error("missing", f"{name} is not defined in the notebook"), []
    if not callable(function):
        kind = type(function).__name__
        return _error("missing", f"{name} is a {kind}, not a function"), []

    seed_everything(request["seed"])
    args = [_decode_argument(value, blobs) for value in request["args"]]
    kwargs = {key: _decode_argument(v, blobs) for key, v in request["kwargs"].items()}
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - any student error is reported
        after_call()
        return raised(error), []
    after_call()

    reply_blobs: list[bytes] = []
    reply = {"ok": True, "value": _encode_into(result, reply_blobs)}
    models = [value for value in (*args, *kwargs.values()) if _is_model(value)]
    reply["arguments_after"] = [_encode_into(model, reply_blobs) for model in models]
    if models:
        for model in models:
            building.perturb_weights(model)
        reply["value_after_perturbing"] = _encode_into(result, reply_blobs)
        reply["arguments_perturbed"] = [
            _encode_into(model, reply_blobs) for model in models
        ]
    return reply, reply_blobs


def _encode_into(value: Any, blobs: list[bytes]) -> Any:
    """Encodes `value`, appending its arrays to `blobs` and renumbering them."""
    tree, own = values.encode(value)
    offset = len(blobs)
    blobs.extend(own)
    return _shift_blobs(tree, offset)


def _shift_blobs(tree: Any, offset: int) -> Any:
    if isinstance(tree, dict):
        shifted = {key: _shift_blobs(item, offset) for key, item in tree.items()}
        if tree.get("type") == "array":
            shifted["blob"] = tree["blob"] + offset
        return shifted
    if isinstance(tree, list):
        return [_shift_blobs(item, offset) for item in tree]
    return tree


def _is_model(value: Any) -> bool:
    import keras

    return isinstance(value, keras.Model)


def seed_everything(seed: int) -> None:
    """Seeds Python, NumPy and Keras, so a call gives the same result every run."""
    import keras

    keras.utils.set_random_seed(seed)


def interrupted(function: str) -> dict[str, Any]:
    """Returns the reply for a call stopped by the per-call time limit."""
    return _error(
        "limit", f"{function} was stopped: it ran past the per-call time limit"
    )


def _error(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, "message": message, **extra}}


def raised(error: BaseException) -> dict[str, Any]:
    """Returns the reply for a student function that raised `error`."""
    frames = traceback.extract_tb(error.__traceback__)
    student_frames = [frame for frame in frames if frame.filename.startswith("<cell")]
    lines = traceback.format_list(student_frames[-5:])
    try:
        message = str(error)[:2000]
    except Exception:  # noqa: BLE001 - a rigged __str__ must not break the reply
        message = "(the exception's message could not be shown)"
    return _error(
        "raised",
        message,
        exception=type(error).__name__,
        traceback="".join(lines)[-4000:],
    )
