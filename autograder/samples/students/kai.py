"""Kai: right answers, and a leftover scratch cell that raises NameError.

The scratch cell sits between build_model and get_biases and misspells a
variable name. The cells after it still run, so every function is graded,
and the feedback shows the error of that cell.
"""
# ruff: noqa: F821 - the misspelled name in the scratch cell is the point

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 1))
    return layer.bias.numpy()


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
# quick check of my model
test_model = build_model(input_dim=3, hidden_units=5, output_units=2)
for w in test_model.get_weights():
    print(w.shape)
print(tset_model.layers[0].bias)


# %%
def get_biases(model):
    biases = []
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            biases.append(layer.bias.numpy())
    return biases


# %%
def count_bias_parameters(model):
    return sum(b.size for b in get_biases(model))


# %%
def build_conv_model(
    input_shape=(28, 28, 1),
    filters=8,
    kernel_size=3,
    num_classes=10,
    use_bias=True,
    bias_initializer="zeros",
):
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
    before = [layer.bias.numpy() for layer in model.layers if layer.bias is not None]
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
    inputs = np.reshape(x, (-1, 1))
    targets = np.reshape(y, (-1, 1))
    for _ in range(epochs):
        model.train_on_batch(inputs, targets)
    return model
