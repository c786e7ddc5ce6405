"""lstmbook.keras_side.registry: one name, the same cell on both sides."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from lstmbook.keras_side.bridge import copy_to_keras  # noqa: E402
from lstmbook.keras_side.registry import CELL_KINDS, KINDS, cell_kind, kind_of  # noqa: E402
from lstmbook.scratch import Dense  # noqa: E402


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_the_same_cell_on_both_sides(kind):
    entry = cell_kind(kind)
    layer = entry.numpy_layer(3, 4, seed=1)
    assert kind_of(layer) == kind
    twin = entry.keras_layer(4, return_sequences=True)
    twin.build((None, 5, 3))
    assert twin.count_params() == layer.n_params
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    copy_to_keras(layer, twin)
    np.testing.assert_allclose(np.asarray(twin(x)), layer.forward(x)[0], atol=1e-5)


def test_unknown_kinds_and_layers_are_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        cell_kind("transformer")
    with pytest.raises(ValueError, match="LSTM, GRU or SimpleRNN"):
        kind_of(Dense(2, 2))
    assert tuple(CELL_KINDS) == KINDS
