"""Charts for experiments: gate heatmaps, learning curves (one run or mean ±
std over seeds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .cell_diagram import CELL_SYMBOLS
from .style import GATE_CMAP, GREY, PALETTE, SIGNED_CMAP

GATE_KEYS: tuple[str, ...] = ("i", "f", "o")
"""Sigmoid gates: values in (0, 1), drawn on one shared colour scale."""

TRACE_NAMES: dict[str, str] = {
    "i": "input gate",
    "f": "forget gate",
    "o": "output gate",
    "g": "candidate",
    "c": "cell state",
    "h": "hidden state",
}
"""What each trace key means; the symbols come from :data:`CELL_SYMBOLS`."""


def add_markers(
    ax: Axes,
    positions: Sequence[float],
    label: str | None = None,
    *,
    width: float | None = None,
) -> None:
    """Mark x positions (e.g. marked time steps) in a way visible on any colour
    map.

    Without ``width``: dashed vertical lines. With ``width`` (e.g. 1 for a
    heatmap column): an outlined band ``[p - width / 2, p + width / 2]`` that
    frames the column without hiding it.
    """
    import matplotlib.patheffects as path_effects

    halo = [path_effects.withStroke(linewidth=2.8, foreground="white")]
    for k, position in enumerate(positions):
        legend_label = label if k == 0 else None
        if width is None:
            ax.axvline(
                position,
                color="black",
                ls=(0, (3, 2)),
                lw=1.2,
                label=legend_label,
                path_effects=halo,
            )
        else:
            ax.axvspan(
                position - width / 2,
                position + width / 2,
                fill=False,
                edgecolor="black",
                lw=1.2,
                label=legend_label,
                path_effects=halo,
            )


def add_baseline(ax: Axes, value: float, label: str = "baseline") -> None:
    """A grey dashed horizontal line at ``value``, labelled for the legend."""
    ax.axhline(value, color=GREY, ls="--", lw=1.4, label=label, zorder=1)


def _trace_label(key: str) -> str:
    symbol = CELL_SYMBOLS.get(key, key)
    name = TRACE_NAMES.get(key)
    return f"{symbol}\n{name}" if name else symbol


def plot_gate_heatmaps(
    trace: Mapping[str, Any],
    keys: Sequence[str] = ("i", "f", "o", "c"),
    markers: Sequence[int] | None = None,
    *,
    title: str | None = None,
) -> tuple[Figure, np.ndarray]:
    """Heatmaps of gate activations and states of one sequence: time on x,
    units on y.

    The sigmoid gates (:data:`GATE_KEYS`: ``i``, ``f``, ``o``) share one colour
    scale from 0 to 1 (:data:`GATE_CMAP`), so their panels can be compared
    directly; every other key (``c``, ``g``, ``h``) gets a diverging scale
    (:data:`SIGNED_CMAP`) symmetric about 0, from ``[-1, 1]`` for ``g`` and
    ``h`` (tanh outputs) and from its largest absolute value for ``c``.

    Args:
        trace: maps a key to a ``(time, units)`` array for one sequence (take
            ``[0]`` of a batched ``(batch, time, units)`` trace).
        keys: which traces to show, one panel each, top to bottom.
        markers: time steps to frame on every panel (e.g. the adding problem's
            marked steps).
        title: figure title.

    Returns:
        The Figure and a 1-D array of the panel Axes (one per key).
    """
    import matplotlib.pyplot as plt

    if not isinstance(trace, Mapping):
        raise ValueError(
            "trace must be a dict of (time, units) arrays, got "
            f"{type(trace).__name__}"
        )
    if isinstance(keys, str) or len(keys) == 0:
        raise ValueError(
            f"keys must be a non-empty sequence of trace keys, got {keys!r}"
        )
    missing = [k for k in keys if k not in trace]
    if missing:
        raise ValueError(
            f"keys {missing} are not in the trace, which has {sorted(trace)}"
        )
    arrays = {}
    for key in keys:
        array = np.asarray(trace[key])
        if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
            raise ValueError(
                f"trace[{key!r}] must be a numeric (time, units) array, got "
                f"{array.dtype} with "
                f"shape {array.shape}; for a batch, pass trace[{key!r}][0]"
            )
        arrays[key] = array.astype(np.float64)
    lengths = {key: a.shape[0] for key, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "all traces must have the same number of time steps, got "
            f"{lengths}"
        )
    n_steps = next(iter(lengths.values()))
    marks = [] if markers is None else [int(m) for m in markers]
    if any(not 0 <= m < n_steps for m in marks):
        raise ValueError(
            f"markers must be time steps in [0, {n_steps}), got {marks}"
        )

    units = max(a.shape[1] for a in arrays.values())
    panel_height = float(np.clip(0.12 * units, 0.9, 2.4))
    fig, axes = plt.subplots(
        len(keys),
        1,
        figsize=(8, 0.7 + panel_height * len(keys)),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )  # fmt: skip
    axes = axes[:, 0]
    gate_axes, gate_image = [], None
    for ax, key in zip(axes, keys, strict=True):
        values = arrays[key].T
        if key in GATE_KEYS:
            vmin, vmax, cmap = 0.0, 1.0, GATE_CMAP
        else:
            bound = (
                1.0
                if key in ("g", "h")
                else max(float(np.nanmax(np.abs(values))), 1e-12)
            )
            vmin, vmax, cmap = -bound, bound, SIGNED_CMAP
        image = ax.imshow(
            values,
            aspect="auto",
            origin="lower",
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            interpolation="nearest",
            extent=(-0.5, n_steps - 0.5, -0.5, values.shape[0] - 0.5),
        )  # fmt: skip
        ax.set_ylabel(_trace_label(key))
        ax.grid(False)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if key in GATE_KEYS:
            gate_axes.append(ax)
            gate_image = image
        else:
            fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
        add_markers(ax, marks, width=1.0)
    if gate_image is not None:
        colorbar = fig.colorbar(
            gate_image, ax=gate_axes, pad=0.01, fraction=0.04
        )
        colorbar.set_label("gate value")
    axes[-1].set_xlabel("time step $t$")
    fig.supylabel("unit", fontsize=10)
    if title:
        fig.suptitle(title)
    return fig, axes


def _as_runs(name: str, values: Any) -> np.ndarray:
    """One curve as ``(runs, points)`` float64: a list gives one run, a 2-D
    array several."""
    array = (
        np.asarray(values, dtype=np.float64)
        if not isinstance(values, np.ndarray)
        else values
    )
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"curve {name!r} must be numeric, got dtype {array.dtype}"
        )
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(
            f"curve {name!r} must be a list of values or a (runs, points) "
            f"array, got shape {array.shape}"
        )
    return array.astype(np.float64)


def plot_curves(
    curves: Mapping[str, Any],
    x: Sequence[float] | None = None,
    ax: Axes | None = None,
    *,
    logx: bool = False,
    logy: bool = False,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    xlabel: str = "x",
    ylabel: str = "y",
    title: str | None = None,
) -> tuple[Figure, Axes]:
    """Plot named curves on one Axes; a curve given over several runs shows
    mean ± std.

    Args:
        curves: maps a legend label to a list of ``points`` values (one run) or
            a ``(runs, points)`` array (e.g. seeds): drawn as the mean with a
            band of ± one standard deviation, the legend saying over how many
            runs.
        x: the x values, length ``points`` (default ``0 .. points - 1``); with
            several curves of different lengths, each uses the first ``points``
            values of ``x``.
        ax: where to draw; a new Figure when None.
        logx, logy: logarithmic axes (e.g. a gradient norm against the time
            lag).
        baseline: draw a grey dashed horizontal reference line at this value.
        baseline_label: its legend entry.
        xlabel, ylabel, title: axis labels and title (a figure must always say
            what is plotted).

    Returns:
        The Figure and the Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, Mapping) or len(curves) == 0:
        raise ValueError(
            "curves must be a non-empty dict of name -> values, got "
            f"{curves!r}"
        )
    runs = {name: _as_runs(name, values) for name, values in curves.items()}
    longest = max(r.shape[1] for r in runs.values())
    xs = (
        np.arange(longest, dtype=np.float64)
        if x is None
        else np.asarray(x, dtype=np.float64)
    )
    if xs.ndim != 1 or xs.size < longest:
        raise ValueError(
            f"x must be 1-D with at least {longest} values, got shape "
            f"{xs.shape}"
        )
    if ax is None:
        fig, ax = plt.subplots(layout="constrained")
    else:
        fig = ax.figure
    colors = list(PALETTE.values())
    for k, (name, values) in enumerate(runs.items()):
        color = colors[k % len(colors)]
        points = xs[: values.shape[1]]
        mean = values.mean(axis=0)
        if values.shape[0] > 1:
            std = values.std(axis=0)
            ax.plot(
                points,
                mean,
                color=color,
                label=f"{name} (mean ± std, {values.shape[0]} runs)",
            )
            low = mean - std
            if logy:
                low = np.where(low > 0, low, np.nan)
            ax.fill_between(
                points, low, mean + std, color=color, alpha=0.2, lw=0
            )
        else:
            ax.plot(points, mean, color=color, label=name)
    if baseline is not None:
        add_baseline(ax, baseline, baseline_label)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return fig, ax


def plot_learning_curves(
    histories: Mapping[str, Any],
    ax: Axes | None = None,
    *,
    logy: bool = False,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    ylabel: str = "loss",
    title: str | None = None,
) -> tuple[Figure, Axes]:
    """Loss (or metric) per epoch, epochs counted from 1;
    see :func:`plot_curves`.

    ``histories`` maps a label to a list of per-epoch values (e.g. ``{"train":
    h.history["loss"], "validation": h.history["val_loss"]}`` from Keras) or to
    a ``(seeds, epochs)`` array, shown as mean ± std.
    """
    if not isinstance(histories, Mapping) or len(histories) == 0:
        raise ValueError(
            "histories must be a non-empty dict of name -> values, got "
            f"{histories!r}"
        )
    longest = max(_as_runs(name, v).shape[1] for name, v in histories.items())
    return plot_curves(
        histories,
        x=np.arange(1, longest + 1),
        ax=ax,
        logy=logy,
        baseline=baseline,
        baseline_label=baseline_label,
        xlabel="epoch",
        ylabel=ylabel,
        title=title,
    )
