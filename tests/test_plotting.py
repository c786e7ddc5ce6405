"""Tests of lstmbook.plotting: style, the LSTM cell diagram, the unrolled chain, charts."""

from __future__ import annotations

import base64
import itertools
import os
import struct

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from lstmbook import plotting  # noqa: E402
from lstmbook.plotting import CELL_SYMBOLS, PALETTE  # noqa: E402

HIGHLIGHT_COLOR = PALETTE["vermillion"].lower()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _patches_by_gid(ax):
    return {p.get_gid(): p for p in ax.patches if p.get_gid()}


def _texts(ax):
    return [t for t in ax.texts if t.get_text()]


# ---------------------------------------------------------------- style


def test_use_book_style_sets_palette_and_rc():
    plt.rcdefaults()
    plotting.use_book_style()
    cycle = [to_hex(c["color"]) for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert cycle == [c.lower() for c in PALETTE.values()]
    for key, value in plotting.BOOK_RC.items():
        assert matplotlib.rcParams[key] == (list(value) if isinstance(value, tuple) else value)
    plt.rcdefaults()


def _png_size(data: bytes | str) -> tuple[int, int]:
    if isinstance(data, str):  # IPython hands PNGs to the front end base64-encoded
        data = base64.b64decode(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_use_book_style_turns_on_retina_png_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        plotting.use_book_style()
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, 1])
        result = shell.display_formatter.formatters["image/png"](fig)
        data, metadata = result if isinstance(result, tuple) else (result, {})
        width, height = _png_size(data)
        dpi = plotting.BOOK_RC["figure.dpi"]
        # retina: twice the pixels, displayed at the nominal size given in the metadata
        assert metadata["width"] * 2 == pytest.approx(width, abs=2)
        assert width > 3 * dpi * 1.5  # well above 1x, even after tight bounding box cropping
    finally:
        InteractiveShell.clear_instance()
        plt.rcdefaults()


# ---------------------------------------------------------------- LSTM cell diagram

DIAGRAM_SYMBOLS = ("x", "h_prev", "c_prev", "i", "f", "o", "c", "h", "sigmoid", "tanh")


def test_cell_diagram_labels_use_the_equation_symbols():
    ax = plotting.draw_lstm_cell()
    texts = " ".join(t.get_text() for t in _texts(ax))
    for key in DIAGRAM_SYMBOLS:
        assert CELL_SYMBOLS[key] in texts, key
    assert CELL_SYMBOLS["g"] in texts and CELL_SYMBOLS["g_alt"] in texts
    gids = set(_patches_by_gid(ax))
    assert {"gate_f", "gate_i", "gate_g", "gate_o"} <= gids
    assert {"node_forget_product", "node_input_product", "node_output_product", "node_sum"} <= gids
    assert "pointwise_tanh" in gids
    assert sum(t.get_text() == CELL_SYMBOLS["sigmoid"] for t in _texts(ax)) == 3
    assert not any(k.startswith("peephole") for k in gids)


EXPECTED_HIGHLIGHTED = {
    "forget": {"gate_f", "node_forget_product"},
    "input": {"gate_i", "node_input_product", "node_sum"},
    "candidate": {"gate_g", "node_input_product", "node_sum"},
    "output": {"gate_o", "node_output_product"},
    "cell": {"node_forget_product", "node_sum"},
    "hidden": {"pointwise_tanh", "node_output_product"},
}


@pytest.mark.parametrize("highlight", plotting.HIGHLIGHTS)
def test_each_highlight_colours_exactly_its_path(highlight):
    ax = plotting.draw_lstm_cell(highlight=highlight)
    named = {
        gid: p
        for gid, p in _patches_by_gid(ax).items()
        if gid.startswith(("gate_", "node_", "pointwise"))
    }
    highlighted = {gid for gid, p in named.items() if to_hex(p.get_edgecolor()) == HIGHLIGHT_COLOR}
    assert highlighted == EXPECTED_HIGHLIGHTED.get(highlight, set())
    line_colors = {to_hex(line.get_color()) for line in ax.lines}
    if highlight is None:
        assert HIGHLIGHT_COLOR not in line_colors
    else:
        assert HIGHLIGHT_COLOR in line_colors or any(
            to_hex(p.get_edgecolor()) == HIGHLIGHT_COLOR for p in ax.patches
        )
        # the rest is greyed out: more than half of the named elements are not highlighted
        assert len(highlighted) < len(named) / 2


def _overlaps(a, b, pad=0.0):
    return a.x0 < b.x1 - pad and b.x0 < a.x1 - pad and a.y0 < b.y1 - pad and b.y0 < a.y1 - pad


@pytest.mark.parametrize(
    ("peepholes", "output_peephole"), [(False, "current"), (True, "current"), (True, "previous")]
)
def test_cell_diagram_labels_do_not_overlap(peepholes, output_peephole):
    ax = plotting.draw_lstm_cell(peepholes=peepholes, output_peephole=output_peephole)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _texts(ax)
    boxes = {id(t): t.get_window_extent(renderer) for t in texts}
    for a, b in itertools.combinations(texts, 2):
        assert not _overlaps(boxes[id(a)], boxes[id(b)]), (a.get_text(), b.get_text())
    shapes = [
        p
        for gid, p in _patches_by_gid(ax).items()
        if gid.startswith(("gate_", "node_", "pointwise"))
    ]
    shape_boxes = [p.get_window_extent(renderer) for p in shapes]
    inner = {CELL_SYMBOLS["sigmoid"], CELL_SYMBOLS["tanh"]}
    for t in texts:
        hits = sum(_overlaps(boxes[id(t)], s, pad=1.0) for s in shape_boxes)
        # activation names sit inside exactly one box; every other label touches no shape
        assert hits == (1 if t.get_text() in inner else 0), t.get_text()
    axes_box = ax.get_window_extent(renderer)
    for t in texts:
        box = boxes[id(t)]
        assert (
            axes_box.x0 <= box.x0
            and box.x1 <= axes_box.x1
            and axes_box.y0 <= box.y0
            and box.y1 <= axes_box.y1
        )


def _line_by_gid(ax, gid):
    (line,) = [line for line in ax.lines if line.get_gid() == gid]
    return line


def test_peepholes_read_the_right_cell_state():
    current = plotting.draw_lstm_cell(peepholes=True, output_peephole="current")
    patches = _patches_by_gid(current)
    assert {"peephole_f", "peephole_i", "peephole_o"} <= set(patches)
    gate_g_left = patches["gate_g"].get_x()
    gate_o_left = patches["gate_o"].get_x()
    tap = _line_by_gid(current, "peephole_c_prev")
    # c_{t-1} is tapped left of the forget product and feeds only f and i ...
    assert tap.get_xdata()[0] < patches["node_forget_product"].center[0]
    assert max(tap.get_xdata()) < gate_g_left
    # ... while the output peephole starts on the cell-state line right of the sum: it reads c_t
    start_x, start_y = patches["peephole_o"].get_path().vertices[0]
    assert start_y == pytest.approx(patches["node_sum"].center[1])  # on the cell-state line
    assert patches["node_sum"].center[0] < start_x < gate_o_left + patches["gate_o"].get_width()

    previous = plotting.draw_lstm_cell(peepholes=True, output_peephole="previous")
    tap = _line_by_gid(previous, "peephole_c_prev")
    # the article's variant: the c_{t-1} tap runs on to the output gate
    assert max(tap.get_xdata()) > _patches_by_gid(previous)["gate_o"].get_x()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"highlight": "gate"}, "highlight must be one of"),
        ({"highlight": "Forget"}, "highlight must be one of"),
        ({"peepholes": "yes"}, "peepholes must be True or False"),
        ({"output_peephole": "next"}, "output_peephole must be one of"),
    ],
)
def test_cell_diagram_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.draw_lstm_cell(**kwargs)


def test_cell_diagram_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    assert plotting.draw_lstm_cell(ax, "cell") is ax
    assert len(fig.axes) == 1 and not ax.axison


def test_plot_cell_paths_one_titled_panel_per_path():
    fig, axes = plotting.plot_cell_paths(ncols=3)
    assert len(axes) == 6 and len(fig.axes) == 6
    assert [ax.get_title() for ax in axes] == [
        plotting.PATH_TITLES[h] for h in plotting.PATH_TITLES
    ]
    fig, axes = plotting.plot_cell_paths(("forget", "cell", "hidden"), ncols=2)
    assert len(axes) == 3 and len(fig.axes) == 3  # the unused fourth panel is removed
    with pytest.raises(ValueError, match="unknown paths"):
        plotting.plot_cell_paths(("forget", "memory"))
    with pytest.raises(ValueError, match="ncols must be a positive integer"):
        plotting.plot_cell_paths(ncols=0)


# ---------------------------------------------------------------- unrolled RNN


def test_unrolled_rnn_has_one_cell_per_step():
    ax = plotting.draw_unrolled_rnn(steps=4)
    gids = set(_patches_by_gid(ax))
    assert {"cell_folded", "cell_1", "cell_2", "cell_3", "cell_4"} <= gids and "cell_5" not in gids
    texts = {t.get_text() for t in _texts(ax)}
    assert {r"$x_t$", r"$h_t$", r"$h_0$", "="} <= texts
    assert {rf"$x_{{{k}}}$" for k in range(1, 5)} <= texts
    assert {rf"$h_{{{k}}}$" for k in range(1, 5)} <= texts
    assert r"$c_0$" not in texts


def test_unrolled_lstm_carries_both_states():
    ax = plotting.draw_unrolled_rnn(steps=3, cell_label="LSTM", state=("h", "c"))
    texts = [t.get_text() for t in _texts(ax)]
    assert texts.count("LSTM") == 4
    assert r"$c_0$" in texts and r"$c_{2}$" in texts and r"$h_{2}$" in texts
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in _texts(ax)]
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlaps(a, b)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps": 0}, "steps must be an integer from 1 to 8"),
        ({"steps": 9}, "steps must be an integer from 1 to 8"),
        ({"state": ("c",)}, r"state must be \('h',\) or \('h', 'c'\)"),
        ({"cell_label": 3}, "cell_label must be a str"),
    ],
)
def test_unrolled_rnn_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plotting.draw_unrolled_rnn(**kwargs)


# ---------------------------------------------------------------- gate heatmaps


def _trace(T=30, H=6, seed=0):
    rng = np.random.default_rng(seed)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    return {
        "i": sigmoid(rng.normal(size=(T, H))),
        "f": sigmoid(rng.normal(size=(T, H)) + 1),
        "o": sigmoid(rng.normal(size=(T, H))),
        "g": np.tanh(rng.normal(size=(T, H))),
        "c": rng.normal(0, 3, size=(T, H)),
    }


def test_gate_heatmaps_share_one_scale_across_gates():
    trace = _trace()
    fig, axes = plotting.plot_gate_heatmaps(trace, markers=[4, 20], title="gates")
    assert len(axes) == 4
    images = [ax.images[0] for ax in axes]
    for image, key in zip(images[:3], "ifo", strict=True):
        assert image.get_clim() == (0.0, 1.0)
        assert image.get_cmap().name == plotting.GATE_CMAP
        np.testing.assert_allclose(image.get_array(), trace[key].T)  # time on x, units on y
    bound = np.abs(trace["c"]).max()
    assert images[3].get_clim() == pytest.approx((-bound, bound))
    assert images[3].get_cmap().name == plotting.SIGNED_CMAP
    for ax, key in zip(axes, "ifoc", strict=True):
        assert CELL_SYMBOLS[key] in ax.get_ylabel()
        assert len(ax.patches) == 2  # the two framed marker columns
    assert axes[-1].get_xlabel() == "time step $t$"
    assert fig._suptitle.get_text() == "gates"
    # one colour bar for the three gates together, one for c
    assert len(fig.axes) == 4 + 2


def test_gate_heatmaps_bad_input():
    trace = _trace()
    with pytest.raises(ValueError, match=r"keys \['z'\] are not in the trace"):
        plotting.plot_gate_heatmaps(trace, keys=("i", "z"))
    with pytest.raises(
        ValueError, match=r"must be a numeric \(time, units\) array.*pass trace\['i'\]\[0\]"
    ):
        plotting.plot_gate_heatmaps({"i": np.zeros((2, 10, 3))}, keys=("i",))
    with pytest.raises(ValueError, match="same number of time steps"):
        plotting.plot_gate_heatmaps(
            {"i": np.zeros((10, 3)), "f": np.zeros((11, 3))}, keys=("i", "f")
        )
    with pytest.raises(ValueError, match=r"markers must be time steps in \[0, 30\)"):
        plotting.plot_gate_heatmaps(trace, markers=[30])
    with pytest.raises(ValueError, match="trace must be a dict"):
        plotting.plot_gate_heatmaps(np.zeros((10, 3)))


# ---------------------------------------------------------------- curves


def test_learning_curves_single_runs_and_baseline():
    history = {"loss": [1.0, 0.5, 0.3, 0.2], "val_loss": [1.1, 0.7, 0.5, 0.45]}
    fig, ax = plotting.plot_learning_curves(history, baseline=1 / 6, baseline_label="predict 1")
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_array_equal(lines["loss"].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(lines["val_loss"].get_ydata(), history["val_loss"])
    np.testing.assert_allclose(lines["predict 1"].get_ydata(), [1 / 6, 1 / 6])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"loss", "val_loss", "predict 1"}


def test_curves_over_seeds_show_mean_and_std():
    rng = np.random.default_rng(1)
    runs = rng.random((3, 10)) + 1.0
    fig, ax = plotting.plot_curves(
        {"LSTM": runs}, x=np.arange(1, 11) * 5, logy=True, xlabel="lag", ylabel="norm"
    )
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_ydata(), runs.mean(axis=0))
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 11) * 5)
    assert "3 runs" in line.get_label()
    (band,) = ax.collections
    low, high = runs.mean(0) - runs.std(0), runs.mean(0) + runs.std(0)
    vertices = band.get_paths()[0].vertices[:, 1]
    assert vertices.min() == pytest.approx(low.min()) and vertices.max() == pytest.approx(
        high.max()
    )
    assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"


def test_curves_bad_input():
    with pytest.raises(ValueError, match="non-empty dict"):
        plotting.plot_learning_curves({})
    with pytest.raises(ValueError, match=r"a \(runs, points\) array, got shape \(2, 3, 4\)"):
        plotting.plot_curves({"a": np.zeros((2, 3, 4))})
    with pytest.raises(ValueError, match="must be numeric"):
        plotting.plot_curves({"a": np.array(["x", "y"])})
    with pytest.raises(ValueError, match="x must be 1-D with at least 5 values"):
        plotting.plot_curves({"a": np.arange(5.0)}, x=[1, 2])


def test_markers_and_baseline_helpers():
    fig, ax = plt.subplots()
    plotting.add_markers(ax, [2, 5], label="marker")
    plotting.add_markers(ax, [7], width=1.0)
    plotting.add_baseline(ax, 0.5)
    assert len(ax.lines) == 3 and len(ax.patches) == 1
    assert [line.get_xdata()[0] for line in ax.lines[:2]] == [2, 5]
    assert ax.lines[0].get_label() == "marker" and ax.lines[1].get_label().startswith("_")
    assert ax.lines[2].get_ydata()[0] == 0.5
    assert ax.patches[0].get_x() == 6.5 and ax.patches[0].get_width() == 1.0
    assert not ax.patches[0].get_fill()  # a frame: the marked column stays visible


def test_plotting_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plotting.draw_lstm_cell(highlight="hidden", peepholes=True)
    plotting.plot_cell_paths()
    plotting.draw_unrolled_rnn()
    plotting.plot_gate_heatmaps(_trace())
    plotting.plot_learning_curves({"loss": [1.0, 0.5]})
    assert os.listdir(tmp_path) == []
