"""The student's functions, as the hidden checks see them.

A check never touches student code directly. It asks a `Student` to call a
function by name; the student's process runs it and answers with plain data,
which is decoded here. `InProcessStudent` serves nbgrader's own autograde,
where the notebook's namespace is at hand; the sandboxed grader has its own
`Student` in `autograder.sandboxed_student`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograder import calling, values


class StudentError(Exception):
    """A student function could not give an answer; the message says why."""


class FunctionMissing(StudentError):
    pass


class FunctionRaised(StudentError):
    pass


class LimitReached(StudentError):
    """A resource limit stopped the student's process; later calls fail too."""


class ProcessEnded(StudentError):
    """The student's process ended or sent back something unreadable."""


@dataclass
class Call:
    """What one call gave back.

    `arguments_after` holds, for every model passed in, the model as it was
    right after the call. `value_after_perturbing` is the return value read
    again after one was added to every weight of those models: a result that
    still matches `value` holds copies, not live variables.
    `arguments_perturbed` shows those models after the change, so a check can
    confirm that the change really happened.
    """

    value: Any
    arguments_after: list[values.ModelReport]
    value_after_perturbing: Any = None
    arguments_perturbed: list[values.ModelReport] | None = None


class Student:
    """Calls student functions by name and decodes what they return."""

    seed: int = calling.DEFAULT_SEED

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Returns what `function(*args, **kwargs)` returned, as plain data."""
        return self.watch(function, *args, **kwargs).value

    def watch(self, function: str, *args: Any, **kwargs: Any) -> Call:
        """Calls `function` and also reports what it did to its model arguments."""
        request, blobs = calling.encode_request(function, args, kwargs, self.seed)
        reply, reply_blobs = self.send(request, blobs)
        return decode_reply(function, reply, reply_blobs)

    def send(
        self, request: dict[str, Any], blobs: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        raise NotImplementedError


class InProcessStudent(Student):
    """A student whose functions live in `namespace`, in this very process."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def send(
        self, request: dict[str, Any], blobs: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        return calling.perform(self.namespace, request, blobs)


def decode_reply(function: str, reply: Any, blobs: list[bytes]) -> Call:
    """Returns the decoded call, or raises the `StudentError` the reply reports."""
    if not isinstance(reply, dict):
        raise ProcessEnded(f"{function}: the student process sent an unreadable reply")
    if reply.get("ok") is not True:
        raise _error_from(function, reply.get("error"))
    try:
        after = _decode_models(reply.get("arguments_after", []), blobs)
        value = values.decode(reply.get("value"), blobs)
        perturbed = reply.get("value_after_perturbing")
        if perturbed is not None:
            perturbed = values.decode(perturbed, blobs)
        models_perturbed = reply.get("arguments_perturbed")
        if models_perturbed is not None:
            models_perturbed = _decode_models(models_perturbed, blobs)
    except values.MalformedValue as error:
        message = f"{function} returned data that cannot be read: {error}"
        raise ProcessEnded(message) from None
    return Call(value, after, perturbed, models_perturbed)


def _decode_models(trees: Any, blobs: list[bytes]) -> list[values.ModelReport]:
    if not isinstance(trees, list):
        raise values.MalformedValue("the models passed in were not reported as a list")
    models = [values.decode(tree, blobs) for tree in trees]
    if not all(isinstance(model, values.ModelReport) for model in models):
        raise values.MalformedValue("a model passed in was reported as something else")
    return models


def _error_from(function: str, error: Any) -> StudentError:
    if not isinstance(error, dict):
        return ProcessEnded(f"{function}: the student process sent no answer")
    kind = error.get("kind")
    message = str(error.get("message", ""))[:2000]
    if kind == "missing":
        return FunctionMissing(message)
    if kind == "raised":
        exception = str(error.get("exception", "Exception"))[:100]
        if exception == "NotImplementedError" and not message:
            return FunctionRaised(
                f"{function} raised NotImplementedError: it is still the stub; "
                "replace `raise NotImplementedError()` with your code"
            )
        detail = f": {message}" if message else ""
        return FunctionRaised(f"{function} raised {exception}{detail}")
    if kind == "limit":
        return LimitReached(message)
    return ProcessEnded(message or f"{function}: the student process stopped")
