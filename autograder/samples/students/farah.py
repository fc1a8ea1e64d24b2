"""Farah: build_conv_model asks for the kernel_initializer "xavier".

Keras knows Xavier initialization as "glorot_uniform" (or "glorot_normal");
the name "xavier" makes Conv2D raise ValueError, so no model comes back.
Everything else is right.
"""

import keras
import numpy as np


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 2))
    return keras.ops.convert_to_numpy(layer.bias)


# %%
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    hidden = keras.layers.Dense(
        hidden_units,
        activation="relu",
        use_bias=use_bias,
        bias_initializer=bias_initializer,
    )
    output = keras.layers.Dense(output_units, activation="softmax")
    return keras.Sequential([keras.Input(shape=(input_dim,)), hidden, output])


# %%
def get_biases(model):
    return [
        np.copy(layer.bias)
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


# %%
def count_bias_parameters(model):
    sizes = [
        layer.bias.shape[0]
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]
    return int(sum(sizes))


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
        kernel_size,
        activation="relu",
        kernel_initializer="xavier",  # xavier init is best for conv layers
        use_bias=use_bias,
        bias_initializer=bias_initializer,
    )
    output = keras.layers.Dense(num_classes, activation="softmax")
    return keras.Sequential(
        [keras.Input(shape=input_shape), conv, keras.layers.Flatten(), output]
    )


# %%
def train_and_compare(model, x, y, epochs=3):
    layers_with_bias = [layer for layer in model.layers if layer.bias is not None]
    before = [layer.bias.numpy() for layer in layers_with_bias]
    model.fit(x, y, epochs=epochs, verbose=0)
    after = [layer.bias.numpy() for layer in layers_with_bias]
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    xs = np.reshape(x, (len(x), 1))
    ys = np.reshape(y, (len(y), 1))
    line = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    line.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    for _ in range(epochs):
        line.train_on_batch(xs, ys)
    return line
