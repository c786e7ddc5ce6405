"""lstmbook.chapters.cost: the closed-form FLOP count agrees with the weight shapes and with TensorFlow's
profiler; the timing helpers and the slope fit behave."""

import os
import time

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lstmbook.chapters.cost import (  # noqa: E402
    flops_from_weight_shapes,
    loglog_slope,
    lstm_flops_breakdown,
    lstm_flops_per_step,
    lstm_training_flops,
    median_time,
    sequential_vs_parallel,
    tf_profiler_flops,
    time_sweep,
)
from lstmbook.scratch import LSTM  # noqa: E402

SHAPES = [(1, 1, 1), (3, 5, 4), (10, 32, 7), (64, 16, 2)]  # (X, H, B)


@pytest.mark.parametrize(("x", "h", "b"), SHAPES)
def test_closed_form_terms(x, h, b):
    parts = lstm_flops_breakdown(x, h, b)
    assert parts == {
        "input_matmul": 8 * b * h * x,
        "recurrent_matmul": 8 * b * h * h,
        "elementwise": 12 * b * h,
        "nonlinearities": 5 * b * h,
    }
    assert lstm_flops_per_step(x, h, b) == b * (8 * h * (x + h) + 12 * h)
    # linear in the batch
    assert lstm_flops_per_step(x, h, 3 * b) == 3 * lstm_flops_per_step(x, h, b)


@pytest.mark.parametrize(("x", "h", "b"), SHAPES)
def test_matmul_count_matches_scratch_weight_shapes(x, h, b):
    layer = LSTM(x, h, seed=0)
    counted = flops_from_weight_shapes([p.shape for p in layer.params.values()], batch=b)
    parts = lstm_flops_breakdown(x, h, b)
    assert counted["matmul"] == parts["input_matmul"] + parts["recurrent_matmul"]
    assert counted["bias"] == 4 * b * h


@pytest.mark.parametrize(("x", "h", "b"), SHAPES)
def test_closed_form_matches_keras_weights_and_tf_profiler(x, h, b):
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    layer = keras.layers.LSTM(h)
    layer.build((None, None, x))
    counted = flops_from_weight_shapes([w.shape for w in layer.get_weights()], batch=b)
    parts = lstm_flops_breakdown(x, h, b)
    assert counted["matmul"] == parts["input_matmul"] + parts["recurrent_matmul"]

    cell = keras.layers.LSTMCell(h)
    cell.build((b, x))
    profiled = tf_profiler_flops(
        lambda xt, ht, ct: cell(xt, [ht, ct]),
        tf.TensorSpec((b, x)),
        tf.TensorSpec((b, h)),
        tf.TensorSpec((b, h)),
    )
    assert profiled == lstm_flops_per_step(x, h, b)


def test_training_flops():
    x, h, b, t = 3, 5, 4, 7
    parts = lstm_flops_breakdown(x, h, b)
    matmul = parts["input_matmul"] + parts["recurrent_matmul"]
    with_dx = lstm_training_flops(x, h, b, t, input_grad=True)
    assert with_dx == t * 3 * (matmul + parts["elementwise"])
    assert with_dx - lstm_training_flops(x, h, b, t) == t * parts["input_matmul"]
    assert with_dx > 3 * t * lstm_flops_per_step(x, h, b) - 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lstm_flops_per_step(0, 4), "input_size"),
        (lambda: lstm_flops_per_step(2, 1.5), "units"),
        (lambda: lstm_flops_breakdown(2, 4, batch=-1), "batch"),
        (lambda: lstm_training_flops(2, 4, 1, 0), "steps"),
        (lambda: flops_from_weight_shapes([(2, 3, 4)]), "1-D or 2-D"),
    ],
)
def test_bad_sizes_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_loglog_slope_recovers_exponents():
    n = np.array([8, 16, 32, 64, 128])
    assert loglog_slope(n, 3e-4 * n) == pytest.approx(1.0)
    assert loglog_slope(n, 2.0 * n**2) == pytest.approx(2.0)
    assert loglog_slope(n, np.full(5, 0.1)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("sizes", "times", "message"),
    [
        ([1, 1], [1, 2], "two distinct"),
        ([1, 2], [1, -2], "positive"),
        ([1, 2, 3], [1, 2], "equal length"),
    ],
)
def test_loglog_slope_rejects(sizes, times, message):
    with pytest.raises(ValueError, match=message):
        loglog_slope(sizes, times)


def test_median_time_uses_the_given_clock():
    ticks = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # durations 1, 3, 2
    calls = []
    seconds = median_time(lambda: calls.append(1), repeats=3, warmup=2, timer=lambda: next(ticks))
    assert seconds == 2.0
    assert len(calls) == 5  # 2 warm-up + 3 timed
    with pytest.raises(ValueError, match="repeats"):
        median_time(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup"):
        median_time(lambda: None, warmup=-1)


def test_time_sweep_prepares_outside_the_timing():
    prepared = []

    def make(v):
        prepared.append(v)
        return lambda: time.sleep(0)

    out = time_sweep([1, 2, 3], make, repeats=1, warmup=0)
    assert prepared == [1, 2, 3]
    assert out.shape == (3,) and out.dtype == np.float64 and np.all(out >= 0)


def test_sequential_vs_parallel_does_the_same_work():
    seq, par = sequential_vs_parallel(4, 6, 8, repeats=1)
    assert seq > 0 and par > 0
    with pytest.raises(ValueError, match="steps"):
        sequential_vs_parallel(4, 0, 8)
