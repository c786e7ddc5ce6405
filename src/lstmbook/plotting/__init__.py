"""The book's figures: one style, LSTM cell diagrams drawn from the equations'
symbols, charts.

- :func:`use_book_style`, :data:`PALETTE` (Okabe-Ito): call the first once per
  notebook.
- :func:`draw_lstm_cell` (``highlight=`` one gate's path, ``peepholes=True``),
  :func:`plot_cell_paths` (one panel per path), :func:`draw_unrolled_rnn`.
- :func:`plot_gate_heatmaps`, :func:`plot_learning_curves`,
  :func:`plot_curves`, :func:`add_markers`, :func:`add_baseline`.

Functions return the Figure and/or Axes they drew on and never write files.
"""

from .cell_diagram import (
    CELL_SYMBOLS,
    HIGHLIGHTS,
    OUTPUT_PEEPHOLES,
    PATH_TITLES,
    draw_lstm_cell,
    plot_cell_paths,
)
from .charts import (
    GATE_KEYS,
    TRACE_NAMES,
    add_baseline,
    add_markers,
    plot_curves,
    plot_gate_heatmaps,
    plot_learning_curves,
)
from .style import (
    BOOK_RC,
    GATE_CMAP,
    GREY,
    PALETTE,
    SIGNED_CMAP,
    use_book_style,
)
from .unrolled import draw_unrolled_rnn

__all__ = [
    "BOOK_RC",
    "CELL_SYMBOLS",
    "GATE_CMAP",
    "GATE_KEYS",
    "GREY",
    "HIGHLIGHTS",
    "OUTPUT_PEEPHOLES",
    "PALETTE",
    "PATH_TITLES",
    "SIGNED_CMAP",
    "TRACE_NAMES",
    "add_baseline",
    "add_markers",
    "draw_lstm_cell",
    "draw_unrolled_rnn",
    "plot_cell_paths",
    "plot_curves",
    "plot_gate_heatmaps",
    "plot_learning_curves",
    "use_book_style",
]
