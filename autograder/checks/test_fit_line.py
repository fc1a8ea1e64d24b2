"""Hidden checks of fit_line(x, y, use_bias=True, epochs=...).

The line differs from the notebook's, and the expected slope and intercept
are the least-squares answers NumPy computes for the same points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import values
from autograder.checking import expect_shape, fail, grade
from autograder.checks.expected import expect_built_model, expect_no_bias

SLOPE, INTERCEPT = -1.3, 1.7
TOLERANCE = 0.15
INPUT_HINT = "keras.Input(shape=(1,))"


def _line_points() -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(2024)
    # One-dimensional, as in the notebook, so an answer that works on the
    # notebook's points receives data of the same form.
    x = generator.uniform(-2.0, 2.0, size=50)
    y = SLOPE * x + INTERCEPT + generator.normal(0.0, 0.05, size=x.shape)
    return x.astype("float32"), y.astype("float32")


def _fitted_line(student: Any, what: str, **options: Any) -> values.LayerReport:
    """Returns the single Dense(1) layer of the model fit_line gave back."""
    x, y = _line_points()
    model = expect_built_model(
        what, student.call("fit_line", x, y, **options), ("Dense",), INPUT_HINT
    )
    if model.input_shape != (None, 1):
        fail(f"{what}: expected the input shape (None, 1), got {model.input_shape}")
    layer = model.layers[0]
    expect_shape(f"{what}: Dense kernel", layer.kernel, (1, 1))
    return layer


def _expect_near(what: str, actual: float, expected: float) -> None:
    if not abs(actual - expected) <= TOLERANCE:
        fail(
            f"{what}: expected about {expected:.2f} (within {TOLERANCE}), "
            f"got {actual:.2f}"
        )


@grade("fit_line_intercept", "fit_line: learns slope and intercept")
def test_learned_line_matches_least_squares(student: Any) -> None:
    what = "fit_line(x, y)"
    layer = _fitted_line(student, what)
    expect_shape(f"{what}: Dense bias", layer.bias, (1,))

    x, y = _line_points()
    design = np.stack([x, np.ones_like(x)], axis=1).astype("float64")
    (slope, intercept), *_ = np.linalg.lstsq(design, y.astype("float64"))
    _expect_near(f"{what}: intercept (the Dense bias)", float(layer.bias[0]), intercept)
    _expect_near(f"{what}: slope (the Dense kernel)", float(layer.kernel[0, 0]), slope)


@grade("fit_line_origin", "fit_line: use_bias=False fits a line through the origin")
def test_line_without_bias_passes_through_origin(student: Any) -> None:
    what = "fit_line(x, y, use_bias=False)"
    layer = _fitted_line(student, what, use_bias=False)
    if layer.bias is not None:
        fail(
            f"{what}: expected a Dense layer without a bias, so the line passes "
            f"through the origin, got a bias of {float(layer.bias.ravel()[0]):.2f}; "
            "pass use_bias to the Dense layer"
        )
    expect_no_bias(f"{what}: Dense layer", layer)

    x, y = _line_points()
    slope = float(np.sum(x * y, dtype="float64") / np.sum(x * x, dtype="float64"))
    _expect_near(f"{what}: slope (the Dense kernel)", float(layer.kernel[0, 0]), slope)
