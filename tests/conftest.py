"""Shared test set-up: quiet TensorFlow, a fixture that runs a test with Keras in float64, and one
that gives a layer random values in every parameter."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def keras_float64():
    """Run the test with Keras in float64 (``floatx`` and the dtype policy), restored afterwards."""
    import keras

    previous_floatx = keras.config.floatx()
    previous_policy = keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_floatx(previous_floatx)
        keras.config.set_dtype_policy(previous_policy)


def randomise_params(layer, rng: np.random.Generator, scale: float = 0.5):
    """Draw every parameter of a scratch layer from N(0, scale^2), in place, and return the layer.

    Initialisation leaves peepholes and most biases at zero, which would hide their gradients and
    any mistake in how they are used; tests that compare or check gradients call this first.
    """
    for value in layer.params.values():
        value[...] = rng.normal(0.0, scale, size=value.shape)
    return layer


@pytest.fixture
def randomised():
    """:func:`randomise_params` as a fixture: ``randomised(layer, rng, scale=0.5)``."""
    return randomise_params
