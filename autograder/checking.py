"""The vocabulary of the hidden checks: grade cells, failures, expectations.

A check is a pytest test that takes a `student` fixture and scores exactly one
nbgrader grade cell, named by its `grade_id`; the cell's points come from the
source notebook, so points are written in one place only. A check fails by
raising `CheckFailed` with a sentence for the learner ("hidden layer bias:
expected shape (7,), got (4,)"); plain `assert` is not used because pytest
would print the check's source, which students must never see.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from autograder import values

CheckFunction = Callable[[Any], None]
CHECKS: dict[str, CheckFunction] = {}


class CheckFailed(AssertionError):
    """A student answer is wrong; the message is shown to the student."""


def grade(grade_id: str, description: str) -> Callable[[CheckFunction], Any]:
    """Returns a decorator that makes a function the check for `grade_id`.

    `description` completes the test name shown to students, after the name of
    the student function: "build_model: hidden bias follows hidden_units".
    """

    def decorate(function: CheckFunction) -> Any:
        if grade_id in CHECKS and CHECKS[grade_id] is not function:
            raise ValueError(f"two checks claim the grade cell {grade_id!r}")
        CHECKS[grade_id] = function
        function.grade_id = grade_id  # type: ignore[attr-defined]
        function.description = description  # type: ignore[attr-defined]
        return pytest.mark.grade(grade_id=grade_id, description=description)(function)

    return decorate


def load_checks() -> dict[str, CheckFunction]:
    """Imports every check module; returns the checks by grade_id."""
    import autograder.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return CHECKS


def fail(message: str) -> None:
    raise CheckFailed(message)


def describe(value: Any) -> str:
    """Returns a short learner-facing description of a returned value."""
    if isinstance(value, values.FromTensor):
        return f"a tensor of type {value.type_name} with shape {value.shape}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, values.ModelReport):
        return f"a {value.class_name} model"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None"
    return f"{value!r}" if isinstance(value, int | float) else repr(value)


def expect_model(what: str, value: Any) -> values.ModelReport:
    """Returns `value` if it is a Keras model, else fails."""
    if not isinstance(value, values.ModelReport):
        fail(f"{what}: expected a keras.Sequential model, got {describe(value)}")
    return value


def expect_arrays(what: str, value: Any, count: int) -> list[np.ndarray]:
    """Returns `value` if it is a list or tuple of `count` NumPy arrays."""
    if not isinstance(value, list | tuple):
        fail(f"{what}: expected a list of {count} arrays, got {describe(value)}")
    if len(value) != count:
        fail(f"{what}: expected {count} arrays, got {len(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, np.ndarray):
            fail(f"{what}: item {index} should be a NumPy array, got {describe(item)}")
    return list(value)


def expect_shape(what: str, array: np.ndarray | None, shape: Sequence[int]) -> None:
    expected = tuple(shape)
    if array is None:
        fail(f"{what}: expected shape {expected}, got no array (None)")
    if array.shape != expected:
        fail(f"{what}: expected shape {expected}, got {array.shape}")


def expect_close(
    what: str, actual: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4
) -> None:
    """Fails unless `actual` matches `expected` within float32 tolerances."""
    expected_array = np.asarray(expected, dtype="float64")
    if actual is None:
        fail(f"{what}: expected {_show(expected_array)}, got None")
    actual_array = np.asarray(actual, dtype="float64")
    if actual_array.shape != expected_array.shape:
        fail(f"{what}: expected shape {expected_array.shape}, got {actual_array.shape}")
    if not np.allclose(actual_array, expected_array, atol=atol, rtol=rtol):
        fail(f"{what}: expected {_show(expected_array)}, got {_show(actual_array)}")


def expect_equal(what: str, actual: Any, expected: Any) -> None:
    if type(actual) is not type(expected) or actual != expected:
        fail(f"{what}: expected {expected!r}, got {describe(actual)}")


def _show(array: np.ndarray) -> str:
    return np.array2string(array, precision=4, threshold=8, separator=", ")
