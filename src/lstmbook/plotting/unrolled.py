"""The folded recurrent cell next to its unrolled chain: the same weights at
every time step."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .cell_diagram import _size_scale
from .style import PALETTE

_STATE_NAMES = ("h", "c")
_BOX_W, _BOX_H, _Y = 1.0, 0.9, 2.0
_X_FOLDED, _X_EQUALS, _X_FIRST, _STEP = 1.1, 2.75, 4.2, 2.0


def draw_unrolled_rnn(
    ax: Axes | None = None,
    steps: int = 4,
    *,
    cell_label: str = "A",
    state: Sequence[str] = ("h",),
) -> Axes:
    """Draw a recurrent cell with its loop, ``=``, and the same cell unrolled
    over ``steps`` steps.

    Step ``t`` (1-based) reads ``x_t`` from below and emits ``h_t`` upwards;
    the state arrows between neighbouring copies carry ``h_t`` (and ``c_t`` for
    an LSTM, ``state=("h", "c")``), starting from ``h_0`` (and ``c_0``).

    Args:
        ax: where to draw; a new figure sized to the chain when None.
        steps: number of unrolled copies, 1 to 8.
        cell_label: text inside each cell box (e.g. ``"A"``, ``"RNN"``,
            ``"LSTM"``).
        state: the recurrent state names, ``("h",)`` or ``("h", "c")``.

    Returns:
        The Axes (equal aspect, no frame). Cell boxes have ``gid``
        ``"cell_folded"`` and ``"cell_1"`` ... ``"cell_{steps}"``.
    """
    if (
        isinstance(steps, bool)
        or not isinstance(steps, int)
        or not 1 <= steps <= 8
    ):
        raise ValueError(
            f"steps must be an integer from 1 to 8, got {steps!r}"
        )
    state = tuple(state)
    if state not in (("h",), ("h", "c")):
        raise ValueError(f"state must be ('h',) or ('h', 'c'), got {state!r}")
    if not isinstance(cell_label, str):
        raise ValueError(
            f"cell_label must be a str, got {type(cell_label).__name__}"
        )
    width = _X_FIRST + _STEP * (steps - 1) + 0.9
    height = 4.0
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(1.25 * width, 1.25 * height))
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    scale = _size_scale(ax, width, height, reference_inches=1.25 * 9.0)
    lw, font = 1.6 * scale, 13 * scale

    def arrow(
        start: tuple[float, float],
        end: tuple[float, float],
        color: str = "#333333",
        **kw,
    ) -> None:
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=14 * scale,
                color=color,
                lw=lw,
                shrinkA=0, shrinkB=0, zorder=2, **kw,
            )
        )  # fmt: skip

    def label(x: float, y: float, text: str, **kw) -> None:
        kw.setdefault("ha", "center")
        kw.setdefault("va", "center")
        kw.setdefault("size", font)
        ax.text(x, y, text, zorder=4, **kw)

    def cell(x: float, gid: str) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x - _BOX_W / 2, _Y - _BOX_H / 2), _BOX_W, _BOX_H,
                boxstyle="round,pad=0,rounding_size=0.12",
                facecolor=PALETTE["bluish_green"],
                edgecolor="#333333", lw=lw, zorder=3, gid=gid,
            )
        )  # fmt: skip
        label(
            x,
            _Y,
            cell_label,
            color="white",
            weight="bold",
            size=font * (1 if len(cell_label) < 4 else 0.8),
        )
        arrow((x, 0.55), (x, _Y - _BOX_H / 2))
        arrow((x, _Y + _BOX_H / 2), (x, 3.45))

    # Folded: one cell with a loop feeding its state back to itself.
    cell(_X_FOLDED, "cell_folded")
    label(_X_FOLDED, 0.3, r"$x_t$")
    label(_X_FOLDED, 3.7, r"$h_t$")
    right = _X_FOLDED + _BOX_W / 2
    arrow(
        (right, _Y + 0.2),
        (right, _Y - 0.2),
        connectionstyle=(
            f"arc,angleA=0,angleB=0,armA={30 * scale},armB={30 * scale},"
            f"rad={8 * scale}"
        ),
    )
    label(
        right + 0.45,
        _Y,
        ", ".join(rf"${name}$" for name in state),
        ha="left",
        size=font * 0.85,
    )
    label(_X_EQUALS, _Y, "=", size=font * 1.6)

    # Unrolled: the same cell once per time step.
    offsets = {"h": 0.0} if len(state) == 1 else {"c": 0.2, "h": -0.2}
    for step in range(1, steps + 1):
        x = _X_FIRST + _STEP * (step - 1)
        cell(x, f"cell_{step}")
        label(x, 0.3, rf"$x_{{{step}}}$")
        label(x, 3.7, rf"$h_{{{step}}}$")
        for name, dy in offsets.items():
            start = x - _STEP + _BOX_W / 2 if step > 1 else x - 0.95
            arrow((start, _Y + dy), (x - _BOX_W / 2, _Y + dy))
            if step == 1:
                label(
                    start - 0.05,
                    _Y + dy,
                    rf"${name}_0$",
                    ha="right",
                    size=font * 0.85,
                )
            else:
                va, ty = ("bottom", 0.04) if dy >= 0 else ("top", -0.04)
                label(
                    (start + x - _BOX_W / 2) / 2,
                    _Y + dy + ty,
                    rf"${name}_{{{step - 1}}}$",
                    va=va,
                    size=font * 0.75,
                )
    return ax
