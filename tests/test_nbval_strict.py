"""Strict nbval really compares stored outputs: a wrong stored output fails the run.

The fixture notebook prints ``sum(range(10))``; its stored output is right (45). The test runs
nbval on it once as stored (must pass) and once with the stored output changed (must fail), each
in a fresh pytest subprocess with the project's own configuration.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

FIXTURE = Path(__file__).parent / "nbval_fixtures" / "sum_to_nine.ipynb"
ROOT = Path(__file__).resolve().parents[1]


def _run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(notebook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_correct_stored_output_passes(tmp_path):
    notebook = tmp_path / FIXTURE.name
    shutil.copy(FIXTURE, notebook)
    result = _run_nbval(notebook)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_changed_stored_output_fails(tmp_path):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells[0].outputs[0]["text"] = "46\n"
    notebook = tmp_path / FIXTURE.name
    nbformat.write(nb, notebook)
    result = _run_nbval(notebook)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    assert "46" in result.stdout and "45" in result.stdout
