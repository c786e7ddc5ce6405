"""The Sequential model trains, predicts, evaluates and reports like a small Keras."""

import numpy as np
import pytest

from lstmbook.scratch import GRU, LSTM, SGD, Adam, Dense, Sequential, mse_loss


def memory_task(n, steps=8, seed=0):
    """The label is the sign of the first input: the network must carry it across all steps."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, steps, 2)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.int64)


def test_lstm_learns_to_remember_the_first_step():
    x, y = memory_task(256)
    xv, yv = memory_task(128, seed=1)
    model = Sequential([LSTM(2, 8, seed=0)], head=Dense(8, 2, seed=1), optimizer=Adam(0.02))
    initial = model.evaluate(x, y)
    history = model.fit(x, y, epochs=30, batch_size=32, validation_data=(xv, yv), verbose=0)
    assert history["loss"][-1] < 0.3 * initial
    assert history["val_loss"][-1] < 0.3 * initial
    accuracy = np.mean(model.predict(xv).argmax(axis=1) == yv)
    assert accuracy > 0.9


def test_stacked_model_learns_a_delay_with_return_sequences():
    """y_t = x_{t-1} (zero at t = 0): per-step regression through two layers."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(128, 10, 1)).astype(np.float32)
    y = np.concatenate([np.zeros((128, 1, 1), np.float32), x[:, :-1]], axis=1)
    model = Sequential(
        [LSTM(1, 8, seed=0), GRU(8, 8, seed=1)],
        head=Dense(8, 1, seed=2),
        return_sequences=True,
        loss="mse",
        optimizer=Adam(0.02),
    )
    initial = model.evaluate(x, y)
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert model.predict(x[:3]).shape == (3, 10, 1)
    assert history["loss"][-1] < 0.2 * initial


def test_history_layout_and_determinism():
    x, y = memory_task(70)

    def train():
        model = Sequential([LSTM(2, 4, seed=0)], head=Dense(4, 2, seed=1))
        return model.fit(x, y, epochs=3, batch_size=32, seed=5, verbose=0)

    first, second = train(), train()
    assert set(first) == {"loss", "grad_norm"}
    assert len(first["loss"]) == 3
    assert len(first["grad_norm"]) == 3 * 3  # ceil(70 / 32) = 3 steps per epoch
    assert first == second


def test_progress_bar_only_when_verbose(capsys):
    x, y = memory_task(40)
    model = Sequential([LSTM(2, 3)], head=Dense(3, 2))
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    model.fit(x, y, epochs=2, batch_size=16, verbose=1)
    captured = capsys.readouterr()
    assert "epoch 1/2" in captured.err and "epoch 2/2" in captured.err


def test_evaluate_and_batched_predict_agree_with_one_pass():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 6, 3)).astype(np.float32)
    y = rng.normal(size=(50, 2)).astype(np.float32)
    model = Sequential([LSTM(3, 5)], head=Dense(5, 2), loss="mse")
    whole = model.predict(x, batch_size=50)
    np.testing.assert_allclose(model.predict(x, batch_size=7), whole, rtol=1e-6, atol=1e-7)
    assert model.evaluate(x, y, batch_size=7) == pytest.approx(mse_loss(whole, y)[0], rel=1e-5)


def test_clip_norm_bounds_every_update():
    """With SGD the update of all weights together is lr * (clipped gradient), so its global
    norm is at most lr * clip_norm, while the recorded norm is the larger one before clipping."""
    x, y = memory_task(32)
    lr, clip = 0.5, 1e-3
    model = Sequential([LSTM(2, 4)], head=Dense(4, 2), optimizer=SGD(lr), clip_norm=clip)
    before = [p.copy() for layer in model.layers for p in layer.params.values()]
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    after = [p for layer in model.layers for p in layer.params.values()]
    step = np.sqrt(sum(float(np.sum((a - b) ** 2)) for a, b in zip(after, before, strict=True)))
    assert history["grad_norm"][0] > clip
    assert step == pytest.approx(lr * clip, rel=1e-3)


def test_n_params_sums_the_layers():
    model = Sequential([LSTM(3, 4), GRU(4, 5)], head=Dense(5, 2))
    assert model.n_params == LSTM(3, 4).n_params + GRU(4, 5).n_params + Dense(5, 2).n_params
    assert model.count_params() == model.n_params


def test_train_step_is_loss_and_grads_then_apply_gradients():
    def model():
        return Sequential(
            [LSTM(2, 4, seed=0, dtype=np.float64)],
            head=Dense(4, 1, seed=1, dtype=np.float64),
            loss="mse",
            optimizer=Adam(0.05),
            clip_norm=0.1,
        )

    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 5, 2)), rng.standard_normal((8, 1))
    one, two = model(), model()
    loss, norm = one.train_step(x, y)
    loss2, grads = two.loss_and_grads(x, y)
    norm2 = two.apply_gradients(grads)
    assert loss == loss2 and norm == norm2 and norm > 0.1
    for a, b in zip(one.layers, two.layers, strict=True):
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(one.layers[0].params["W"], model().layers[0].params["W"])
