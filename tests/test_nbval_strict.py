"""Strict nbval really compares the outputs it should, and only those.

The book stores two kinds of output (README, "What is checked, and how exactly"):

- *exact* outputs, properties of the math, compared digit for digit;
- *this run's result*, anything downstream of float32 training or a clock, in cells tagged
  ``nbval-ignore-output``: executed (their asserts must pass) but their digits not compared.

The fixture notebook has one cell of each kind: it prints ``sum(range(10))`` (exact) and a stand-in
for a trained metric (tagged). Each test runs nbval, in a fresh pytest subprocess with the
project's own configuration, on a copy whose stored outputs were changed in one way.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

FIXTURES = Path(__file__).parent / "nbval_fixtures"
ROOT = Path(__file__).resolve().parents[1]
THIS_RUN_TAG = "nbval-ignore-output"
pytestmark = pytest.mark.slow  # each test runs nbval in a fresh process


def _run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(notebook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def _changed_copy(tmp_path: Path, name: str, cell: int, text: str) -> Path:
    nb = nbformat.read(FIXTURES / name, as_version=4)
    nb.cells[cell].outputs[0]["text"] = text
    notebook = tmp_path / name
    nbformat.write(nb, notebook)
    return notebook


def test_correct_stored_output_passes(tmp_path):
    for name in ("sum_to_nine.ipynb", "two_kinds.ipynb"):
        notebook = tmp_path / name
        shutil.copy(FIXTURES / name, notebook)
        result = _run_nbval(notebook)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "failed" not in result.stdout


def test_changed_stored_output_fails(tmp_path):
    result = _run_nbval(_changed_copy(tmp_path, "sum_to_nine.ipynb", 0, "46\n"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert "46" in result.stdout and "45" in result.stdout


def test_fixture_has_one_cell_of_each_kind():
    nb = nbformat.read(FIXTURES / "two_kinds.ipynb", as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in nb.cells]
    assert THIS_RUN_TAG not in tags[0] and THIS_RUN_TAG in tags[1]


def test_changed_exact_output_still_fails(tmp_path):
    result = _run_nbval(_changed_copy(tmp_path, "two_kinds.ipynb", 0, "46\n"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout


def test_changed_digit_of_this_runs_result_passes(tmp_path):
    result = _run_nbval(_changed_copy(tmp_path, "two_kinds.ipynb", 1, "0.301\n"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_this_runs_result_still_executes_its_assert(tmp_path):
    nb = nbformat.read(FIXTURES / "two_kinds.ipynb", as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("0.1 + 0.2", "0.1 + 0.9")
    notebook = tmp_path / "two_kinds.ipynb"
    nbformat.write(nb, notebook)
    result = _run_nbval(notebook)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AssertionError" in result.stdout
