"""Hidden checks of build_conv_model(input_shape, filters, kernel_size, ...).

The arguments differ from the notebook's example ((28, 28, 1), 8, 3, 10). The
options use_bias and bias_initializer concern the Conv2D layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import values
from autograder.checking import expect_close, expect_shape, grade
from autograder.checks.expected import expect_built_model, expect_no_bias, show_call

LAYERS = ("Conv2D", "Flatten", "Dense")
INPUT_HINT = "keras.Input(shape=input_shape)"
ARGUMENTS = {
    "input_shape": (10, 10, 2),
    "filters": 5,
    "kernel_size": 3,
    "num_classes": 4,
}


def _call(student: Any, **arguments: Any) -> tuple[str, values.ModelReport]:
    """Returns the call's wording and the model it gave back, once it is built."""
    what = show_call("build_conv_model", **arguments)
    model = student.call("build_conv_model", **arguments)
    return what, expect_built_model(what, model, LAYERS, INPUT_HINT)


@grade("build_conv_model_shapes", "build_conv_model: kernel and bias shapes")
def test_convolution_and_classifier_shapes(student: Any) -> None:
    other = {"input_shape": (7, 9, 3), "filters": 2, "kernel_size": 2, "num_classes": 6}
    for arguments in (ARGUMENTS, other):
        what, model = _call(student, **arguments)
        convolution, _, dense = model.layers
        height, width, channels = arguments["input_shape"]
        size, filters = arguments["kernel_size"], arguments["filters"]
        # A 'valid' convolution loses kernel_size - 1 rows and columns.
        flat = (height - size + 1) * (width - size + 1) * filters

        expect_shape(
            f"{what}: Conv2D kernel",
            convolution.kernel,
            (size, size, channels, filters),
        )
        expect_shape(f"{what}: Conv2D bias", convolution.bias, (filters,))
        expect_shape(
            f"{what}: Dense kernel", dense.kernel, (flat, arguments["num_classes"])
        )
        expect_shape(f"{what}: Dense bias", dense.bias, (arguments["num_classes"],))


@grade("build_conv_model_options", "build_conv_model: use_bias and bias_initializer")
def test_convolution_bias_options(student: Any) -> None:
    what, model = _call(student, **ARGUMENTS, use_bias=False)
    expect_no_bias(f"{what}: Conv2D layer", model.layers[0])
    expect_shape(
        f"{what}: Dense bias (the output layer keeps its bias)",
        model.layers[2].bias,
        (4,),
    )

    what, model = _call(student, **ARGUMENTS, bias_initializer="ones")
    convolution, _, dense = model.layers
    expect_close(f"{what}: Conv2D bias", convolution.bias, np.ones(5))
    expect_close(
        f"{what}: Dense bias (it keeps the default zeros)", dense.bias, np.zeros(4)
    )
