"""Chen: get_biases takes every second array of model.get_weights().

That holds while every layer has a bias (kernel, bias, kernel, bias, ...);
as soon as one layer has none, the kernel of the next layer slips in.
Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(units, bias_initializer=initializer),
        ]
    )
    return model.get_weights()[1]


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    inputs = keras.Input(shape=(input_dim,))
    hidden = keras.layers.Dense(
        hidden_units,
        activation="relu",
        use_bias=use_bias,
        bias_initializer=bias_initializer,
    )
    output = keras.layers.Dense(output_units, activation="softmax")
    return keras.Sequential([inputs, hidden, output])


# %%
def get_biases(model):
    # weights come as kernel, bias, kernel, bias, ...
    return model.get_weights()[1::2]


# %%
def count_bias_parameters(model):
    total = 0
    for layer in model.layers:
        if getattr(layer, "use_bias", False):
            total += layer.get_weights()[1].size
    return total


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
    inputs = keras.Input(shape=input_shape)
    conv = keras.layers.Conv2D(
        filters,
        kernel_size,
        activation="relu",
        use_bias=use_bias,
        bias_initializer=bias_initializer,
    )
    flat = keras.layers.Flatten()
    output = keras.layers.Dense(num_classes, activation="softmax")
    return keras.Sequential([inputs, conv, flat, output])


# %%
def train_and_compare(model, x, y, epochs=3):
    before = [
        np.array(layer.get_weights()[1]) for layer in model.layers if layer.use_bias
    ]
    model.fit(x, y, epochs=epochs, verbose=0)
    after = [
        np.array(layer.get_weights()[1]) for layer in model.layers if layer.use_bias
    ]
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    x = x.reshape(-1, 1)
    y = y.reshape(-1, 1)
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
