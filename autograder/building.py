"""Turns argument specs into real Keras objects inside the student's process."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import specs


def build_argument(value: Any) -> Any:
    """Returns the Keras object a spec describes; other values pass through."""
    if isinstance(value, specs.Model):
        return build_model(value)
    if isinstance(value, specs.Initializer):
        return build_initializer(value)
    return value


def build_initializer(spec: specs.Initializer) -> Any:
    import keras

    initializer_class = getattr(keras.initializers, spec.class_name)
    if spec.form == "class":
        return initializer_class
    return initializer_class(**spec.kwargs)


def build_layer(spec: specs.Layer) -> Any:
    import keras

    kwargs = {key: build_argument(item) for key, item in spec.kwargs.items()}
    layer = getattr(keras.layers, spec.class_name)(**kwargs)
    layer.trainable = spec.trainable
    return layer


def build_model(spec: specs.Model) -> Any:
    """Returns a built Sequential with the spec's deterministic weights."""
    import keras

    model = keras.Sequential(
        [keras.Input(shape=spec.input_shape), *(build_layer(x) for x in spec.layers)]
    )
    model.set_weights(specs.reference_weights(spec))
    if spec.compile_with is not None:
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=spec.compile_with),
            loss="mean_squared_error",
        )
    return model


def perturb_weights(model: Any) -> None:
    """Adds one to every weight of `model`, to expose results that alias them."""
    for variable in model.weights:
        variable.assign(np.asarray(variable.numpy()) + 1.0)
