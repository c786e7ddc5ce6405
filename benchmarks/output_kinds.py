"""Count, per notebook, the stored outputs strict nbval compares digit for digit and those it does not.

A code cell with an output is *exact* unless it carries the tag ``nbval-ignore-output`` (this
run's result: trained or timed; README, "What is checked, and how exactly"). Cells without output
(most asserts) are not counted.

Usage: ``python benchmarks/output_kinds.py`` (a Markdown table on standard output).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
THIS_RUN_TAG = "nbval-ignore-output"


def output_kinds(notebook: Path) -> tuple[int, int]:
    """``(exact, this_run)``: how many code cells with outputs are compared, and how many are not."""
    nb = nbformat.read(notebook, as_version=4)
    exact = this_run = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.get("outputs"):
            continue
        if THIS_RUN_TAG in cell.metadata.get("tags", []):
            this_run += 1
        else:
            exact += 1
    return exact, this_run


def main() -> None:
    notebooks = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    print("| notebook | exact | this run's |")
    print("|---|---:|---:|")
    totals = [0, 0]
    for path in notebooks:
        exact, this_run = output_kinds(path)
        totals[0] += exact
        totals[1] += this_run
        print(f"| {path.relative_to(ROOT / 'book')} | {exact} | {this_run} |")
    print(f"| **total ({len(notebooks)} notebooks)** | {totals[0]} | {totals[1]} |")


if __name__ == "__main__":
    main()
