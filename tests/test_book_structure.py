"""The book's structure cannot drift from the code and the configuration.

- every public module of ``lstmbook`` is documented in the API reference;
- every notebook and page under ``book/`` is in ``_toc.yml``, and every ``_toc.yml`` entry exists;
- every notebook's Colab install cell points at the repository URL of ``_config.yml``, pinned to
  the tag of the package's version (``v`` + ``lstmbook.__version__``);
- no notebook shows code through a MyST ``{literalinclude}`` (raw text in JupyterLab and Colab):
  the real source is a code cell's output (``lstmbook.notebook.show_source``);
- every notebook is committed fully executed, in order, with no error output;
- every notebook opens with the same set-up cell (hidden in the HTML book);
- every chapter says what it assumes and what the reader will be able to do, ends its lesson
  with a "Key takeaways" list, and shows no tooling comments in its code;
- a part's landing page has no numbered sections, so its chapters are numbered 1.1, 1.2, ...
"""

import json
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import lstmbook

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(lstmbook.__path__, prefix="lstmbook."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _toc_files(entries) -> list[str]:
    files = []
    for entry in entries:
        if "file" in entry:
            files.append(entry["file"])
        if "glob" in entry:
            files += [str(p.relative_to(ROOT).with_suffix("")) for p in ROOT.glob(entry["glob"])]
        for key in ("chapters", "sections", "parts"):
            files += _toc_files(entry.get(key, []))
    return files


def test_every_public_module_is_in_the_api_reference():
    api_page = (BOOK / "appendices" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\.\. automodule:: ([\w.]+)", api_page))
    missing = sorted(set(_public_modules()) - documented)
    assert not missing, f"add these modules to book/appendices/api.md: {missing}"


def test_toc_and_files_agree():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = {toc["root"], *_toc_files(toc["parts"])}
    for name in listed:
        assert any((ROOT / f"{name}{ext}").is_file() for ext in (".md", ".ipynb")), name
    pages = {str(p.relative_to(ROOT).with_suffix("")) for p in BOOK.rglob("*.md")}
    pages |= {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert pages <= listed, f"pages missing from _toc.yml: {sorted(pages - listed)}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_notebook_install_cell_uses_the_configured_repository(notebook):
    repo_url = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    urls = re.findall(r"git\+(https://[^\"'\s]+)", code)
    assert urls, "the first code cell must install lstmbook on Colab (see book/background/index.ipynb)"
    assert set(urls) == {f"{repo_url}@v{lstmbook.__version__}"}, "pin the install to this version's tag"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_shown_code_is_visible_everywhere(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        assert "{literalinclude}" not in source, f"cell {index}: use lstmbook.notebook.show_source"
        if cell["cell_type"] == "code" and "show_source(" in source:
            assert "remove-input" in cell["metadata"].get("tags", []), f"cell {index}"
            assert cell["outputs"], f"cell {index}: the source it shows is its stored output"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_notebook_is_committed_executed_in_order(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "run `make execute`: some cells have no stored execution"
    assert counts == list(range(1, len(code) + 1)), "cells were not executed top to bottom once"
    for cell in code:
        tags = cell.get("metadata", {}).get("tags", [])
        if "raises-exception" not in tags:
            assert all(o["output_type"] != "error" for o in cell["outputs"]), "".join(cell["source"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_outputs_are_marked_one_way(notebook):
    """This run's results are marked by the cell tag ``nbval-ignore-output`` only: no nbval comment
    in the code a reader sees, no skipped cell, no other nbval tag."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        assert "NBVAL_" not in "".join(cell["source"]), f"cell {index}: use the cell tag instead"
        nbval_tags = {t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("nbval")}
        assert nbval_tags <= {"nbval-ignore-output"}, f"cell {index}: {sorted(nbval_tags)}"


CHAPTER_MODULES = [
    m for m in _public_modules() if m.startswith("lstmbook.chapters.") and m.count(".") == 2
]


@pytest.mark.parametrize("module", CHAPTER_MODULES)
def test_chapter_module_names_its_chapters_in_its_first_line(module):
    """A newcomer finds which module serves a chapter from the first line of its docstring."""
    import importlib

    first = importlib.import_module(module).__doc__.splitlines()[0]
    assert first.startswith("Serves "), f"{module}: first line must say which chapters it serves"
    named = re.findall(r"\b(background|core_concepts|algorithm|code|trends|faq|practice)/(\d\d)", first)
    assert named, f"{module}: name the chapters as part/NN, e.g. trends/04"
    part = None
    for match in re.finditer(r"\b(?:(background|core_concepts|algorithm|code|trends|faq|practice)/)?(\d\d)\b", first):
        part = match.group(1) or part
        assert list((BOOK / part).glob(f"{match.group(2)}_*.ipynb")), f"{module}: {part}/{match.group(2)}"


CHAPTERS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name)]
SETUP_CELL = """\
# Set-up: on Colab, install the book's package; everywhere, fix the seeds.
import importlib.util

BOOK = "git+https://github.com/lstmbook/lstm-book@v{version}"
if importlib.util.find_spec("lstmbook") is None:  # e.g. on Colab
    %pip install -q "lstmbook @ {{BOOK}}"

from lstmbook.notebook import setup_notebook

"""


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_setup_cell_is_the_same_everywhere(notebook):
    first = next(c for c in _cells(notebook) if c["cell_type"] == "code")
    source = "".join(first["source"])
    expected = SETUP_CELL.format(version=lstmbook.__version__)
    assert source.startswith(expected), "copy the set-up cell of book/practice/05"
    assert re.fullmatch(r"setup_notebook\(seed=0(, [a-z_]+=\w+)*\)", source[len(expected) :])
    assert "hide-input" in first["metadata"].get("tags", [])


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_chapter_says_what_it_assumes_and_what_it_teaches(notebook):
    opening = next(c for c in _cells(notebook) if c["cell_type"] == "markdown")
    text = " ".join("".join(opening["source"]).split()).lower()
    assert "assumes" in text, "say in the opening cell what the chapter assumes"
    assert "you will be able to" in text, "say in the opening cell what the reader will be able to do"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: str(p.relative_to(BOOK)))
def test_chapter_has_key_takeaways_before_its_exercises(notebook):
    headings = [
        line.strip()
        for c in _cells(notebook)
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("## ")
    ]
    assert "## Key takeaways" in headings
    if "## Exercises" in headings:
        assert headings.count("## Exercises") == 1
        assert headings.index("## Key takeaways") < headings.index("## Exercises")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_code_cells_carry_no_tooling_comments(notebook):
    for index, cell in enumerate(_cells(notebook)):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            for marker in ("# fmt:", "# noqa", "NBVAL", "type: ignore", "pragma:"):
                assert marker not in source, f"cell {index}: {marker!r}"


PART_PAGES = sorted(BOOK.glob("*/index.md")) + sorted(BOOK.glob("*/index.ipynb"))


@pytest.mark.parametrize("page", PART_PAGES, ids=lambda p: str(p.relative_to(BOOK)))
def test_part_page_has_no_numbered_sections(page):
    """A section of a part's landing page would take the part's first numbers (1.1, ...) and
    push its chapters to 1.7; the landing page uses rubrics instead of headings."""
    if page.suffix == ".ipynb":
        text = "\n".join("".join(c["source"]) for c in _cells(page) if c["cell_type"] == "markdown")
    else:
        text = page.read_text(encoding="utf-8")
    in_fence = False
    for line in text.splitlines():
        if line.startswith(("```", "~~~")):
            in_fence = not in_fence
        assert in_fence or not re.match(r"#{2,6} ", line), f"use a rubric, not a heading: {line!r}"
