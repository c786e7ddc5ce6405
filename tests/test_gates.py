"""lstmbook.chapters.gates: the adding-problem model of Part 2 and gates made into switches."""

import numpy as np
import pytest

from lstmbook.chapters.gates import (
    GATE_BLOCKS,
    fit_adding_problem,
    with_switch_gates,
)
from lstmbook.scratch import GRU, LSTM, SimpleRNN


@pytest.mark.parametrize("peepholes", [False, True])
def test_switch_gates_are_zero_or_one_and_touch_only_their_block(peepholes):
    rng = np.random.default_rng(0)
    layer = LSTM(3, 4, peepholes=peepholes, seed=1)
    for value in layer.params.values():
        value[...] = rng.normal(0, 0.5, size=value.shape)
    x = rng.normal(size=(5, 7, 3))
    switched = with_switch_gates(layer, "fo")
    with np.errstate(over="ignore"):
        _, cache = switched.forward(x)
    trace = cache.trace()
    for gate in "fo":
        values = trace[gate]
        assert np.all(np.minimum(values, 1 - values) < 1e-12), gate
    assert not np.all(np.minimum(trace["i"], 1 - trace["i"]) < 1e-3)  # the input gate is not
    H = layer.hidden_size
    for gate, k in GATE_BLOCKS.items():
        block = slice(k * H, (k + 1) * H)
        factor = 1e6 if gate in "fo" else 1.0
        for name in ("W", "U", "b"):
            np.testing.assert_array_equal(
                switched.params[name][..., block],
                layer.params[name][..., block].astype(np.float64) * factor,
            )
    assert switched.params["W"].dtype == np.float64
    assert not np.shares_memory(switched.params["W"], layer.params["W"])


def test_switch_gates_rejects_bad_arguments():
    with pytest.raises(ValueError, match="gates must be letters"):
        with_switch_gates(LSTM(2, 2), "g")
    with pytest.raises(ValueError, match="gates must be letters"):
        with_switch_gates(LSTM(2, 2), "")
    with pytest.raises(ValueError, match="must be a lstmbook.scratch LSTM"):
        with_switch_gates(GRU(2, 2), "f")


@pytest.mark.slow
def test_fit_adding_problem_is_seeded_and_returns_the_validation_data():
    runs = [
        fit_adding_problem("lstm", hidden=3, T=6, n_train=64, n_val=16, epochs=2, seed=4)
        for _ in range(2)
    ]
    (model, history, (x_val, y_val)), (_, again, _) = runs
    assert history["val_loss"] == again["val_loss"]
    assert len(history["loss"]) == len(history["val_loss"]) == 2
    assert x_val.shape == (16, 6, 2) and y_val.shape == (16, 1)
    assert model.evaluate(x_val, y_val) == pytest.approx(history["val_loss"][-1])
    rnn, _, _ = fit_adding_problem("rnn", hidden=2, T=4, n_train=8, n_val=4, epochs=1)
    assert isinstance(rnn.recurrent[0], SimpleRNN)
    with pytest.raises(ValueError, match="kind must be one of"):
        fit_adding_problem("transformer")
