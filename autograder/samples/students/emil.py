"""Emil: build_model accepts use_bias but never passes it to the hidden layer.

The hidden layer keeps Keras's default use_bias=True whatever the caller
asks for. Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units=units, bias_initializer=initializer)
    layer.build((None, 1))
    bias = layer.get_weights()[1]
    return bias


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    model = keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            keras.layers.Dense(
                hidden_units, activation="relu", bias_initializer=bias_initializer
            ),
            keras.layers.Dense(output_units, activation="softmax"),
        ]
    )
    return model


# %%
def get_biases(model):
    biases = []
    for layer in model.layers:
        if getattr(layer, "bias", None) is None:
            continue
        biases.append(layer.bias.numpy().copy())
    return biases


# %%
def count_bias_parameters(model):
    n = 0
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            n += int(np.prod(layer.bias.shape))
    return n


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
    model = keras.Sequential(
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
    return model


# %%
def train_and_compare(model, x, y, epochs=3):
    def biases():
        return [
            layer.bias.numpy().copy()
            for layer in model.layers
            if layer.bias is not None
        ]

    before = biases()
    model.fit(x, y, epochs=epochs, verbose=0)
    after = biases()
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    x = np.asarray(x, dtype="float32").reshape(-1, 1)
    y = np.asarray(y, dtype="float32").reshape(-1, 1)
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
