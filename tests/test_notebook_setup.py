"""`setup_notebook` makes Keras runs repeatable and can split the CPU into logical devices."""

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_same_seed_same_keras_weights_and_quiet_stderr():
    code = """
        from lstmbook.notebook import setup_notebook
        setup_notebook(seed=3)
        import keras
        layer = keras.layers.LSTM(4)
        layer.build((None, None, 2))
        print(float(layer.get_weights()[0].sum()))
    """
    assert _run(code) == _run(code)


def test_logical_cpus():
    code = """
        from lstmbook.notebook import setup_notebook
        setup_notebook(seed=0, logical_cpus=2)
        import tensorflow as tf
        print(len(tf.config.list_logical_devices("CPU")))
    """
    assert _run(code).strip() == "2"
