"""The instructor's key (``notebooks/solutions/``) is checked against the notebooks' own checkers.

For every notebook in the reading order, the key module ``nbNN_<stem>.py`` must answer every
exercise. One kernel run per notebook proves both directions:

1. the notebook runs top to bottom with each exercise cell (``def my_xxx`` … ``raise
   NotImplementedError``) replaced by ``from nbNN_<stem> import my_xxx`` and each open exercise
   (``# your … here``) by a call of ``open_exercise_<n>``: every check cell must then print
   "correct", none "not attempted";
2. appended to the same run, for each checked exercise, ``my_xxx = WRONG["my_xxx"]`` and the
   check cell again: it must fail with the checker's own "not right yet" AssertionError.

The shipped notebooks themselves stay without answers (the stubs are asserted here).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
from pathlib import Path

import nbclient
import nbformat
import pytest
from test_notebooks import CELL_TIMEOUT, NOTEBOOKS, PATHS, READING_ORDER, read

SOLUTIONS = NOTEBOOKS / "solutions"
STUB = re.compile(r"^def (my_\w+)\(", re.MULTILINE)
OPEN_CELL = re.compile(r"^# your \w+ here", re.MULTILINE)
EXERCISE_NUMBER = re.compile(r"\*\*Exercise (\d+)")
WRONG_TAG = "solutions-wrong-answer"


def key_path(notebook: Path) -> Path:
    """``03_nms_and_regression.ipynb`` → ``notebooks/solutions/nb03_nms_and_regression.py``."""
    return SOLUTIONS / f"nb{notebook.stem}.py"


def load_key(notebook: Path):
    path = key_path(notebook)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exercises(cells) -> tuple:
    """``({name: (stub cell, check cell)}, {n: open cell})`` — indices into ``cells``."""
    checked, open_ = {}, {}
    number = None
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            found = EXERCISE_NUMBER.search(cell.source)
            number = int(found.group(1)) if found else number
            continue
        stub = STUB.search(cell.source)
        if stub and "raise NotImplementedError" in cell.source:
            name = stub.group(1)
            call = re.compile(rf"\bcheck\([^\n]*\b{name}\b")
            checks = [j for j in range(i + 1, len(cells))
                      if cells[j].cell_type == "code" and call.search(cells[j].source)]
            checked[name] = (i, checks[0] if checks else None)
        elif OPEN_CELL.match(cell.source.strip()) and number is not None:
            open_[number] = i
    return checked, open_


def printed(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def error_of(cell):
    errors = [out for out in cell.outputs if out.output_type == "error"]
    return errors[0] if errors else None


@pytest.mark.parametrize("path", PATHS, ids=READING_ORDER)
def test_key_covers_every_exercise(path):
    checked, open_ = exercises(read(path).cells)
    if not checked and not open_:
        return
    where = key_path(path).relative_to(NOTEBOOKS.parent)
    assert key_path(path).is_file(), (f"{path.name} has exercises but no key module: write "
                                      f"{where} (see notebooks/solutions/README.md)")
    key = load_key(path)
    missing = [name for name in checked if not callable(getattr(key, name, None))]
    assert not missing, f"{key_path(path).name} lacks solutions for {missing}"
    for name, (_, check) in checked.items():
        assert check is not None, f"{path.name}: no check cell calls {name}"
        assert name in key.WRONG, f"{key_path(path).name}: WRONG has no mistake for {name}"
    unknown = set(key.WRONG) - set(checked)
    assert not unknown, f"{key_path(path).name}: WRONG names unknown exercises {unknown}"
    missing = [n for n in open_ if not callable(getattr(key, f"open_exercise_{n}", None))]
    assert not missing, f"{key_path(path).name} lacks open_exercise_<n> for exercises {missing}"
    for n in open_:
        assert getattr(key, f"open_exercise_{n}").__doc__, f"open_exercise_{n} needs its answer"


def test_every_key_module_has_its_notebook():
    stems = {f"nb{p.stem}" for p in PATHS}
    strays = [p.name for p in SOLUTIONS.glob("nb*.py") if p.stem not in stems]
    assert not strays, f"key modules without a notebook in READING_ORDER: {strays}"


@pytest.mark.parametrize("path", PATHS, ids=READING_ORDER)
def test_shipped_notebooks_keep_their_stubs(path):
    # The answers live in the key only: each exercise cell still just raises.
    cells = read(path).cells
    for name, (stub, _) in exercises(cells)[0].items():
        body = cells[stub].source.split(f"def {name}(", 1)[1]
        assert "import nb" not in cells[stub].source and "raise NotImplementedError" in body


def solved(path: Path, key) -> tuple:
    """The notebook with the key's answers in place and the wrong-answer checks appended →
    (notebook, {name: check cell}, {name: appended wrong-answer cell}, {n: open cell})."""
    nb = read(path)
    checked, open_ = exercises(nb.cells)
    module = key_path(path).stem
    for name, (stub, _) in checked.items():
        nb.cells[stub] = nbformat.v4.new_code_cell(f"from {module} import {name}")
    for n, cell in open_.items():
        function = getattr(key, f"open_exercise_{n}")
        needed = [p.name for p in inspect.signature(function).parameters.values()
                  if p.default is inspect.Parameter.empty]      # notebook data, by name
        nb.cells[cell] = nbformat.v4.new_code_cell(
            f"from {module} import open_exercise_{n}\n"
            f"findings_{n} = open_exercise_{n}({', '.join(needed)})\nprint(findings_{n})")
    wrong_cells = {}
    for name, (_, check) in checked.items():
        cell = nbformat.v4.new_code_cell(
            f"from {module} import WRONG\n{name} = WRONG[{name!r}]\n{nb.cells[check].source}")
        cell.metadata["tags"] = ["raises-exception"]               # nbclient goes on after it
        wrong_cells[name] = len(nb.cells)
        nb.cells.append(cell)
    return nb, {name: check for name, (_, check) in checked.items()}, wrong_cells, open_


@pytest.mark.parametrize("path", PATHS, ids=READING_ORDER)
def test_key_passes_and_wrong_answers_fail(path, kernel_environment, monkeypatch):
    checked, open_ = exercises(read(path).cells)
    if not checked and not open_:
        pytest.skip(f"{path.name} has no exercises")
    key = load_key(path)
    # The kernel imports the key modules from the solutions folder (it inherits PYTHONPATH).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(SOLUTIONS), os.environ["PYTHONPATH"]]))
    nb, check_cells, wrong_cells, open_cells = solved(path, key)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()          # a failing check cell with the key's answer raises here
    for name, index in check_cells.items():
        text = printed(nb.cells[index])
        assert "correct on all" in text and "not attempted" not in text, (name, text)
    for n, index in open_cells.items():
        assert printed(nb.cells[index]).strip(), f"open_exercise_{n} returned nothing"
    for name, index in wrong_cells.items():
        error = error_of(nb.cells[index])
        assert error is not None, f"{path.name}: the checker accepted WRONG[{name!r}]"
        assert error["ename"] == "AssertionError" and "not right yet" in error["evalue"], (
            f"{path.name}: WRONG[{name!r}] failed, but not in the checker: {error['ename']}: "
            f"{error['evalue']}")
