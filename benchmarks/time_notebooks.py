"""Execute every chapter and report its time against the book's budgets.

Budgets (from the developer guide): any single notebook <= 90 s, the whole book <= 20 min, on a
2-core CPU. Each notebook runs top to bottom in a fresh kernel (as nbval and CI run it), in the
order of ``_toc.yml``; the notebook file is not modified. Reported per notebook: wall time,
CPU time of the kernel process (user + system, all its threads) and the wall time as a fraction
of the 90 s budget; then the total as a fraction of 20 minutes. The load average before and
after is printed, because wall times on a shared machine are only meaningful next to it.

Usage: ``python benchmarks/time_notebooks.py [NOTEBOOK ...]`` (default: every chapter), or
``make time-book``. The exit status is 0 even when a budget is exceeded: this is a measurement,
not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_BUDGET_S = 90.0
BOOK_BUDGET_S = 20 * 60.0


def chapters_in_toc_order() -> list[Path]:
    """Every notebook under ``book/``, in the order the table of contents shows them."""
    notebooks = sorted((ROOT / "book").rglob("*.ipynb"))
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    parts = [
        "background",
        "core_concepts",
        "algorithm",
        "code",
        "trends",
        "faq",
        "practice",
        "appendices",
    ]

    def key(path: Path) -> tuple[int, str]:
        part = path.relative_to(ROOT / "book").parts[0]
        rank = parts.index(part) if part in parts else len(parts)
        return (rank, "" if path.stem == "index" else path.name)  # the part page first

    return sorted(notebooks, key=key)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_notebook(path: Path) -> tuple[float, float]:
    """Execute ``path`` in a fresh kernel; return (wall seconds, kernel CPU seconds)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    cpu_before = children_cpu_seconds()
    start = time.perf_counter()
    client.execute()  # starts, runs and shuts down (and reaps) the kernel
    wall = time.perf_counter() - start
    return wall, children_cpu_seconds() - cpu_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or chapters_in_toc_order()

    print(f"{len(notebooks)} notebooks, {os.cpu_count()} logical CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"| notebook | wall s | kernel CPU s | wall / {NOTEBOOK_BUDGET_S:.0f} s |")
    print("|---|---:|---:|---:|")
    total_wall = total_cpu = 0.0
    over = []
    for path in notebooks:
        wall, cpu = run_notebook(path)
        total_wall += wall
        total_cpu += cpu
        if wall > NOTEBOOK_BUDGET_S:
            over.append(path)
        name = path.relative_to(ROOT / "book")
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / NOTEBOOK_BUDGET_S:.2f} |", flush=True)
    print(
        f"| **total** | {total_wall:.1f} | {total_cpu:.1f} | "
        f"{total_wall / BOOK_BUDGET_S:.2f} of 20 min |"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if over:
        print("over the per-notebook budget: " + ", ".join(str(p.name) for p in over))
    return 0


if __name__ == "__main__":
    sys.exit(main())
