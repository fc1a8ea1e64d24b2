"""Reference answers to the keras_bias functions, and the mistakes learners make.

`reference_namespace()` plays the part of a correct notebook's globals. Each
mistake replaces one function of it, so a test can tell exactly which grade
cells that mistake should cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

# --- reference answers ------------------------------------------------------


def build_model(
    input_dim: int = 1,
    hidden_units: int = 4,
    output_units: int = 2,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            keras.layers.Dense(
                hidden_units,
                activation="relu",
                use_bias=use_bias,
                bias_initializer=bias_initializer,
            ),
            keras.layers.Dense(output_units, activation="softmax"),
        ]
    )


def get_biases(model: keras.Model) -> list[np.ndarray]:
    return [
        layer.bias.numpy()
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


def count_bias_parameters(model: keras.Model) -> int:
    return sum(int(bias.size) for bias in get_biases(model))


def initial_bias(initializer: Any, units: int = 4) -> np.ndarray:
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 1))
    return layer.bias.numpy()


def build_conv_model(
    input_shape: tuple[int, ...] = (28, 28, 1),
    filters: int = 8,
    kernel_size: int = 3,
    num_classes: int = 10,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(
                filters,
                kernel_size,
                activation="relu",
                use_bias=use_bias,
                bias_initializer=bias_initializer,
            ),
            keras.layers.Flatten(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def train_and_compare(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    before = get_biases(model)
    model.fit(x, y, epochs=epochs, verbose=0)
    return before, get_biases(model)


def fit_line(
    x: np.ndarray, y: np.ndarray, use_bias: bool = True, epochs: int = 100
) -> keras.Sequential:
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    # One full-batch step per epoch; train_on_batch skips the per-epoch set-up
    # of fit, which costs far more than the step itself on 50 points.
    inputs, targets = np.reshape(x, (-1, 1)), np.reshape(y, (-1, 1))
    for _ in range(epochs):
        model.train_on_batch(inputs, targets)
    return model


REFERENCE: dict[str, Callable[..., Any]] = {
    function.__name__: function
    for function in (
        build_model,
        get_biases,
        count_bias_parameters,
        initial_bias,
        build_conv_model,
        train_and_compare,
        fit_line,
    )
}


def reference_namespace() -> dict[str, Any]:
    """Returns the globals of a notebook that answers every function correctly."""
    return dict(REFERENCE)


# --- other correct answers --------------------------------------------------


def get_biases_from_layer_weights(model: keras.Model) -> list[np.ndarray]:
    return [
        layer.get_weights()[1]
        for layer in model.layers
        if getattr(layer, "use_bias", False)
    ]


def count_bias_parameters_as_numpy_integer(model: keras.Model) -> np.integer:
    return np.sum([np.prod(bias.shape) for bias in get_biases(model)], dtype="int64")


def initial_bias_from_the_initializer(initializer: Any, units: int = 4) -> np.ndarray:
    values = keras.initializers.get(initializer)(shape=(units,))
    return keras.ops.convert_to_numpy(values)


def train_and_compare_with_get_weights(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> list[list[np.ndarray]]:
    before = get_biases_from_layer_weights(model)
    # One batch of all samples is what fit's default batch_size gives here too.
    model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
    return [before, get_biases_from_layer_weights(model)]


def fit_line_with_fit(
    x: np.ndarray, y: np.ndarray, use_bias: bool = True, epochs: int = 100
) -> keras.Sequential:
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=len(x), verbose=0)
    return model


# --- mistakes ---------------------------------------------------------------


def build_model_without_input(
    input_dim: int = 1,
    hidden_units: int = 4,
    output_units: int = 2,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.layers.Dense(
                hidden_units,
                activation="relu",
                use_bias=use_bias,
                bias_initializer=bias_initializer,
            ),
            keras.layers.Dense(output_units, activation="softmax"),
        ]
    )


def build_model_ignoring_use_bias(
    input_dim: int = 1,
    hidden_units: int = 4,
    output_units: int = 2,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return build_model(input_dim, hidden_units, output_units, True, bias_initializer)


def build_model_with_xavier(
    input_dim: int = 1,
    hidden_units: int = 4,
    output_units: int = 2,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            keras.layers.Dense(
                hidden_units,
                activation="relu",
                kernel_initializer="xavier",
                use_bias=use_bias,
                bias_initializer=bias_initializer,
            ),
            keras.layers.Dense(output_units, activation="softmax"),
        ]
    )


def build_model_for_the_example_only(
    input_dim: int = 1,
    hidden_units: int = 4,
    output_units: int = 2,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return build_model(1, 4, 2, use_bias, bias_initializer)


def get_biases_every_second_weight(model: keras.Model) -> list[np.ndarray]:
    return model.get_weights()[1::2]


def get_biases_as_variables(model: keras.Model) -> list[Any]:
    return [
        layer.bias for layer in model.layers if getattr(layer, "bias", None) is not None
    ]


def get_biases_as_tensors(model: keras.Model) -> list[Any]:
    return [
        keras.ops.copy(layer.bias)
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


def count_bias_parameters_with_count_params(model: keras.Model) -> int:
    return model.count_params()


def count_bias_parameters_as_float(model: keras.Model) -> float:
    return float(sum(bias.size for bias in get_biases(model)))


def initial_bias_ignoring_initializer(initializer: Any, units: int = 4) -> np.ndarray:
    return initial_bias("zeros", units)


def initial_bias_as_variable(initializer: Any, units: int = 4) -> Any:
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 1))
    return layer.bias


def initial_bias_with_glorot_uniform(initializer: Any, units: int = 4) -> np.ndarray:
    if isinstance(initializer, str) and initializer in ("zeros", "ones"):
        return initial_bias(initializer, units)
    return initial_bias("glorot_uniform", units)


def build_conv_model_ignoring_use_bias(
    input_shape: tuple[int, ...] = (28, 28, 1),
    filters: int = 8,
    kernel_size: int = 3,
    num_classes: int = 10,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return build_conv_model(
        input_shape, filters, kernel_size, num_classes, True, bias_initializer
    )


def build_conv_model_with_same_padding(
    input_shape: tuple[int, ...] = (28, 28, 1),
    filters: int = 8,
    kernel_size: int = 3,
    num_classes: int = 10,
    use_bias: bool = True,
    bias_initializer: Any = "zeros",
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(
                filters,
                kernel_size,
                padding="same",
                use_bias=use_bias,
                bias_initializer=bias_initializer,
            ),
            keras.layers.Flatten(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def train_and_compare_holding_variables(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[Any], list[np.ndarray]]:
    before = [layer.bias for layer in model.layers if layer.bias is not None]
    model.fit(x, y, epochs=epochs, verbose=0)
    return before, get_biases(model)


def train_and_compare_without_training(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return get_biases(model), get_biases(model)


def train_and_compare_nudging_biases(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    before = get_biases(model)
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None and layer.trainable:
            layer.bias.assign(layer.bias.numpy() + 0.01)
    return before, get_biases(model)


def train_and_compare_with_fixed_epochs(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    before = get_biases(model)
    model.fit(x, y, epochs=3, verbose=0)
    return before, get_biases(model)


def train_and_compare_in_mini_batches(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    before = get_biases(model)
    model.fit(x, y, epochs=epochs, batch_size=4, verbose=0)
    return before, get_biases(model)


def train_and_compare_training_a_copy(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    return train_and_compare(copy, x, y, epochs)


def train_and_compare_unfreezing(
    model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    for layer in model.layers:
        layer.trainable = True
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    return train_and_compare(model, x, y, epochs)


def fit_line_always_with_bias(
    x: np.ndarray, y: np.ndarray, use_bias: bool = True, epochs: int = 100
) -> keras.Sequential:
    return fit_line(x, y, True, epochs)


def fit_line_never_with_bias(
    x: np.ndarray, y: np.ndarray, use_bias: bool = True, epochs: int = 100
) -> keras.Sequential:
    return fit_line(x, y, False, epochs)


def fit_line_never_trained(
    x: np.ndarray, y: np.ndarray, use_bias: bool = True, epochs: int = 100
) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=(1,)),
            keras.layers.Dense(1, use_bias=use_bias, kernel_initializer="zeros"),
        ]
    )


def not_implemented(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("replace this line with your answer")
