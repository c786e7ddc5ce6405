"""An LSTM cell diagram drawn with matplotlib patches, one highlighted path per
gate (Colah style).

Every label comes from :data:`CELL_SYMBOLS`, the same symbols as the book's
equations::

    i_t = sigma(...)   f_t = sigma(...)   g_t = tanh(...)   o_t = sigma(...)
    c_t = f_t * c_{t-1} + i_t * g_t        h_t = o_t * tanh(c_t)

(``*`` is the element-wise product ⊙.)

(``g_t`` is the candidate, also written ``c~_t``.)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .._checks import positive_int
from ..scratch.reference import OUTPUT_PEEPHOLES
from .style import PALETTE

CELL_SYMBOLS: dict[str, str] = {
    "x": r"$x_t$",
    "h_prev": r"$h_{t-1}$",
    "c_prev": r"$c_{t-1}$",
    "i": r"$i_t$",
    "f": r"$f_t$",
    "g": r"$g_t$",
    "g_alt": r"$\tilde{c}_t$",
    "o": r"$o_t$",
    "c": r"$c_t$",
    "h": r"$h_t$",
    "sigmoid": r"$\sigma$",
    "tanh": r"$\tanh$",
    "product": r"$\odot$",
    "sum": r"$+$",
}
"""Mathtext of every symbol in the diagram, shared with the other figures of
the book."""

HIGHLIGHTS: tuple[str | None, ...] = (
    None,
    "input",
    "forget",
    "output",
    "candidate",
    "cell",
    "hidden",
)
"""Accepted values of ``highlight`` in :func:`draw_lstm_cell`."""

"""Which cell state the output-gate peephole reads: ``c_t`` (Gers et al. 2002)
or ``c_{t-1}`` (the source article's equation), as in
``lstmbook.scratch.LSTM(output_peephole=...)``."""

_GATES = frozenset({"input", "forget", "output", "candidate"})

# Geometry (data units). The cell state runs along the top, the inputs along
# the bottom.
_C_Y, _BUS_Y, _GATE_Y, _MUL_Y = 5.3, 1.5, 2.5, 4.25
_BOX_W, _BOX_H, _NODE_R = 0.9, 0.7, 0.24
_X_JOIN, _X_F, _X_I, _X_G, _X_O, _X_OUT, _X_UP = (
    2.0,
    3.0,
    4.3,
    5.5,
    7.2,
    8.6,
    9.9,
)
_X_LEFT, _X_RIGHT, _TOP = 0.25, 11.75, 7.15
_PEEP_Y, _X_PEEP_PREV, _X_PEEP_CUR = 3.22, 1.85, 6.95
_LABEL_Y, _TANH_Y, _BRIDGE = 3.72, 4.35, 0.16


def _size_scale(
    ax: Axes, width: float, height: float, reference_inches: float = 8.0
) -> float:
    """Font and line scale: 1 when the drawing is ``reference_inches`` wide,
    less when smaller.

    With equal aspect, the drawing of ``width x height`` data units fills the
    axes box in one direction; its width in inches is the smaller of the box
    width and ``height * width / height`` of the box.
    """
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    inches = min(box.width * fig_w, box.height * fig_h * width / height)
    return float(min(1.0, max(0.45, inches / reference_inches)))


@dataclass(frozen=True)
class _Look:
    """Colours of one element: on the highlighted path, in the plain diagram,
    or greyed out."""

    line: str
    fill: str
    text: str
    width: float


class _Painter:
    """Draws primitives on ``ax``; each belongs to one or more paths (tags)
    that set its look."""

    def __init__(
        self, ax: Axes, highlight: str | None, width: float, height: float
    ) -> None:
        self.ax, self.highlight = ax, highlight
        self.scale = _size_scale(ax, width, height)

    def look(self, tags: Collection[str], fill: str) -> _Look:
        if self.highlight is None:
            return _Look("#333333", fill, "black", 1.6 * self.scale)
        if self.highlight in tags:
            return _Look(
                PALETTE["vermillion"], fill, "black", 3.0 * self.scale
            )
        return _Look("#C4C4C4", "#F2F2F2", "#A8A8A8", 1.3 * self.scale)

    def line(
        self,
        points: list[tuple[float, float]],
        tags: Collection[str],
        *,
        arrow: bool = False,
        dashed: bool = False,
        gid: str | None = None,
    ) -> None:
        look = self.look(tags, "none")
        style = (0, (4, 2.5)) if dashed else "-"
        xs, ys = zip(*points, strict=True)
        body = points[:-1] if arrow else points
        if len(body) >= 2:
            self.ax.plot(
                xs[: len(body)],
                ys[: len(body)],
                color=look.line,
                lw=look.width,
                ls=style,
                solid_capstyle="round",
                zorder=2,
                gid=gid,
            )
        if arrow:
            self.ax.add_patch(
                FancyArrowPatch(
                    points[-2],
                    points[-1],
                    arrowstyle="-|>",
                    mutation_scale=(11 + 2 * look.width / self.scale)
                    * self.scale,
                    color=look.line,
                    lw=look.width,
                    ls=style,
                    shrinkA=0,
                    shrinkB=0,
                    zorder=2,
                    gid=gid,
                )
            )

    def box(
        self,
        center: tuple[float, float],
        text: str,
        tags: Collection[str],
        gid: str,
    ) -> None:
        look = self.look(tags, PALETTE["yellow"])
        x, y = center
        self.ax.add_patch(
            FancyBboxPatch(
                (x - _BOX_W / 2, y - _BOX_H / 2),
                _BOX_W,
                _BOX_H,
                boxstyle="round,pad=0,rounding_size=0.12",
                facecolor=look.fill,
                edgecolor=look.line,
                lw=look.width,
                zorder=3,
                gid=gid,
            )
        )
        self.text(
            center,
            text,
            tags,
            size=13 if text == CELL_SYMBOLS["sigmoid"] else 11,
        )

    def node(
        self,
        center: tuple[float, float],
        kind: str,
        tags: Collection[str],
        gid: str,
    ) -> None:
        """A point-wise operation: ``product`` (a circle with a dot: ⊙) or
        ``sum`` (+)."""
        look = self.look(tags, "#F4D6E6")
        x, y = center
        self.ax.add_patch(
            Circle(
                center,
                _NODE_R,
                facecolor=look.fill,
                edgecolor=look.line,
                lw=look.width,
                zorder=3,
                gid=gid,
            )
        )
        if kind == "product":
            self.ax.add_patch(Circle(center, 0.055, color=look.line, zorder=4))
        else:
            arm = 0.13
            self.ax.plot(
                [x - arm, x + arm],
                [y, y],
                color=look.line,
                lw=look.width,
                zorder=4,
            )
            self.ax.plot(
                [x, x],
                [y - arm, y + arm],
                color=look.line,
                lw=look.width,
                zorder=4,
            )

    def pointwise_tanh(
        self, center: tuple[float, float], tags: Collection[str], gid: str
    ) -> None:
        look = self.look(tags, "#F4D6E6")
        x, y = center
        self.ax.add_patch(
            FancyBboxPatch(
                (x - 0.45, y - 0.22),
                0.9,
                0.44,
                boxstyle="round,pad=0,rounding_size=0.22",
                facecolor=look.fill,
                edgecolor=look.line,
                lw=look.width,
                zorder=3,
                gid=gid,
            )
        )
        self.text(center, CELL_SYMBOLS["tanh"], tags, size=11)

    def text(
        self,
        pos: tuple[float, float],
        text: str,
        tags: Collection[str],
        **kwargs: Any,
    ) -> None:
        kwargs["size"] = kwargs.get("size", 13) * self.scale
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        self.ax.text(
            *pos, text, color=self.look(tags, "none").text, zorder=5, **kwargs
        )


def draw_lstm_cell(
    ax: Axes | None = None,
    highlight: str | None = None,
    *,
    peepholes: bool = False,
    output_peephole: str = "current",
) -> Axes:
    """Draw one LSTM cell: the cell state along the top, the gates below it,
    inputs at the bottom.

    Args:
        ax: where to draw; a new ``8 x 5`` inch figure when None.
        highlight: one of :data:`HIGHLIGHTS`. ``"input"``, ``"forget"``,
            ``"output"`` or ``"candidate"`` draws that gate's path (from
            ``h_{t-1}`` and ``x_t`` to where its value is used) in a highlight
            colour; ``"cell"`` the cell-state update ``c_t = f_t ⊙ c_{t-1} +
            i_t ⊙ g_t``; ``"hidden"`` ``h_t = o_t ⊙ tanh(c_t)``. The rest is
            greyed out. None draws the whole cell in plain colours.
        peepholes: also draw the three diagonal peephole connections (dashed):
            ``c_{t-1}`` into the input and forget gates, and the cell state
            into the output gate.
        output_peephole: ``"current"`` (the output gate reads ``c_t``) or
            ``"previous"`` (it reads ``c_{t-1}``);
            see :data:`OUTPUT_PEEPHOLES`.

    Returns:
        The Axes (equal aspect, no frame). Patches carry ``gid`` names such as
        ``"gate_f"``, ``"node_sum"`` for tests and for styling.
    """
    if highlight not in HIGHLIGHTS:
        raise ValueError(
            f"highlight must be one of {HIGHLIGHTS}, got {highlight!r}"
        )
    if not isinstance(peepholes, bool):
        raise ValueError(f"peepholes must be True or False, got {peepholes!r}")
    if output_peephole not in OUTPUT_PEEPHOLES:
        raise ValueError(
            f"output_peephole must be one of {OUTPUT_PEEPHOLES}, got "
            f"{output_peephole!r}"
        )
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 5))
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 7.5)
    paint = _Painter(ax, highlight, 12, 7.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (1.35, 0.75),
            9.3,
            5.3,
            boxstyle="round,pad=0,rounding_size=0.35",
            facecolor="#F7F7F7",
            edgecolor="#BDBDBD",
            lw=1.2 * paint.scale,
            zorder=0,
            gid="cell_body",
        )
    )
    all_gates = _GATES
    half = _BOX_H / 2
    r = _NODE_R

    # Inputs h_{t-1} and x_t join and feed every gate along the bus.
    paint.line(
        [(_X_LEFT, _BUS_Y), (_X_JOIN, _BUS_Y)], all_gates, gid="in_h_prev"
    )
    paint.line([(_X_JOIN, 0.12), (_X_JOIN, _BUS_Y)], all_gates, gid="in_x")
    ax.add_patch(
        Circle(
            (_X_JOIN, _BUS_Y),
            0.06,
            color=paint.look(all_gates, "none").line,
            zorder=3,
        )
    )
    paint.text(
        (_X_LEFT, _BUS_Y + 0.32), CELL_SYMBOLS["h_prev"], all_gates, ha="left"
    )
    paint.text((_X_JOIN + 0.18, 0.3), CELL_SYMBOLS["x"], all_gates, ha="left")
    paint.line([(_X_JOIN, _BUS_Y), (_X_F, _BUS_Y)], all_gates)
    paint.line(
        [(_X_F, _BUS_Y), (_X_I, _BUS_Y)], {"input", "candidate", "output"}
    )
    paint.line([(_X_I, _BUS_Y), (_X_G, _BUS_Y)], {"candidate", "output"})
    paint.line([(_X_G, _BUS_Y), (_X_O, _BUS_Y)], {"output"})

    # The four gates: sigma / tanh boxes fed from the bus.
    gates = (
        ("forget", "f", _X_F, "sigmoid"),
        ("input", "i", _X_I, "sigmoid"),
        ("candidate", "g", _X_G, "tanh"),
        ("output", "o", _X_O, "sigmoid"),
    )
    for name, key, x, activation in gates:
        paint.line([(x, _BUS_Y), (x, _GATE_Y - half)], {name}, arrow=True)
        paint.box(
            (x, _GATE_Y), CELL_SYMBOLS[activation], {name}, gid=f"gate_{key}"
        )

    # The cell state: c_{t-1} -> (x f_t) -> (+ i_t x g_t) -> c_t.
    cell = {"cell"}
    paint.line(
        [(_X_LEFT, _C_Y), (_X_F - r, _C_Y)],
        cell | {"forget"},
        arrow=True,
        gid="c_prev",
    )
    paint.node(
        (_X_F, _C_Y), "product", cell | {"forget"}, gid="node_forget_product"
    )
    paint.line([(_X_F + r, _C_Y), (_X_G - r, _C_Y)], cell, arrow=True)
    paint.node(
        (_X_G, _C_Y), "sum", cell | {"input", "candidate"}, gid="node_sum"
    )
    paint.line([(_X_G + r, _C_Y), (_X_OUT, _C_Y)], cell | {"hidden"})
    paint.line(
        [(_X_OUT, _C_Y), (_X_RIGHT, _C_Y)], cell, arrow=True, gid="c_out"
    )
    paint.text(
        (_X_LEFT, _C_Y + 0.32),
        CELL_SYMBOLS["c_prev"],
        cell | {"forget"},
        ha="left",
    )
    paint.text((_X_RIGHT, _C_Y + 0.32), CELL_SYMBOLS["c"], cell, ha="right")

    # Gate outputs.
    top = _GATE_Y + half
    paint.line([(_X_F, top), (_X_F, _C_Y - r)], {"forget"}, arrow=True)
    paint.text(
        (_X_F + 0.12, _LABEL_Y), CELL_SYMBOLS["f"], {"forget"}, ha="left"
    )
    paint.line(
        [(_X_I, top), (_X_I, _MUL_Y), (_X_G - r, _MUL_Y)],
        {"input"},
        arrow=True,
    )
    paint.text(
        (_X_I + 0.12, _LABEL_Y), CELL_SYMBOLS["i"], {"input"}, ha="left"
    )
    paint.line([(_X_G, top), (_X_G, _MUL_Y - r)], {"candidate"}, arrow=True)
    paint.text(
        (_X_G + 0.12, _LABEL_Y),
        f"{CELL_SYMBOLS['g']} ({CELL_SYMBOLS['g_alt']})",
        {"candidate"},
        ha="left",
        size=12,
    )
    paint.node(
        (_X_G, _MUL_Y),
        "product",
        {"input", "candidate"},
        gid="node_input_product",
    )
    paint.line(
        [(_X_G, _MUL_Y + r), (_X_G, _C_Y - r)],
        {"input", "candidate", "cell"},
        arrow=True,
    )

    # h_t = o_t * tanh(c_t), sent right (next step) and up (output).
    paint.line(
        [(_X_O + _BOX_W / 2, _GATE_Y), (_X_OUT - r, _GATE_Y)],
        {"output", "hidden"},
        arrow=True,
    )
    paint.text(
        ((_X_O + _X_OUT) / 2 + 0.05, _GATE_Y + 0.3),
        CELL_SYMBOLS["o"],
        {"output", "hidden"},
    )
    paint.line(
        [(_X_OUT, _C_Y), (_X_OUT, _TANH_Y + 0.22)], {"hidden"}, arrow=True
    )
    paint.pointwise_tanh((_X_OUT, _TANH_Y), {"hidden"}, gid="pointwise_tanh")
    paint.line(
        [(_X_OUT, _TANH_Y - 0.22), (_X_OUT, _GATE_Y + r)],
        {"hidden"},
        arrow=True,
    )
    paint.node(
        (_X_OUT, _GATE_Y),
        "product",
        {"output", "hidden"},
        gid="node_output_product",
    )
    paint.line(
        [(_X_OUT, _GATE_Y - r), (_X_OUT, _BUS_Y), (_X_RIGHT, _BUS_Y)],
        {"hidden"},
        arrow=True,
        gid="h_out",
    )
    # h_t goes up under a bridge where it crosses the cell state.
    paint.line(
        [(_X_UP, _BUS_Y), (_X_UP, _C_Y - _BRIDGE)], {"hidden"}, gid="h_up"
    )
    paint.line(
        [(_X_UP, _C_Y + _BRIDGE), (_X_UP, _TOP)],
        {"hidden"},
        arrow=True,
        gid="h_up_out",
    )
    ax.add_patch(
        Circle(
            (_X_UP, _BUS_Y),
            0.06,
            color=paint.look({"hidden"}, "none").line,
            zorder=3,
        )
    )
    paint.text(
        (_X_RIGHT, _BUS_Y + 0.32), CELL_SYMBOLS["h"], {"hidden"}, ha="right"
    )
    paint.text(
        (_X_UP + 0.15, _TOP - 0.2), CELL_SYMBOLS["h"], {"hidden"}, ha="left"
    )

    if peepholes:
        _draw_peepholes(paint, output_peephole)
    return ax


def _draw_peepholes(paint: _Painter, output_peephole: str) -> None:
    """Dashed peephole taps: c_{t-1} into f and i; c_t (or c_{t-1}) into o."""
    top = _GATE_Y + _BOX_H / 2
    x_f_in, x_i_in, x_o_in = _X_F - 0.3, _X_I - 0.3, _X_O - 0.25
    prev_tags = {"forget", "input"} | (
        {"output"} if output_peephole == "previous" else set()
    )
    end = x_o_in if output_peephole == "previous" else x_i_in
    paint.line(
        [(_X_PEEP_PREV, _C_Y), (_X_PEEP_PREV, _PEEP_Y), (end, _PEEP_Y)],
        prev_tags,
        dashed=True,
        gid="peephole_c_prev",
    )
    paint.line(
        [(x_f_in, _PEEP_Y), (x_f_in, top)],
        {"forget"},
        arrow=True,
        dashed=True,
        gid="peephole_f",
    )
    paint.line(
        [(x_i_in, _PEEP_Y), (x_i_in, top)],
        {"input"},
        arrow=True,
        dashed=True,
        gid="peephole_i",
    )
    if output_peephole == "previous":
        paint.line(
            [(x_o_in, _PEEP_Y), (x_o_in, top)],
            {"output"},
            arrow=True,
            dashed=True,
            gid="peephole_o",
        )
    else:
        paint.line(
            [(_X_PEEP_CUR, _C_Y), (_X_PEEP_CUR, top)],
            {"output"},
            arrow=True,
            dashed=True,
            gid="peephole_o",
        )
    paint.text(
        (_X_PEEP_PREV - 0.12, (_C_Y + _PEEP_Y) / 2),
        "peephole",
        {"forget", "input"},
        ha="right",
        size=9,
        rotation=90,
    )


PATH_TITLES: dict[str, str] = {
    "forget": f"forget gate {CELL_SYMBOLS['f']}",
    "input": f"input gate {CELL_SYMBOLS['i']}",
    "candidate": f"candidate {CELL_SYMBOLS['g']}",
    "cell": f"cell state {CELL_SYMBOLS['c']}",
    "output": f"output gate {CELL_SYMBOLS['o']}",
    "hidden": f"hidden state {CELL_SYMBOLS['h']}",
}
"""Panel titles used by :func:`plot_cell_paths`."""


def plot_cell_paths(
    highlights: tuple[str, ...] = (
        "forget",
        "input",
        "candidate",
        "cell",
        "output",
        "hidden",
    ),
    ncols: int = 2,
    *,
    peepholes: bool = False,
    output_peephole: str = "current",
) -> tuple[Figure, np.ndarray]:
    """One :func:`draw_lstm_cell` panel per highlighted path, in a grid, titled
    by the path.

    Args:
        highlights: paths to show, each one of :data:`HIGHLIGHTS` except None.
        ncols: panels per row (>= 1).
        peepholes, output_peephole: passed to :func:`draw_lstm_cell`.

    Returns:
        The Figure and a 1-D array of its Axes, one per entry of
        ``highlights``.
    """
    import matplotlib.pyplot as plt

    if isinstance(highlights, str) or len(highlights) == 0:
        raise ValueError(
            "highlights must be a non-empty tuple of path names, got "
            f"{highlights!r}"
        )
    unknown = [h for h in highlights if h not in PATH_TITLES]
    if unknown:
        raise ValueError(
            f"unknown paths {unknown}; expected some of {tuple(PATH_TITLES)}"
        )
    ncols = positive_int("ncols", ncols)
    ncols = min(ncols, len(highlights))
    nrows = -(-len(highlights) // ncols)
    fig, grid = plt.subplots(
        nrows, ncols, figsize=(6.4 * ncols, 4.2 * nrows), squeeze=False
    )
    fig.subplots_adjust(
        left=0.01, right=0.99, bottom=0.01, top=0.94, wspace=0.04, hspace=0.12
    )
    axes = grid.ravel()
    for ax, name in zip(axes, highlights, strict=False):
        draw_lstm_cell(
            ax, name, peepholes=peepholes, output_peephole=output_peephole
        )
        ax.set_title(PATH_TITLES[name])
    for ax in axes[len(highlights) :]:
        ax.remove()
    return fig, axes[: len(highlights)]
