"""Bram: build_model never gives the model an input shape.

Without keras.Input the Sequential model is not built, so it has no weights
yet and get_weights() is empty. Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 3))
    return layer.bias.numpy()


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    # YOUR CODE HERE
    model = keras.Sequential()
    model.add(
        keras.layers.Dense(
            hidden_units,
            activation="relu",
            use_bias=use_bias,
            bias_initializer=bias_initializer,
        )
    )
    model.add(keras.layers.Dense(output_units, activation="softmax"))
    return model


# %%
def get_biases(model):
    # YOUR CODE HERE
    return [
        layer.bias.numpy()
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


# %%
def count_bias_parameters(model):
    # YOUR CODE HERE
    count = 0
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            count += layer.bias.shape[0]
    return count


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
    # YOUR CODE HERE
    model = keras.Sequential()
    model.add(keras.Input(shape=input_shape))
    model.add(
        keras.layers.Conv2D(
            filters,
            kernel_size,
            activation="relu",
            use_bias=use_bias,
            bias_initializer=bias_initializer,
        )
    )
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    return model


# %%
def train_and_compare(model, x, y, epochs=3):
    # YOUR CODE HERE
    before = []
    for layer in model.layers:
        if layer.bias is not None:
            before.append(layer.bias.numpy().copy())
    model.fit(x, y, epochs=epochs, verbose=0)
    after = []
    for layer in model.layers:
        if layer.bias is not None:
            after.append(layer.bias.numpy().copy())
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    # YOUR CODE HERE
    x = np.array(x).reshape(-1, 1)
    y = np.array(y).reshape(-1, 1)
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
