"""`setup_notebook` makes Keras runs repeatable and can split the CPU into logical devices."""

import os
import subprocess
import sys
import textwrap

import pytest


def _run_process(code: str) -> subprocess.CompletedProcess:
    # Without the test suite's TF_CPP_MIN_LOG_LEVEL: setup_notebook alone must keep stderr quiet.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result


def _run(code: str) -> str:
    return _run_process(code).stdout


TRAIN_A_LITTLE = """
    from lstmbook.notebook import setup_notebook
    setup_notebook(seed=3)
    import keras, numpy as np
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.ones((8, 5, 2)), np.ones((8, 1)), epochs=1, verbose=0)
    print(float(model.layers[0].get_weights()[0].sum()))
"""


@pytest.mark.slow
def test_same_seed_same_keras_weights():
    assert _run(TRAIN_A_LITTLE) == _run(TRAIN_A_LITTLE)


@pytest.mark.slow
def test_stderr_stays_quiet_through_import_and_training():
    """TensorFlow's C++ start-up and runtime logs would land in a notebook's stored outputs."""
    result = _run_process(TRAIN_A_LITTLE)
    assert result.stderr == "", result.stderr


@pytest.mark.slow
def test_logical_cpus():
    code = """
        from lstmbook.notebook import setup_notebook
        setup_notebook(seed=0, logical_cpus=2)
        import tensorflow as tf
        print(len(tf.config.list_logical_devices("CPU")))
    """
    assert _run(code).strip() == "2"


def test_show_source_is_the_real_source_cut_to_a_passage():
    import pytest

    from lstmbook.notebook import show_source, source_lines
    from lstmbook.scratch import reference

    whole = source_lines(reference.rnn_step_backward)
    assert whole.startswith("def rnn_step_backward(") and whole.endswith("\n")
    passage = source_lines(
        reference.lstm_step_forward, start_at="i_t = sigmoid", end_at="h_t = o_t"
    )
    lines = passage.splitlines()
    assert lines[0].startswith("i_t = sigmoid") and lines[-1].startswith("h_t = o_t")
    body = source_lines(reference.lstm_step_forward)
    assert textwrap.indent(passage, "    ") in body  # one contiguous passage
    shown = show_source(reference.lstm_step_forward, start_at="i_t", end_at="h_t = o_t")
    assert shown.data == source_lines(reference.lstm_step_forward, start_at="i_t", end_at="h_t = o_t")
    assert "<span" in shown._repr_html_()
    with pytest.raises(ValueError, match="not found"):
        source_lines(reference.lstm_step_forward, start_at="no such line")


def test_show_source_replaces_argument_checks_by_one_comment():
    from lstmbook.notebook import ARGUMENT_CHECKS, source_lines
    from lstmbook.scratch import LSTM

    shown = source_lines(LSTM.__init__)
    assert "_checks." not in shown
    assert "# ... checks and sets self.input_size, self.hidden_size" in shown
    assert "rng = np.random.default_rng(seed)" in shown  # the lesson stays
    whole = source_lines(LSTM.__init__, argument_checks=True)
    assert "_checks.positive_int(" in whole and ARGUMENT_CHECKS not in whole


def test_show_source_elides_if_raise_blocks_but_keeps_other_ifs():
    from lstmbook.notebook import ARGUMENT_CHECKS, _without_argument_checks

    lines = [
        "def f(x, n):",
        "    if n < 1:",
        "        raise ValueError('n must be positive')",
        "",
        "    if x.ndim != 2:",
        "        raise ValueError('x must be 2-D')",
        "    if n > 3:",
        "        x = x * 2",
        "    if x.sum() < 0:",
        "        raise ValueError('a check after the work starts is kept')",
        "    return x",
    ]
    out = _without_argument_checks(lines)
    assert out == [
        "def f(x, n):",
        "    " + ARGUMENT_CHECKS,
        "    if n > 3:",
        "        x = x * 2",
        "    if x.sum() < 0:",
        "        raise ValueError('a check after the work starts is kept')",
        "    return x",
    ]
