"""Dara: train_and_compare keeps layer.bias itself as the "before" snapshot.

layer.bias is the variable the optimizer updates, so after fit her "before"
holds the trained values too. Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    dense = keras.layers.Dense(units, bias_initializer=initializer)
    dense.build(input_shape=(1, 1))
    return np.array(dense.bias)


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
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


# %%
def get_biases(model):
    result = []
    for layer in model.layers:
        if hasattr(layer, "bias") and layer.bias is not None:
            result.append(layer.bias.numpy())
    return result


# %%
def count_bias_parameters(model):
    return int(sum(np.prod(b.shape) for b in get_biases(model)))


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
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


# %%
def train_and_compare(model, x, y, epochs=3):
    before = [layer.bias for layer in model.layers if layer.bias is not None]
    model.fit(x, y, epochs=epochs, verbose=0)
    after = [layer.bias.numpy() for layer in model.layers if layer.bias is not None]
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    x_col = x.reshape(-1, 1)
    y_col = y.reshape(-1, 1)
    for _ in range(epochs):
        model.train_on_batch(x_col, y_col)
    return model
