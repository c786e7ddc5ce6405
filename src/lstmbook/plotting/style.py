"""The book's one figure style: Okabe-Ito colours, readable fonts, retina PNGs
of modest size."""

from __future__ import annotations

from typing import Any

PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""The Okabe-Ito palette (Okabe & Ito 2008), distinguishable with every common
colour-vision deficiency. Lines cycle through it in this order (yellow, hard to
see on white, comes last)."""

GREY = "#9E9E9E"
"""Colour of context elements: baselines, de-emphasised diagram parts."""

GATE_CMAP = "viridis"
"""Colour map for values in [0, 1] (gate activations): perceptually uniform,
colour-blind safe."""

SIGNED_CMAP = "RdBu_r"
"""Diverging colour map for signed values (cell state, candidate, hidden
state), centred on 0."""

BOOK_RC: dict[str, Any] = {
    "figure.dpi": 80,
    "savefig.dpi": 160,
    "figure.figsize": (6.4, 4.0),
    "figure.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "image.cmap": GATE_CMAP,
    "mathtext.fontset": "dejavusans",
}
"""rcParams set by :func:`use_book_style` (the colour cycle is added
from :data:`PALETTE`)."""


def use_book_style(retina: bool = True) -> None:
    """Apply the book's figure style to matplotlib (call once at the top of a
    notebook).

    Sets :data:`BOOK_RC` and the Okabe-Ito colour cycle. Inside IPython/Jupyter
    with ``retina=True`` it also asks the inline backend for retina PNGs
    (``matplotlib_inline.backend_inline.set_matplotlib_formats("retina")``):
    twice the pixels of the modest ``figure.dpi``, sharp on high-density
    screens while notebooks stay small.
    """
    import matplotlib as mpl

    # Activates the backend first, so that it cannot undo these rcParams.
    import matplotlib.pyplot  # noqa: F401
    from cycler import cycler

    mpl.rcParams.update(BOOK_RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE.values()))
    if retina and _in_ipython():
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")


def _in_ipython() -> bool:
    """True when running inside an IPython shell or Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None
