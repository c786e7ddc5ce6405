"""lstmbook.chapters.transformers: the closed forms agree with the shapes Keras computes, the
streaming steps agree with whole-sequence computations, and the memory they report is exact."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lstmbook.chapters.transformers import (  # noqa: E402
    KVCacheAttention,
    LSTMStream,
    attention_matmul_flops,
    attention_score_count,
    causal_attention,
    lstm_state_count,
    stream_profile,
)
from lstmbook.scratch import LSTM  # noqa: E402


# --------------------------------------------------------------------------- counting
@pytest.mark.parametrize(("b", "t", "d", "heads", "k"), [(1, 1, 1, 1, 1), (2, 5, 12, 3, 4)])
def test_attention_flops_closed_form(b, t, d, heads, k):
    flops = attention_matmul_flops(b, t, d, heads, k)
    assert flops == {
        "projections": 8 * b * t * d * heads * k,
        "scores": 2 * b * heads * t * t * k,
        "weighted_sum": 2 * b * heads * t * t * k,
    }
    doubled = attention_matmul_flops(b, 2 * t, d, heads, k)
    assert doubled["projections"] == 2 * flops["projections"]
    assert doubled["scores"] == 4 * flops["scores"]


def test_attention_counts_agree_with_keras_shapes():
    import keras

    b, t, d, heads, k = 2, 7, 12, 3, 5
    layer = keras.layers.MultiHeadAttention(heads, k)
    x = np.random.default_rng(0).normal(size=(b, t, d)).astype("float32")
    _, scores = layer(x, x, return_attention_scores=True)
    assert tuple(scores.shape) == (b, heads, t, t)
    assert attention_score_count(b, heads, t) == int(np.prod(scores.shape))
    # every kernel (in, ..., out) multiplies each of the B T tokens once: 2 * its size FLOPs
    kernels = [w for w in layer.get_weights() if w.ndim == 3]
    assert len(kernels) == 4
    from_shapes = sum(2 * b * t * w.size for w in kernels)
    assert attention_matmul_flops(b, t, d, heads, k)["projections"] == from_shapes


def test_lstm_state_count_agrees_with_keras():
    import keras

    layer = keras.layers.LSTM(6, return_state=True)
    _, h, c = layer(np.zeros((3, 4, 2), dtype="float32"))
    assert lstm_state_count(3, 6) == h.shape[0] * h.shape[1] + c.shape[0] * c.shape[1] == 36


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_counts_reject_bad_sizes(bad):
    with pytest.raises(ValueError, match="steps"):
        attention_score_count(1, 1, bad)
    with pytest.raises(ValueError, match="units"):
        lstm_state_count(1, bad)
    with pytest.raises(ValueError, match="key_dim"):
        attention_matmul_flops(1, 1, 1, 1, bad)


# --------------------------------------------------------------------------- streaming
def test_lstm_stream_matches_the_scratch_layer_and_holds_constant_state():
    layer = LSTM(3, 5, seed=1)
    layer.params["b"][:] = np.random.default_rng(2).normal(size=20)  # not just the forget bias
    x = np.random.default_rng(3).normal(size=(1, 30, 3)).astype("float32")
    hs, _ = layer.forward(x)
    stream = LSTMStream(layer.params)
    sizes = set()
    for t in range(30):
        h = stream.step(x[0, t])
        np.testing.assert_allclose(h, hs[0, t], atol=1e-5)
        sizes.add(stream.nbytes)
    assert sizes == {2 * 5 * 4}


def test_lstm_stream_rejects_bad_params_and_inputs():
    layer = LSTM(3, 5)
    with pytest.raises(ValueError, match="lacks"):
        LSTMStream({"W": layer.params["W"]})
    bad = dict(layer.params, U=np.zeros((5, 5), dtype="float32"))
    with pytest.raises(ValueError, match=r"params\['U'\] must have shape \(5, 20\)"):
        LSTMStream(bad)
    with pytest.raises(ValueError, match=r"x must have shape \(3,\), got \(4,\)"):
        LSTMStream(layer.params).step(np.zeros(4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cached_steps_equal_causal_attention_over_the_whole_sequence(dtype):
    head = KVCacheAttention(8, capacity=40, seed=4, dtype=dtype)
    x = np.random.default_rng(5).normal(size=(40, 8))
    stepped = np.stack([head.step(row) for row in x])
    whole = causal_attention(x, head.params)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(stepped, whole, atol=tol)
    assert stepped.dtype == whole.dtype == dtype
    assert head.nbytes == 2 * 40 * 8 * np.dtype(dtype).itemsize


def test_causal_attention_is_causal_and_its_first_token_attends_to_itself():
    params = KVCacheAttention(6, capacity=1, seed=6, dtype=np.float64).params
    x = np.random.default_rng(7).normal(size=(10, 6))
    out = causal_attention(x, params)
    np.testing.assert_allclose(out[0], x[0] @ params["Wv"] @ params["Wo"], atol=1e-12)
    changed = x.copy()
    changed[6:] += 1.0  # the future of tokens 0..5
    np.testing.assert_allclose(causal_attention(changed, params)[:6], out[:6], atol=1e-12)
    assert np.abs(causal_attention(changed, params)[6:] - out[6:]).max() > 1e-3


def test_kv_cache_grows_by_one_key_and_value_per_token_and_refuses_overflow():
    head = KVCacheAttention(4, capacity=3)
    assert head.nbytes == 0
    for t in range(1, 4):
        head.step(np.ones(4))
        assert head.nbytes == 2 * t * 4 * 4
    with pytest.raises(ValueError, match="full"):
        head.step(np.ones(4))
    with pytest.raises(ValueError, match=r"x must have shape \(4,\), got \(1, 4\)"):
        KVCacheAttention(4, capacity=3).step(np.ones((1, 4)))


def test_causal_attention_rejects_bad_shapes():
    params = KVCacheAttention(4, capacity=1).params
    with pytest.raises(ValueError, match=r"x must have shape \(T, 4\), got \(5, 3\)"):
        causal_attention(np.zeros((5, 3)), params)
    with pytest.raises(ValueError, match="Wo"):
        causal_attention(np.zeros((5, 4)), dict(params, Wo=np.zeros((4, 3))))


def test_stream_profile_reports_exact_memory():
    x = np.random.default_rng(8).normal(size=(64, 4)).astype("float32")
    streams = {"lstm": LSTMStream(LSTM(4, 3).params), "kv": KVCacheAttention(4, capacity=64)}
    profile = stream_profile(streams, x, at=(16, 64, 32), window=8)
    assert list(profile.columns) == ["stream", "t", "bytes_held", "seconds_per_step"]
    assert profile["stream"].tolist() == ["lstm"] * 3 + ["kv"] * 3
    lstm, kv = profile.iloc[:3], profile.iloc[3:]
    assert lstm["t"].tolist() == kv["t"].tolist() == [16, 32, 64]
    assert lstm["bytes_held"].tolist() == [2 * 3 * 4] * 3
    assert kv["bytes_held"].tolist() == [2 * t * 4 * 4 for t in (16, 32, 64)]
    assert (profile["seconds_per_step"] >= 0).all()
    assert streams["kv"].t == 64  # every stream read every row once


def test_stream_profile_rejects_bad_arguments():
    streams = {"lstm": LSTMStream(LSTM(4, 3).params)}
    x = np.zeros((20, 4), dtype="float32")
    with pytest.raises(ValueError, match=r"\[window, T\] = \[8, 20\]"):
        stream_profile(streams, x, at=(4,), window=8)
    with pytest.raises(ValueError, match=r"\[window, T\]"):
        stream_profile(streams, x, at=(21,), window=8)
    with pytest.raises(ValueError, match=r"inputs must have shape \(T, width\)"):
        stream_profile(streams, x[None], at=(10,), window=8)
    with pytest.raises(ValueError, match="streams must map names"):
        stream_profile(streams["lstm"], x, at=(10,), window=8)
