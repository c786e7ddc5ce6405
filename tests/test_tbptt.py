"""Truncated BPTT: exact forward, gradients cut at window boundaries, full BPTT as the limit."""

import numpy as np
import pandas as pd
import pytest

from lstmbook.chapters.truncation import marked_recall_task, window_sweep
from lstmbook.scratch import (
    GRU,
    LSTM,
    SGD,
    Adam,
    Dense,
    Sequential,
    SimpleRNN,
    mse_loss,
    numeric_gradient,
)
from lstmbook.scratch.tbptt import (
    accuracy,
    fit_tbptt,
    tbptt_train_step,
    truncated_loss_and_grads,
    window_slices,
)

F64 = np.float64


def seq_to_one(seed=0, peepholes=False, dtype=F64, optimizer=None, clip_norm=None):
    return Sequential(
        [LSTM(3, 5, peepholes=peepholes, seed=seed, dtype=dtype)],
        head=Dense(5, 4, seed=seed + 1, dtype=dtype),
        optimizer=optimizer,
        clip_norm=clip_norm,
    )


def per_step_stack(seed=0, dtype=F64, optimizer=None):
    """LSTM -> GRU -> SimpleRNN, a Dense head at every step, MSE: all three state kinds."""
    return Sequential(
        [
            LSTM(3, 4, seed=seed, dtype=dtype),
            GRU(4, 4, seed=seed + 1, dtype=dtype),
            SimpleRNN(4, 3, seed=seed + 2, dtype=dtype),
        ],
        head=Dense(3, 2, seed=seed + 3, dtype=dtype),
        return_sequences=True,
        loss="mse",
        optimizer=optimizer,
    )


def data(batch=4, steps=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, 3))
    return x, rng.integers(0, 4, size=batch), rng.normal(size=(batch, steps, 2))


def with_peepholes(model):
    rng = np.random.default_rng(7)
    for name in ("p_i", "p_f", "p_o"):
        model.recurrent[0].params[name][...] = rng.normal(scale=0.5, size=5)
    return model


def test_window_slices():
    assert window_slices(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert window_slices(8, 4) == [slice(0, 4), slice(4, 8)]
    assert window_slices(5, 5) == window_slices(5, 99) == [slice(0, 5)]
    with pytest.raises(ValueError, match="window must be a positive integer"):
        window_slices(5, 0)


@pytest.mark.parametrize("window", [10, 11, 1000])
def test_window_at_least_T_gives_exactly_full_bptt(window):
    x, labels, targets = data()
    for model, y in [
        (with_peepholes(seq_to_one(peepholes=True)), labels),
        (per_step_stack(), targets),
    ]:
        loss, grads = model.loss_and_grads(x, y)
        result = truncated_loss_and_grads(model, x, y, window)
        assert result.loss == loss
        assert len(result.grads) == len(grads)
        for mine, full in zip(result.grads, grads, strict=True):
            assert mine.keys() == full.keys()
            for name in full:
                np.testing.assert_array_equal(mine[name], full[name])


@pytest.mark.parametrize("window", [1, 3, 4, 7])
def test_seq_to_one_gradient_reaches_back_only_within_the_last_window(window):
    """dx is zero before the last window and equals full BPTT's dx inside it."""
    x, labels, _ = data(steps=12)
    model = with_peepholes(seq_to_one(peepholes=True))
    full_loss, _ = model.loss_and_grads(x, labels)
    full = truncated_loss_and_grads(model, x, labels, window=12, input_grad=True)
    cut = truncated_loss_and_grads(model, x, labels, window, input_grad=True)
    start = window_slices(12, window)[-1].start
    assert start >= 12 - window
    assert np.all(cut.dx[:, :start] == 0.0)
    assert np.abs(cut.dx[:, -1]).max() > 0
    np.testing.assert_allclose(cut.dx[:, start:], full.dx[:, start:], rtol=1e-10, atol=1e-13)
    # the forward pass is exact: the loss is the full loss
    assert cut.loss == pytest.approx(full_loss, rel=1e-12)
    # the gradients w.r.t. the carried-in state (h0, c0) are dropped: that is the cut
    for grads, layer in zip(cut.grads, model.layers, strict=True):
        assert grads.keys() == layer.params.keys()
    # and the cut changes the parameter gradients
    assert not np.allclose(cut.grads[0]["U"], full.grads[0]["U"])


def test_per_step_losses_send_no_gradient_across_a_boundary():
    """With a loss only at step t, dx is zero before the start of t's window (per-step model)."""
    x, _, targets = data(steps=12)
    model = per_step_stack()
    window = 4
    t = 9  # in the window [8, 12)
    out = model.predict(x)
    y = out.copy()
    y[:, t] += 1.0  # the MSE gradient is non-zero only at step t
    cut = truncated_loss_and_grads(model, x, y, window, input_grad=True)
    assert np.all(cut.dx[:, :8] == 0.0)
    assert np.all(cut.dx[:, t + 1 :] == 0.0)  # causality
    assert np.abs(cut.dx[:, 8 : t + 1]).min(axis=(0, 2)).max() > 0


def test_per_step_loss_is_the_sequence_mean_and_grads_sum_the_windows():
    x, _, targets = data(steps=10)
    model = per_step_stack()
    full_loss = model.evaluate(x, targets)
    cut = truncated_loss_and_grads(model, x, targets, window=3)
    assert cut.loss == pytest.approx(full_loss, rel=1e-12)
    # the sum over windows of each window's gradient, each weighted by its share of the steps
    expected = None
    for span in window_slices(10, 3):
        # a window's gradient = that of a model started from the carried state; build it by
        # running a loss that is zero outside the window (the target equals the output there)
        out = model.predict(x)
        y = out.copy()
        y[:, span] = targets[:, span]
        part = truncated_loss_and_grads(model, x, y, window=3)
        expected = (
            part.grads
            if expected is None
            else [{k: e[k] + p[k] for k in e} for e, p in zip(expected, part.grads, strict=True)]
        )
    for mine, other in zip(cut.grads, expected, strict=True):
        for name in mine:
            np.testing.assert_allclose(mine[name], other[name], rtol=1e-9, atol=1e-12)


def test_truncated_gradient_is_the_gradient_with_the_incoming_state_held_constant():
    """Central differences on a model that starts the last window from a frozen state."""
    x, labels, _ = data(steps=9)
    window = 4
    model = with_peepholes(seq_to_one(peepholes=True))
    cut = truncated_loss_and_grads(model, x, labels, window)
    start = window_slices(9, window)[-1].start
    layer = model.recurrent[0]
    _, cache = layer.forward(x[:, :start])
    frozen = tuple(np.array(s) for s in cache.final_state)

    def loss():
        hs, _ = layer.forward(x[:, start:], state=frozen)
        out, _ = model.head.forward(hs[:, -1])
        return model.loss_fn(out, labels)[0]

    for name in ("U", "p_o", "b"):
        numeric = numeric_gradient(loss, layer.params[name])
        np.testing.assert_allclose(cut.grads[0][name], numeric, rtol=1e-6, atol=1e-9)


def test_peak_cache_memory_is_one_window():
    x, labels, _ = data(steps=12)
    model = seq_to_one()
    full = truncated_loss_and_grads(model, x, labels, window=12).peak_cache_bytes
    cut = truncated_loss_and_grads(model, x, labels, window=3).peak_cache_bytes
    _, cache = model.recurrent[0].forward(x)
    assert full == cache.nbytes
    # the cache holds T steps of gates, x and tanh(c), and T + 1 of h and c
    _, small = model.recurrent[0].forward(x[:, :3])
    assert cut == small.nbytes < full / 3


def test_train_step_with_full_window_equals_model_train_step():
    x, labels, _ = data()
    a, b = (
        seq_to_one(optimizer=Adam(0.01), clip_norm=0.5),
        seq_to_one(optimizer=Adam(0.01), clip_norm=0.5),
    )
    for _ in range(3):
        loss_a, norm_a = a.train_step(x, labels)
        loss_b, norm_b = tbptt_train_step(b, x, labels, window=10)
        assert (loss_a, norm_a) == (loss_b, norm_b)
    for la, lb in zip(a.layers, b.layers, strict=True):
        for name in la.params:
            np.testing.assert_array_equal(la.params[name], lb.params[name])


def test_update_each_window_takes_one_step_per_window():
    """TBPTT(k, k) against the layer calls written out: carry the state, update per window."""
    x, _, targets = data(steps=10)

    def build():
        return Sequential(
            [LSTM(3, 4, seed=0, dtype=F64)],
            head=Dense(4, 2, seed=1, dtype=F64),
            return_sequences=True,
            loss="mse",
            optimizer=SGD(0.1),
        )

    model, manual = build(), build()
    before = [{k: v.copy() for k, v in layer.params.items()} for layer in model.layers]
    lstm, head, opt = manual.recurrent[0], manual.head, manual.optimizer
    state = None
    for span in window_slices(10, 4):
        hs, cache = lstm.forward(x[:, span], state=state)  # the state computed before the update
        state = tuple(np.array(s) for s in cache.final_state)
        out, head_cache = head.forward(hs)
        _, dout = mse_loss(out, targets[:, span])  # the window's own mean loss
        dhs, head_grads = head.backward(dout, head_cache)
        _, lstm_grads = lstm.backward(dhs, cache)  # "h0", "c0" are ignored by the optimizer
        opt.step(lstm.params, lstm_grads)
        opt.step(head.params, head_grads)
    loss, norm = tbptt_train_step(model, x, targets, window=4, update_each_window=True)
    assert np.isfinite(loss) and norm > 0
    for layer, other, old in zip(model.layers, manual.layers, before, strict=True):
        for name in layer.params:
            assert not np.array_equal(layer.params[name], old[name])
            np.testing.assert_allclose(layer.params[name], other.params[name], rtol=1e-12)


def test_update_each_window_adam_step_count():
    x, _, targets = data(steps=10)
    model = per_step_stack(optimizer=Adam(1e-3))
    tbptt_train_step(model, x, targets, window=3, update_each_window=True)
    counts = {state["t"] for state in model.optimizer._state.values()}
    assert counts == {4}  # windows [0,3) [3,6) [6,9) [9,10)
    # sequence-to-one: only the last window has a loss, so one update
    single = seq_to_one(optimizer=Adam(1e-3))
    x1, labels, _ = data(steps=10)
    tbptt_train_step(single, x1, labels, window=3, update_each_window=True)
    assert {state["t"] for state in single.optimizer._state.values()} == {1}


def test_marked_recall_task():
    x, y, lags = marked_recall_task(200, 16, (3, 9), n_symbols=4, seed=1)
    assert x.shape == (200, 16, 5) and x.dtype == np.float32
    assert y.shape == lags.shape == (200,)
    assert lags.min() == 3 and lags.max() == 9
    marked = np.argmax(x[..., 4], axis=1)
    assert np.all(x[..., 4].sum(axis=1) == 1)
    np.testing.assert_array_equal(marked, 15 - lags)
    np.testing.assert_array_equal(y, x[np.arange(200), marked, :4].argmax(axis=1))
    np.testing.assert_array_equal(x[..., :4].sum(axis=2), 1)
    again = marked_recall_task(200, 16, (3, 9), n_symbols=4, seed=1)
    for a, b in zip((x, y, lags), again, strict=True):
        np.testing.assert_array_equal(a, b)
    _, _, fixed = marked_recall_task(10, 8, 5)
    assert set(fixed) == {5}
    for bad in [(5, 3), (0, 16), -1, 2.5]:
        with pytest.raises(ValueError, match="lag must be"):
            marked_recall_task(10, 16, bad)


def test_short_window_cannot_learn_a_long_dependency_but_a_long_window_can():
    """The chapter's experiment in miniature: lags 5..6, windows 4 (< lag) and 8 (> lag)."""
    x, y, _ = marked_recall_task(256, 8, (5, 6), seed=0)
    xv, yv, _ = marked_recall_task(400, 8, (5, 6), seed=1)

    def build(seed):
        return Sequential(
            [LSTM(5, 8, seed=seed)],
            head=Dense(8, 4, seed=seed + 10),
            optimizer=Adam(0.03),
            clip_norm=1.0,
        )

    table, curves = window_sweep(build, (x, y), (xv, yv), [4, None], seeds=[0], epochs=10)
    assert isinstance(table, pd.DataFrame)
    assert list(curves.columns) == ["window", "full", "seed", "epoch", "loss", "val_loss"]
    assert len(curves) == 2 * 10 and curves["epoch"].tolist() == [*range(1, 11)] * 2
    last = curves[curves["epoch"] == 10]
    np.testing.assert_array_equal(last["val_loss"], table["val_loss"])
    assert list(table.columns) == [
        "window",
        "full",
        "seed",
        "train_loss",
        "val_loss",
        "val_accuracy",
    ]
    assert table["window"].tolist() == [4, 8]
    assert table["full"].tolist() == [False, True]
    short, full = table["val_accuracy"]
    assert short < 0.45 < 0.9 < full


def test_fit_tbptt_history_and_determinism():
    x, y, _ = marked_recall_task(70, 8, 2)

    def run(window):
        model = Sequential([LSTM(5, 4, seed=0)], head=Dense(4, 4, seed=1))
        history = fit_tbptt(model, x, y, window, epochs=2, batch_size=32, validation_data=(x, y))
        return model, history

    model, first = run(3)
    assert set(first) == {"loss", "val_loss", "grad_norm"}
    assert len(first["loss"]) == 2 and len(first["grad_norm"]) == 2 * 3
    assert run(3)[1] == first
    # window=None is model.fit's loop: same batches, same updates
    reference = Sequential([LSTM(5, 4, seed=0)], head=Dense(4, 4, seed=1))
    expected = reference.fit(x, y, epochs=2, batch_size=32, validation_data=(x, y), verbose=0)
    assert run(None)[1] == expected
    assert run(8)[1] == expected  # a window of T steps: full BPTT, bit for bit
    assert 0.0 <= accuracy(model, x, y) <= 1.0


def test_validation_messages():
    x, labels, targets = data()
    model = seq_to_one()
    with pytest.raises(ValueError, match="model must be an lstmbook.scratch.Sequential"):
        truncated_loss_and_grads(LSTM(3, 5), x, labels, 2)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        truncated_loss_and_grads(model, x, labels, 0)
    with pytest.raises(ValueError, match="one row per sample"):
        truncated_loss_and_grads(model, x, labels[:2], 2)
    with pytest.raises(ValueError, match="one target per step"):
        truncated_loss_and_grads(per_step_stack(), x, targets[:, :5], 2)
    with pytest.raises(ValueError, match="x must"):
        truncated_loss_and_grads(model, x[..., :2], labels, 2)
    with pytest.raises(ValueError, match="y must have shape"):
        accuracy(model, x, labels[:, None])
