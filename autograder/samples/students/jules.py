"""Jules: notebook 1 answered right; notebook 2 never handed in.

Only 1_initializing_bias.ipynb is in the submission, so the functions of
part 2 (train_and_compare, fit_line) score nothing.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    bias_layer = keras.layers.Dense(units, bias_initializer=initializer)
    bias_layer.build((None, 5))
    return np.array(bias_layer.get_weights()[1])


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    model = keras.Sequential(
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
    return model


# %%
def get_biases(model):
    out = []
    for layer in model.layers:
        if getattr(layer, "use_bias", False):
            out.append(layer.get_weights()[1])
    return out


# %%
def count_bias_parameters(model):
    return sum(len(b) for b in get_biases(model))


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
