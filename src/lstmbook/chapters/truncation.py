"""Serves algorithm/03 (training in practice): the truncation-window
experiments.

- :func:`marked_recall_task`: remember the symbol at a marked step until the
  end, a dependency of known length (the lag), to compare with the truncation
  window;
- :func:`window_sweep`: one fresh model per (window, seed), trained with
  :func:`lstmbook.scratch.tbptt.fit_tbptt`, summarised as a table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from lstmbook._checks import positive_int
from lstmbook.scratch import Sequential
from lstmbook.scratch.tbptt import accuracy, fit_tbptt

__all__ = ["marked_recall_task", "window_sweep"]


def window_sweep(
    build_model: Callable[[int], Sequential],
    train: tuple[object, object],
    validation: tuple[object, object],
    windows: Sequence[int | None],
    seeds: Sequence[int],
    *,
    epochs: int,
    batch_size: int = 32,
    update_each_window: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train one fresh model per (window, seed) and report how well it learned.

    Args:
        build_model: ``seed -> Sequential``, a fresh model whose weights depend
            on ``seed``.
        train, validation: ``(x, y)`` pairs; classification (integer labels) is
            assumed for the accuracy column.
        windows: truncation windows; ``None`` means full BPTT.
        seeds: one run per seed and window (the seed also shuffles the
            batches).
        epochs, batch_size, update_each_window: as in :func:`fit_tbptt`.

    Returns:
        Two DataFrames. The summary has one row per run and the columns
        ``window`` (``None`` becomes the sequence length), ``full`` (whether
        the run used full BPTT), ``seed``, ``train_loss`` (last epoch),
        ``val_loss`` and ``val_accuracy`` (at the end of training). The curves
        have one row per run and epoch: ``window``, ``full``, ``seed``,
        ``epoch`` (from 1), ``loss`` and ``val_loss``.
    """
    x, y = train
    steps = np.shape(x)[1]
    rows, curves = [], []
    for window in windows:
        for seed in seeds:
            model = build_model(seed)
            history = fit_tbptt(
                model,
                x,
                y,
                window,
                epochs=epochs,
                batch_size=batch_size,
                validation_data=validation,
                update_each_window=update_each_window,
                seed=seed,
            )
            run = {
                "window": steps if window is None else int(window),
                "full": window is None,
                "seed": int(seed),
            }
            rows.append(
                {
                    **run,
                    "train_loss": history["loss"][-1],
                    "val_loss": history["val_loss"][-1],
                    "val_accuracy": accuracy(model, *validation),
                }
            )
            for epoch, (loss, val_loss) in enumerate(
                zip(history["loss"], history["val_loss"], strict=True), start=1
            ):
                curves.append(
                    {**run, "epoch": epoch, "loss": loss, "val_loss": val_loss}
                )
    return pd.DataFrame(rows), pd.DataFrame(curves)


def marked_recall_task(
    n: int,
    T: int,
    lag: int | tuple[int, int],
    n_symbols: int = 4,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remember the symbol at a marked step until the end: a dependency of
    known length.

    Every step shows a random symbol (one-hot); a marker channel is 1 at
    exactly one step ``p``. The label, read after the last step, is the symbol
    at ``p``. The *lag* ``T - 1 - p`` is how far back the network must reach; a
    truncation window ``k`` covers the marked step iff ``lag < k`` (for ``T`` a
    multiple of ``k``). Chance accuracy is ``1 / n_symbols``.

    Args:
        n: number of sequences (>= 1).
        T: sequence length (>= 2).
        lag: a fixed lag, or ``(low, high)`` for lags drawn uniformly from
            ``low .. high`` (inclusive); ``0 <= low <= high <= T - 1``.
        n_symbols: alphabet size (>= 2).
        seed: seed (or generator) for ``numpy.random.default_rng``.

    Returns:
        ``(x, y, lags)``: ``x`` ``(n, T, n_symbols + 1)`` float32, the one-hot
        symbols then the marker channel; ``y`` ``(n,)`` int64, the marked
        symbol; ``lags`` ``(n,)`` int64, each sequence's lag.
    """
    n = positive_int("n", n)
    T = positive_int("T", T)
    n_symbols = positive_int("n_symbols", n_symbols)
    if T < 2 or n_symbols < 2:
        raise ValueError(
            f"T and n_symbols must be >= 2, got T={T}, n_symbols={n_symbols}"
        )
    low, high = (lag, lag) if np.ndim(lag) == 0 else tuple(lag)
    if not (
        isinstance(low, (int, np.integer))
        and isinstance(high, (int, np.integer))
        and 0 <= low <= high <= T - 1
    ):
        raise ValueError(
            "lag must be an int or a pair (low, high) with 0 <= low <= high "
            f"<= T - 1 = {T - 1}, "
            f"got {lag!r}"
        )
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, n_symbols, size=(n, T))
    lags = rng.integers(low, high + 1, size=n)
    marked = T - 1 - lags
    x = np.zeros((n, T, n_symbols + 1), dtype=np.float32)
    x[..., :n_symbols] = np.eye(n_symbols, dtype=np.float32)[symbols]
    x[np.arange(n), marked, n_symbols] = 1.0
    y = symbols[np.arange(n), marked].astype(np.int64)
    return x, y, lags.astype(np.int64)
