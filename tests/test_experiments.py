"""lstmbook.chapters.experiments: model factories by name, seeded runs, mean and std over seeds."""

import functools
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pandas as pd
import pytest

from lstmbook.chapters.experiments import (
    RunResult,
    SeededTrainer,
    compare_over_seeds,
    mean_std_table,
    run_over_seeds,
    summarize_runs,
)
from lstmbook.data import adding_problem, first_symbol_task
from lstmbook.keras_side.models import (
    KINDS,
    build_recurrent_classifier,
    build_recurrent_regressor,
    build_scratch_classifier,
    build_scratch_regressor,
    make_optimizer,
    make_scratch_optimizer,
    recurrent_layer,
    scratch_recurrent_layer,
)
from lstmbook.keras_side.peephole import PeepholeLSTMCell
from lstmbook.scratch import SGD, Sequential
from lstmbook.scratch.params import (
    gru_param_count,
    lstm_param_count,
    simple_rnn_param_count,
)

EXPECTED_COUNTS = {
    "lstm": lambda x, h: lstm_param_count(x, h),
    "gru": gru_param_count,
    "rnn": simple_rnn_param_count,
    "peephole-current": lambda x, h: lstm_param_count(x, h, peepholes=True),
    "peephole-previous": lambda x, h: lstm_param_count(x, h, peepholes=True),
}


def _tiny_data(n_train=96, n_test=64, steps=5):
    x, y = first_symbol_task(n_train, steps, n_symbols=2, seed=0)
    xt, yt = first_symbol_task(n_test, steps, n_symbols=2, seed=1)
    return x, y, xt, yt


@pytest.mark.parametrize("kind", KINDS)
def test_layer_by_name_has_the_closed_form_parameter_count(kind):
    layer = recurrent_layer(kind, 5)
    out = layer(np.zeros((2, 4, 3), dtype=np.float32))
    assert tuple(out.shape) == (2, 5)
    assert layer.count_params() == EXPECTED_COUNTS[kind](3, 5)


@pytest.mark.parametrize("variant", ["current", "previous"])
def test_peephole_kinds_use_the_lstmbook_cell(variant):
    layer = recurrent_layer(f"peephole-{variant}", 4, return_sequences=True)
    assert isinstance(layer.cell, PeepholeLSTMCell)
    assert layer.cell.output_peephole == variant
    assert tuple(layer(np.zeros((1, 6, 2), dtype=np.float32)).shape) == (1, 6, 4)


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrent_layer("transformer", 4)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        recurrent_layer("lstm", 0)
    with pytest.raises(ValueError, match="n_classes must be at least 2"):
        build_recurrent_classifier("lstm", 4, n_features=2, n_classes=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer("adagrad")
    with pytest.raises(ValueError, match="data must be a 4-tuple"):
        SeededTrainer(lambda: None).run((1, 2))
    with pytest.raises(ValueError, match="build must be a function"):
        SeededTrainer("lstm")


def test_build_must_return_a_compiled_model():
    def uncompiled():
        inputs = keras.Input((5, 2))
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))

    with pytest.raises(ValueError, match="compiled"):
        SeededTrainer(uncompiled).run(_tiny_data(), epochs=1)


def test_factories_build_compiled_models_of_the_right_shapes():
    clf = build_recurrent_classifier("gru", 6, n_features=3, n_classes=4, steps=7)
    reg = build_recurrent_regressor("peephole-previous", 6, n_features=3, n_outputs=2)
    x = np.zeros((2, 7, 3), dtype=np.float32)
    assert tuple(clf(x).shape) == (2, 4)
    assert tuple(reg(x).shape) == (2, 2)
    assert clf.optimizer is not None and reg.optimizer is not None
    assert clf.count_params() == gru_param_count(3, 6) + 6 * 4 + 4
    assert reg.count_params() == lstm_param_count(3, 6, peepholes=True) + 6 * 2 + 2


@pytest.mark.slow
def test_a_learnable_tiny_task_beats_chance():
    build = functools.partial(
        build_recurrent_classifier, "lstm", 8, n_features=2, n_classes=2, learning_rate=0.05
    )
    result = SeededTrainer(build).run(_tiny_data(), seed=0, epochs=8, batch_size=32)
    assert isinstance(result, RunResult)
    assert result.metrics["accuracy"] > 0.9  # chance is 0.5
    assert (
        len(result.history["loss"]) == 8 and result.history["loss"][-1] < result.history["loss"][0]
    )
    assert len(result.epoch_seconds) == 8 and result.seconds_per_epoch > 0
    assert result.n_params == lstm_param_count(2, 8) + 8 * 2 + 2


@pytest.mark.slow
def test_compare_over_seeds_table_shape_and_statistics():
    builders = {
        kind: functools.partial(build_recurrent_classifier, kind, 3, n_features=2, n_classes=2)
        for kind in ("rnn", "gru")
    }
    summary, runs = compare_over_seeds(
        builders, _tiny_data(32, 16), seeds=(0, 1, 2), epochs=1, batch_size=16, return_runs=True
    )
    assert list(summary.index) == ["rnn", "gru"]
    assert list(runs["model"]) == ["rnn"] * 3 + ["gru"] * 3
    assert list(runs["seed"]) == [0, 1, 2] * 2
    for metric in ("loss", "accuracy", "seconds_per_epoch"):
        assert {f"{metric}_mean", f"{metric}_std"} <= set(summary.columns)
    assert (summary["seeds"] == 3).all()
    gru = runs[runs["model"] == "gru"]["accuracy"]
    assert summary.loc["gru", "accuracy_mean"] == pytest.approx(gru.mean())
    assert summary.loc["gru", "accuracy_std"] == pytest.approx(gru.std(ddof=1))
    assert summary.loc["rnn", "params"] == simple_rnn_param_count(2, 3) + 3 * 2 + 2
    assert isinstance(runs.loc[0, "history"], dict)


def test_summarize_runs_with_one_seed_gives_nan_std_and_checks_columns():
    runs = pd.DataFrame({"model": ["a"], "seed": [0], "params": [3], "loss": [0.5]})
    summary = summarize_runs(runs)
    assert summary.loc["a", "loss_mean"] == 0.5 and np.isnan(summary.loc["a", "loss_std"])
    with pytest.raises(ValueError, match="no column"):
        summarize_runs(runs, metrics=["accuracy"])


@pytest.mark.slow
def test_same_seed_same_numbers_whether_fresh_or_reused():
    # In a fresh process with setup_notebook's op determinism, as in the chapters. A
    # SeededTrainer reuses its traced model; each run must equal a run of a fresh trainer.
    code = """
        import functools
        from lstmbook.notebook import setup_notebook
        setup_notebook(seed=0)
        from lstmbook.data import adding_problem
        from lstmbook.chapters.experiments import SeededTrainer
        from lstmbook.keras_side.models import build_recurrent_regressor
        x, y = adding_problem(64, 6, seed=0)
        xt, yt = adding_problem(32, 6, seed=1)
        data = (x, y, xt, yt)
        build = functools.partial(build_recurrent_regressor, "peephole-current", 4, n_features=2)
        trainer = SeededTrainer(build)
        runs = [trainer.run(data, seed=s, epochs=2, batch_size=16) for s in (0, 1, 0)]
        runs.append(SeededTrainer(build).run(data, seed=1, epochs=2, batch_size=16))
        for r in runs:
            print(repr(r.metrics["loss"]), repr(r.history["loss"]))
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    seed0, seed1, seed0_again, seed1_fresh = result.stdout.strip().splitlines()
    assert seed0 == seed0_again
    assert seed1 == seed1_fresh
    assert seed0 != seed1


@pytest.mark.parametrize("kind", KINDS)
def test_scratch_layer_by_name_is_the_twin_of_the_keras_layer(kind):
    layer = scratch_recurrent_layer(kind, 3, 5, seed=0)
    assert layer.n_params == EXPECTED_COUNTS[kind](3, 5)
    keras_layer = recurrent_layer(kind, 5)
    keras_layer.build((None, None, 3))
    assert [w.shape for w in keras_layer.get_weights()] == [p.shape for p in layer.params.values()]


def test_scratch_factories_and_optimizers():
    clf = build_scratch_classifier("peephole-previous", 4, n_features=3, n_classes=5, seed=2)
    assert isinstance(clf, Sequential) and clf.loss_name == "sparse_categorical_crossentropy"
    assert clf.recurrent[0].output_peephole == "previous"
    assert clf.predict(np.zeros((2, 6, 3), dtype=np.float32)).shape == (2, 5)
    reg = build_scratch_regressor("gru", 4, n_features=3, n_outputs=2, clip_norm=1.0)
    assert reg.loss_name == "mse" and reg.clip_norm == 1.0
    momentum = make_scratch_optimizer(functools.partial(SGD, 0.1, momentum=0.9))
    assert isinstance(momentum, SGD) and momentum.momentum == 0.9
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_scratch_optimizer("adagrad")
    with pytest.raises(ValueError, match="optimizer must be a name"):
        make_scratch_optimizer(lambda: "adam")
    with pytest.raises(ValueError, match="kind must be one of"):
        scratch_recurrent_layer("lstm2", 3, 4)


def test_scratch_runs_are_seeded_and_beat_chance():
    build = functools.partial(
        build_scratch_classifier, "gru", 8, n_features=2, n_classes=2, learning_rate=0.05
    )
    data = _tiny_data()
    first = SeededTrainer(build).run(data, seed=3, epochs=8, batch_size=32)
    again = SeededTrainer(build).run(data, seed=3, epochs=8, batch_size=32)
    other = SeededTrainer(build).run(data, seed=4, epochs=8, batch_size=32)
    assert first.metrics == again.metrics and first.history == again.history
    assert first.metrics != other.metrics
    assert first.metrics["accuracy"] > 0.9  # chance is 0.5
    assert len(first.history["loss"]) == 8 and len(first.history["grad_norm"]) == 8 * 3
    assert first.n_params == gru_param_count(2, 8) + 8 * 2 + 2
    with pytest.raises(ValueError, match="Keras models only"):
        SeededTrainer(build).run(data, epochs=1, callbacks=[keras.callbacks.History()])


def test_compare_over_seeds_from_scratch():
    builders = {
        kind: functools.partial(build_scratch_regressor, kind, 3, n_features=2)
        for kind in ("lstm", "peephole-current")
    }
    data = (*adding_problem(32, 5, seed=0), *adding_problem(16, 5, seed=1))
    summary = compare_over_seeds(builders, data, seeds=(0, 1, 2), epochs=1)
    assert list(summary.index) == ["lstm", "peephole-current"]
    assert list(summary["params"]) == [
        lstm_param_count(2, 3) + 4,
        lstm_param_count(2, 3, peepholes=True) + 4,
    ]
    assert (summary["loss_std"] > 0).all()


def test_measure_adds_columns_from_each_trained_model():
    builders = {"lstm": functools.partial(build_scratch_regressor, "lstm", 3, n_features=2)}
    data = (*adding_problem(32, 5, seed=0), *adding_problem(16, 5, seed=1))
    x_extra, y_extra = adding_problem(16, 5, seed=2)

    def measure(model):
        weights = model.layers[0].params["W"]
        return {"extra_loss": model.evaluate(x_extra, y_extra), "W_max": np.abs(weights).max()}

    summary, runs = compare_over_seeds(
        builders, data, seeds=(0, 1), epochs=1, measure=measure, return_runs=True
    )
    assert {"extra_loss", "W_max"} <= set(runs.columns)
    assert "extra_loss_mean" in summary.columns and "W_max_std" in summary.columns
    plain = run_over_seeds(builders, data, seeds=(0, 1), epochs=1)
    assert np.allclose(plain["loss"], runs["loss"])  # measuring does not change the runs
    assert not np.allclose(runs["extra_loss"], runs["loss"])
    with pytest.raises(ValueError, match="measure must be a function"):
        run_over_seeds(builders, data, seeds=(0,), epochs=1, measure=3)


def test_mean_std_table_formats_text():
    runs = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "seed": [0, 1, 0, 1],
            "params": [3, 3, 5, 5],
            "loss": [0.1, 0.3, 0.01234, 0.01234],
        }
    )
    table = mean_std_table(summarize_runs(runs), {"loss": "MSE"}, labels={"a": "model A"})
    assert list(table.index) == ["model A", "b"] and list(table.columns) == ["params", "MSE"]
    assert table.loc["model A", "MSE"] == "0.2 ± 0.14"
    assert table.loc["b", "MSE"] == "0.0123 ± 0"
    with pytest.raises(ValueError, match="no mean"):
        mean_std_table(summarize_runs(runs), ["accuracy"])
