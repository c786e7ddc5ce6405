"""lstmbook.chapters.challenges: the training loop on fresh batches, the adding-problem sweep,
the gradient probes, the held-out-metrics callback and label flipping."""

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

keras = pytest.importorskip("keras")

from lstmbook.chapters.challenges import (  # noqa: E402
    HoldoutMetrics,
    adding_length_sweep,
    adding_validation,
    flip_labels,
    input_sensitivity,
    marker_gradients,
    train_on_stream,
)
from lstmbook.data import adding_problem  # noqa: E402
from lstmbook.keras_side.models import build_scratch_regressor  # noqa: E402
from lstmbook.scratch import GRU, LSTM, SGD, SimpleRNN  # noqa: E402


def _sample(T):
    return lambda n, rng: adding_problem(n, T, seed=rng)


@pytest.mark.parametrize(("kind", "cls"), [("rnn", SimpleRNN), ("lstm", LSTM), ("gru", GRU)])
def test_build_scratch_regressor(kind, cls):
    model = build_scratch_regressor(kind, 4, 3, 2, seed=5)
    assert isinstance(model.recurrent[0], cls)
    assert model.recurrent[0].input_size == 3 and model.head.params["W"].shape == (4, 2)
    assert model.loss_name == "mse"
    again = build_scratch_regressor(kind, 4, 3, 2, seed=5)
    np.testing.assert_array_equal(model.recurrent[0].params["W"], again.recurrent[0].params["W"])


def test_forget_bias_sets_only_the_forget_block():
    model = build_scratch_regressor("lstm", 3, n_features=2, forget_bias=2.5)
    b = model.recurrent[0].params["b"]
    np.testing.assert_array_equal(b, [0, 0, 0, 2.5, 2.5, 2.5, 0, 0, 0, 0, 0, 0])
    default = build_scratch_regressor("lstm", 3, n_features=2).recurrent[0].params["b"]
    np.testing.assert_array_equal(default[3:6], 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "cnn"}, "kind"),
        ({"kind": "gru", "forget_bias": 1.0}, "LSTM kinds only"),
        ({"kind": "lstm", "optimizer": "lbfgs"}, "optimizer"),
        ({"kind": "lstm", "units": 0}, "units"),
    ],
)
def test_build_rejects(kwargs, message):
    kwargs = {"units": 4, "n_features": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_scratch_regressor(**kwargs)


def test_train_on_stream_is_repeatable_and_records_every_step():
    validation = adding_problem(16, 6, seed=1)
    runs = [
        train_on_stream(
            build_scratch_regressor("lstm", 4, n_features=2, seed=0),
            _sample(6),
            validation,
            steps=7,
            batch_size=4,
            eval_every=3,
        )
        for _ in range(2)
    ]
    assert runs[0].eval_steps == [0, 3, 6, 7]
    assert len(runs[0].loss) == len(runs[0].grad_norm) == 7
    assert runs[0].val_loss == runs[1].val_loss and runs[0].grad_norm == runs[1].grad_norm
    assert runs[0].steps_to_solve is None and not runs[0].diverged
    assert runs[0].final_val_loss == runs[0].val_loss[-1]


def test_train_on_stream_stops_at_target():
    validation = adding_problem(16, 4, seed=1)
    model = build_scratch_regressor("lstm", 4, n_features=2, seed=0)
    run = train_on_stream(
        model, _sample(4), validation, steps=50, eval_every=5, target=10.0, stop_at_target=True
    )
    assert run.steps_to_solve == 0 and run.eval_steps == [0] and run.loss == []
    with pytest.raises(ValueError, match="target"):
        train_on_stream(model, _sample(4), validation, steps=5, stop_at_target=True)


@pytest.mark.parametrize("clip", [None, 1.0])
def test_train_on_stream_flags_divergence(clip):
    validation = adding_problem(8, 5, seed=1)
    model = build_scratch_regressor(
        "rnn", 8, n_features=2, seed=0, optimizer=SGD(1e6), clip_norm=clip
    )
    model.recurrent[0].params["U"] *= 50.0
    run = train_on_stream(model, _sample(5), validation, steps=200, eval_every=10)
    if clip is None:
        assert run.diverged and len(run.loss) < 200
    else:  # clipping keeps the step finite, however large the learning rate
        assert all(math.isfinite(g) for g in run.grad_norm)


def test_adding_length_sweep_rows_and_models():
    table, models = adding_length_sweep(
        ["rnn", "lstm"],
        [4, 6],
        seeds=(0, 1),
        units=3,
        steps=4,
        n_val=8,
        eval_every=2,
        return_models=True,
    )
    assert len(table) == 8 and set(table.columns) >= {"kind", "T", "seed", "val_mse", "steps"}
    assert table["steps_to_solve"].isna().all() and (table["steps"] == 4).all()
    assert set(models) == {(k, t, s) for k in ("rnn", "lstm") for t in (4, 6) for s in (0, 1)}
    solved = adding_length_sweep(["lstm"], [4], seeds=(0,), steps=10, solved_below=10.0)
    assert solved.loc[0, "steps"] == 0 and solved.loc[0, "steps_to_solve"] == 0
    with pytest.raises(ValueError, match="kind"):
        adding_length_sweep(["tcn"], [4])


def test_adding_validation_is_fixed_per_length():
    x1, y1 = adding_validation(12, 5)
    x2, y2 = adding_validation(12, 5)
    np.testing.assert_array_equal(x1, x2)
    assert x1.shape == (5, 12, 2) and y1.shape == (5, 1)
    assert not np.array_equal(adding_validation(13, 5)[1], y1)


def test_adding_validation_seed_base_moves_the_held_out_set():
    from lstmbook.data import adding_problem

    x_default, y_default = adding_validation(12, 5)
    np.testing.assert_array_equal(y_default, adding_problem(5, 12, seed=10_012)[1])
    x_moved, y_moved = adding_validation(12, 5, seed_base=1_010_000)
    np.testing.assert_array_equal(y_moved, adding_problem(5, 12, seed=1_010_012)[1])
    assert not np.array_equal(y_moved, y_default)
    # the sweep scores on the moved set too (same weights and batches, another held-out set)
    kwargs = dict(seeds=(0,), units=3, steps=1, n_val=5, eval_every=1)
    default = adding_length_sweep(["lstm"], [12], **kwargs)
    again = adding_length_sweep(["lstm"], [12], validation_seed_base=10_000, **kwargs)
    moved = adding_length_sweep(["lstm"], [12], validation_seed_base=1_010_000, **kwargs)
    assert default.loc[0, "val_mse"] == again.loc[0, "val_mse"]
    assert moved.loc[0, "val_mse"] != default.loc[0, "val_mse"]


def test_input_sensitivity_matches_finite_differences():
    layer = LSTM(2, 3, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((2, 5, 2))
    sens = input_sensitivity(layer, x)
    assert sens.shape == (5,) and np.all(sens > 0)

    def s(x):
        return layer.forward(x)[0][:, -1].mean(axis=-1).sum()

    eps, t = 1e-6, 1
    grad = np.zeros((2, 2))
    for b in range(2):
        for j in range(2):
            bump = np.zeros_like(x)
            bump[b, t, j] = eps
            grad[b, j] = (s(x + bump) - s(x - bump)) / (2 * eps)
    assert sens[t] == pytest.approx(np.linalg.norm(grad, axis=1).mean(), rel=1e-5)


def test_input_sensitivity_grows_with_the_forget_bias():
    x, _ = adding_problem(8, 30, seed=0)
    weak = input_sensitivity(
        build_scratch_regressor("lstm", 8, n_features=2, forget_bias=0.0).recurrent[0], x
    )
    strong = input_sensitivity(
        build_scratch_regressor("lstm", 8, n_features=2, forget_bias=2.0).recurrent[0], x
    )
    assert strong[0] > 100 * weak[0]


def test_marker_gradients_match_finite_differences():
    model = build_scratch_regressor("gru", 5, n_features=2, seed=3)
    for layer in model.layers:  # float64 for a clean finite difference
        for name in layer.params:
            layer.params[name] = layer.params[name].astype(np.float64)
        layer.dtype = np.dtype(np.float64)
    x, _ = adding_problem(3, 8, seed=0)
    x = x.astype(np.float64)
    first, second = marker_gradients(model, x)
    rows, steps = np.nonzero(x[..., 1])
    eps = 1e-6
    for b in range(3):
        for k, expected in enumerate((first[b], second[b])):
            bump = np.zeros_like(x)
            bump[b, steps[2 * b + k], 0] = eps
            fd = (model.predict(x + bump)[b, 0] - model.predict(x - bump)[b, 0]) / (2 * eps)
            assert expected == pytest.approx(fd, rel=1e-4, abs=1e-9)


def test_marker_gradients_rejects():
    model = build_scratch_regressor("lstm", 4, n_features=2)
    with pytest.raises(ValueError, match="two markers"):
        marker_gradients(model, np.zeros((2, 6, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="one output"):
        marker_gradients(
            build_scratch_regressor("lstm", 4, n_features=2, n_outputs=2), np.zeros((1, 4, 2))
        )


def _tiny_classifier():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.LSTM(5), keras.layers.Dense(3)])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def test_holdout_metrics_agree_with_keras_evaluate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 4, 3)).astype(np.float32)
    y = rng.integers(0, 3, 20)
    x2, y2 = x[:7], y[:7]
    model = _tiny_classifier()
    callback = HoldoutMetrics({"val": (x, y), "test": (x2, y2)})
    callback.set_model(model)
    scores = callback.scores()
    reference = model.evaluate(x, y, verbose=0, return_dict=True)
    assert scores["val_loss"] == pytest.approx(reference["loss"], rel=1e-5)
    assert scores["val_accuracy"] == pytest.approx(reference["accuracy"])
    reference2 = model.evaluate(x2, y2, verbose=0, return_dict=True)
    assert scores["test_loss"] == pytest.approx(reference2["loss"], rel=1e-5)


@pytest.mark.slow
def test_holdout_metrics_feed_history_and_early_stopping():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 4, 3)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model = _tiny_classifier()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(
        x,
        y,
        epochs=30,
        batch_size=8,
        verbose=0,
        callbacks=[HoldoutMetrics({"val": (x[::-1], (y[::-1] + 1) % 3)}), stop],
    )
    assert "val_loss" in history.history and "val_accuracy" in history.history
    assert len(history.history["val_loss"]) < 30  # stopped on the published val_loss


def test_holdout_metrics_regression_and_rejects():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.GRU(3), keras.layers.Dense(1)])
    x, y = adding_problem(10, 4, seed=0)
    callback = HoldoutMetrics({"val": (x, y)})
    callback.set_model(model)
    expected = float(np.mean((model.predict_on_batch(x) - y) ** 2))
    assert callback.scores() == {"val_loss": pytest.approx(expected, rel=1e-6)}
    with pytest.raises(ValueError, match="same length"):
        HoldoutMetrics({"val": (x, y[:3])})
    with pytest.raises(ValueError, match="at least one"):
        HoldoutMetrics({})


def test_flip_labels():
    y = np.arange(100) % 10
    noisy, flipped = flip_labels(y, 0.3, 10, seed=2)
    assert flipped.sum() == 30
    assert np.all(noisy[flipped] != y[flipped]) and np.all(noisy[~flipped] == y[~flipped])
    assert noisy.min() >= 0 and noisy.max() < 10
    again, _ = flip_labels(y, 0.3, 10, seed=2)
    np.testing.assert_array_equal(noisy, again)
    np.testing.assert_array_equal(y, np.arange(100) % 10)  # input untouched
    for bad, message in [
        ((y, 1.5, 10), "fraction"),
        ((y, 0.1, 5), "labels"),
        ((y.astype(float), 0.1, 10), "integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            flip_labels(*bad)
