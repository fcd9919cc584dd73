"""The key that decides whether a chapter executes again: every input it names moves it."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course_lib.build.execution_cache import chapter_key
from tests.conftest import ROOT

PARAMETERS = {"units": 8, "epochs": 3, "source": "imdb_sample"}
DEPENDENCIES = {"05_lstm": "ab" * 32}


@pytest.fixture
def notebook(tmp_path):
    return shutil.copy(ROOT / "book" / "01_recap.ipynb", tmp_path / "01_recap.ipynb")


def _key(notebook, parameters=PARAMETERS, dependencies=DEPENDENCIES, library="lib",
         data_home=(("imdb.npz", 10, 1),)):
    return chapter_key(notebook, parameters, dependencies, library=library, data_home=data_home)


def test_the_same_inputs_give_the_same_key(notebook):
    assert _key(notebook) == _key(notebook, dict(reversed(PARAMETERS.items())))


@pytest.mark.parametrize("parameters", [
    {**PARAMETERS, "epochs": 2},  # `-p epochs=2`
    {**PARAMETERS, "units": 8.0001},
    {**PARAMETERS, "source": "keras"},
    {**PARAMETERS, "seed": 0},  # a parameter given that was not given before
    {name: value for name, value in PARAMETERS.items() if name != "epochs"},
], ids=["epochs", "units", "source", "added", "removed"])
def test_any_changed_parameter_changes_the_key(notebook, parameters):
    assert _key(notebook, parameters) != _key(notebook)


def test_each_other_input_changes_the_key(notebook, monkeypatch):
    keys = {_key(notebook), _key(notebook, dependencies={"05_lstm": "cd" * 32}),
            _key(notebook, dependencies={}), _key(notebook, library="other"),
            _key(notebook, data_home=(("imdb.npz", 11, 1),))}
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    keys.add(_key(notebook))
    assert len(keys) == 6


def test_outputs_do_not_change_the_key_but_a_source_does(notebook):
    before = _key(notebook)
    chapter = nbformat.read(notebook, as_version=4)
    chapter.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="new\n")]
    nbformat.write(chapter, notebook)
    assert _key(notebook) == before
    chapter.cells[1].source += "\n# edited"
    nbformat.write(chapter, notebook)
    assert _key(notebook) != before
