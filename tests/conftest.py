"""Shared test set-up: quiet TensorFlow, and a fixture that runs a test with Keras in float64."""

import os

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
