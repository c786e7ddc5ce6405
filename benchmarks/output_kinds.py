"""Count, per notebook, the stored outputs strict nbval compares digit for digit and those it does not.

A code cell with an output is *exact* unless it carries the tag ``nbval-ignore-output`` (this
run's result: trained or timed; README, "What is checked, and how exactly"). An exact cell whose
only output is a figure is counted apart: nbval compares no image, only the ``<Figure size ...>``
line. Cells without output (most asserts) are not counted.

Usage: ``python benchmarks/output_kinds.py`` (a Markdown table on standard output).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
THIS_RUN_TAG = "nbval-ignore-output"


def _figure_only(cell) -> bool:
    return all("image/png" in output.get("data", {}) for output in cell.outputs)


def output_kinds(notebook: Path) -> tuple[int, int, int]:
    """``(exact, figure_only, this_run)``: code cells with outputs compared digit for digit, exact
    cells that only draw a figure, and cells tagged as this run's result."""
    nb = nbformat.read(notebook, as_version=4)
    exact = figures = this_run = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.get("outputs"):
            continue
        if THIS_RUN_TAG in cell.metadata.get("tags", []):
            this_run += 1
        elif _figure_only(cell):
            figures += 1
        else:
            exact += 1
    return exact, figures, this_run


def main() -> None:
    notebooks = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    print("| notebook | exact | exact, figure only | this run's |")
    print("|---|---:|---:|---:|")
    totals = [0, 0, 0]
    for path in notebooks:
        counts = output_kinds(path)
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
        print(f"| {path.relative_to(ROOT / 'book')} | " + " | ".join(map(str, counts)) + " |")
    print(f"| **total ({len(notebooks)} notebooks)** | " + " | ".join(map(str, totals)) + " |")


if __name__ == "__main__":
    main()
