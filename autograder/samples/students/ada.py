"""Ada: every function right, in other Keras idioms than the answer key.

She adds layers one at a time with model.add, reads biases back through
layer.get_weights(), asks keras.initializers.get for the initializer without
building a layer, and keeps the losses of her training loop.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    # an initializer is a callable that takes a shape, no layer needed
    init = keras.initializers.get(initializer)
    return keras.ops.convert_to_numpy(init(shape=(units,)))


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    model = keras.Sequential()
    model.add(keras.Input(shape=(input_dim,)))
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
    biases = []
    for layer in model.layers:
        # Flatten has no use_bias, Dense(use_bias=False) has it set to False
        if getattr(layer, "use_bias", False):
            kernel, bias = layer.get_weights()
            biases.append(bias)
    return biases


# %%
def count_bias_parameters(model):
    return sum(bias.size for bias in get_biases(model))


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
    conv = keras.layers.Conv2D(
        filters,
        (kernel_size, kernel_size),
        padding="valid",
        activation="relu",
        use_bias=use_bias,
        bias_initializer=bias_initializer,
    )
    layers = [
        keras.Input(shape=input_shape),
        conv,
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
    return keras.Sequential(layers)


# %%
def bias_snapshot(model):
    # get_weights() gives numpy copies, so they won't change during fit
    snapshot = []
    for layer in model.layers:
        weights = layer.get_weights()
        if len(weights) == 2:
            snapshot.append(weights[1])
    return snapshot


def train_and_compare(model, x, y, epochs=3):
    before = bias_snapshot(model)
    model.fit(x, y, epochs=epochs, verbose=0)
    after = bias_snapshot(model)
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    x = np.reshape(x, (-1, 1))
    y = np.reshape(y, (-1, 1))
    model = keras.Sequential()
    model.add(keras.Input(shape=(1,)))
    model.add(keras.layers.Dense(1, use_bias=use_bias))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    # fit() is slow on 50 points, so one full-batch step per epoch by hand
    losses = []
    for _ in range(epochs):
        losses.append(model.train_on_batch(x, y))
    return model
