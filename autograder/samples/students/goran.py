"""Goran: count_bias_parameters returns model.count_params().

count_params() counts every weight of the model, kernels included, not just
the biases. Everything else is right.
"""

import keras


# %%
def initial_bias(initializer, units=4):
    model = keras.Sequential()
    model.add(keras.Input(shape=(1,)))
    model.add(keras.layers.Dense(units, bias_initializer=initializer))
    return model.layers[0].bias.numpy()


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
        if getattr(layer, "bias", None) is not None:
            biases.append(layer.bias.numpy())
    return biases


# %%
def count_bias_parameters(model):
    # YOUR CODE HERE
    return model.count_params()


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
    before = []
    after = []
    for layer in model.layers:
        if layer.bias is not None:
            before.append(layer.bias.numpy().copy())
    model.fit(x, y, epochs=epochs, verbose=0)
    for layer in model.layers:
        if layer.bias is not None:
            after.append(layer.bias.numpy().copy())
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    model = keras.Sequential()
    model.add(keras.Input(shape=(1,)))
    model.add(keras.layers.Dense(1, use_bias=use_bias))
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    x = x.reshape(-1, 1)
    y = y.reshape(-1, 1)
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
