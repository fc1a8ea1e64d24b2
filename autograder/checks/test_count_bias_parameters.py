"""Hidden checks of count_bias_parameters(model)."""

from __future__ import annotations

from typing import Any

from autograder import specs
from autograder.checking import grade
from autograder.checks.expected import expect_integer, reference_biases, show_call

MODELS = (
    specs.Model((6,), (specs.Dense(5), specs.Dense(3, use_bias=False), specs.Dense(2))),
    specs.Model((5, 5, 3), (specs.Conv2D(4, 3), specs.Flatten(), specs.Dense(6))),
    specs.Model((3,), (specs.Dense(4, use_bias=False),)),
)


@grade("count_bias_parameters_total", "count_bias_parameters: counts bias entries only")
def test_counts_only_bias_entries(student: Any) -> None:
    for model in MODELS:
        expected = sum(bias.size for bias in reference_biases(model))
        what = show_call("count_bias_parameters", model)
        expect_integer(what, student.call("count_bias_parameters", model), expected)
