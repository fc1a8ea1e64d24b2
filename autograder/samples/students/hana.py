"""Hana: fit_line always adds a bias, whatever use_bias says.

Her Dense(1) is built with Keras's default use_bias=True, so the line can
never be forced through the origin. Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 1))
    return layer.bias.numpy().copy()


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    layers = [
        keras.Input(shape=(input_dim,)),
        keras.layers.Dense(
            hidden_units,
            activation="relu",
            use_bias=use_bias,
            bias_initializer=bias_initializer,
        ),
        keras.layers.Dense(output_units, activation="softmax"),
    ]
    return keras.Sequential(layers)


# %%
def get_biases(model):
    return [
        layer.bias.numpy().copy()
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


# %%
def count_bias_parameters(model):
    return sum(int(b.size) for b in get_biases(model))


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
    layers = [
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
    return keras.Sequential(layers)


# %%
def train_and_compare(model, x, y, epochs=3):
    before = [
        layer.bias.numpy().copy() for layer in model.layers if layer.bias is not None
    ]
    model.fit(x, y, epochs=epochs, verbose=0)
    after = [
        layer.bias.numpy().copy() for layer in model.layers if layer.bias is not None
    ]
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    x = np.asarray(x).reshape(-1, 1)
    y = np.asarray(y).reshape(-1, 1)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
