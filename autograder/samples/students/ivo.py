"""Ivo: right answers, but notebook 1 reached the grader cut off halfway.

His upload of 1_initializing_bias.ipynb broke off, so it is not valid JSON
and none of its functions can be graded; 2_bias_in_training.ipynb is whole
and right.
"""

import keras


# %%
def initial_bias(initializer, units=4):
    layer = keras.layers.Dense(units, bias_initializer=initializer)
    layer.build((None, 1))
    return layer.bias.numpy()


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
    return [
        layer.bias.numpy()
        for layer in model.layers
        if getattr(layer, "bias", None) is not None
    ]


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
    before = [
        layer.get_weights()[1]
        for layer in model.layers
        if len(layer.get_weights()) == 2
    ]
    model.fit(x, y, epochs=epochs, verbose=0)
    after = [
        layer.get_weights()[1]
        for layer in model.layers
        if len(layer.get_weights()) == 2
    ]
    return before, after


# %%
def fit_line(x, y, use_bias=True, epochs=100):
    x = x.reshape((-1, 1))
    y = y.reshape((-1, 1))
    model = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=use_bias)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mean_squared_error"
    )
    for _ in range(epochs):
        model.train_on_batch(x, y)
    return model
