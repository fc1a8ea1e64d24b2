"""Hidden checks of initial_bias(initializer, units).

Random initializers are judged by the bounds and spread their documented
formulas give, never by values drawn with one Keras version.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder import specs
from autograder.checking import expect_close, expect_shape, fail, grade
from autograder.checks.expected import expect_array, show_call

# Keras draws he_normal from a normal truncated at two standard deviations and
# widens the standard deviation by 1 / 0.8796 so the truncated spread is
# sqrt(2 / fan_in); for a bias of shape (units,), fan_in is units.
TRUNCATION_WIDENING = 1 / 0.87962566103423978


def _initial_bias(student: Any, initializer: Any, units: int) -> tuple[str, np.ndarray]:
    what = show_call("initial_bias", initializer, units=units)
    value = expect_array(what, student.call("initial_bias", initializer, units=units))
    expect_shape(what, value, (units,))
    return what, value


def _expect_within(what: str, value: np.ndarray, bound: float, name: str) -> None:
    largest = float(np.max(np.abs(value)))
    if largest > bound + 1e-6:
        fail(
            f"{what}: expected every value within ±{bound:.4f}, as {name} gives, "
            f"got a value of {largest:.4f}"
        )


def _expect_not_constant(what: str, value: np.ndarray) -> None:
    if np.ptp(value) == 0:
        fail(
            f"{what}: expected random values, "
            f"got {value.size} copies of {float(value[0])}"
        )


def _expect_spread(what: str, value: np.ndarray, stddev: float, name: str) -> None:
    spread = float(np.std(value))
    if not 0.8 * stddev <= spread <= 1.2 * stddev:
        fail(
            f"{what}: expected a standard deviation near {stddev:.4f}, as {name} "
            f"gives, got {spread:.4f}"
        )


@grade("initial_bias_constant", "initial_bias: constant initializers")
def test_constant_initializers_fill_every_unit(student: Any) -> None:
    cases = (
        ("zeros", 6, 0.0),
        ("ones", 9, 1.0),
        (specs.Initializer("Constant", {"value": -0.25}), 6, -0.25),
        (specs.Initializer("Ones", form="class"), 9, 1.0),
    )
    for initializer, units, fill in cases:
        what, value = _initial_bias(student, initializer, units)
        expect_close(what, value, np.full(units, fill))


@grade("initial_bias_random", "initial_bias: random initializers")
def test_random_initializers_follow_their_formulas(student: Any) -> None:
    what, value = _initial_bias(student, "glorot_uniform", 12)
    _expect_within(what, value, math.sqrt(3 / 12), "glorot_uniform")
    _expect_not_constant(what, value)

    for initializer, units in (
        ("he_normal", 400),
        (specs.Initializer("HeNormal", form="class"), 10),
    ):
        what, value = _initial_bias(student, initializer, units)
        stddev = math.sqrt(2 / units)
        _expect_within(what, value, 2 * stddev * TRUNCATION_WIDENING, "he_normal")
        _expect_not_constant(what, value)
        if units >= 100:
            _expect_spread(what, value, stddev, "he_normal")

    seeded = specs.Initializer("RandomNormal", {"mean": 0.0, "stddev": 0.5, "seed": 7})
    what, first = _initial_bias(student, seeded, 300)
    _, second = _initial_bias(student, seeded, 300)
    _expect_not_constant(what, first)
    if not np.array_equal(first, second):
        fail(
            f"{what}: expected the same values on every call with a seed, "
            "got different ones"
        )
    _expect_spread(what, first, 0.5, "RandomNormal(stddev=0.5)")
    if abs(float(np.mean(first))) > 0.15:
        fail(f"{what}: expected a mean near 0.0, got {float(np.mean(first)):.4f}")
