"""The key that decides whether a chapter executes again: every input it names moves it; and a
run folder's entry, which reuses a chapter only while its outputs are what was produced."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course_lib import results
from course_lib.build.execution_cache import chapter_key, forget, is_fresh, remember
from course_lib.run_folder import RunFolder
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


def test_a_chapter_is_reused_only_while_its_entry_and_outputs_are_what_was_produced(tmp_path):
    """No entry, another key, a half-written entry, a notebook edited by hand or gone, results
    recorded since: each means the chapter executes again."""
    run = RunFolder(tmp_path)
    run.book_dir.mkdir()
    executed = shutil.copy(ROOT / "book" / "errata.ipynb", run.notebook("errata"))
    assert not is_fresh(run, "errata", "key")  # never executed here
    remember(run, "errata", "key")
    assert is_fresh(run, "errata", "key") and not is_fresh(run, "errata", "another key")
    entry = run.cache_entry("errata").read_text()
    run.cache_entry("errata").write_text('{"key": "half-writ')  # an interrupted write
    assert not is_fresh(run, "errata", "key")
    run.cache_entry("errata").write_text(entry)
    original = executed.read_text()
    executed.write_text(original.replace("tau_min", "tau_MIN"))  # edited by hand
    assert not is_fresh(run, "errata", "key")
    executed.write_text(original)
    assert is_fresh(run, "errata", "key")
    results.record(results.Result("errata", "toy", "reviews", "val_accuracy", 0.5, 1, 0.1,
                                  "sample"), run.path)
    assert not is_fresh(run, "errata", "key")
    remember(run, "errata", "key")
    assert is_fresh(run, "errata", "key")
    executed.unlink()
    assert not is_fresh(run, "errata", "key")
    shutil.copy(ROOT / "book" / "errata.ipynb", executed)
    forget(run, "errata")
    assert not is_fresh(run, "errata", "key") and not run.cache_entry("errata").exists()


def test_the_data_home_listing_changes_with_a_dataset_but_not_with_a_derived_file(tmp_path, monkeypatch):
    from course_lib.build.execution_cache import data_home_listing
    from course_lib.datasets._home import DATA_HOME_ENV
    from course_lib.datasets import DERIVED_FILES

    monkeypatch.setenv(DATA_HOME_ENV, str(tmp_path))
    (tmp_path / "imdb.npz").write_bytes(b"reviews")
    before = data_home_listing()
    assert [name for name, _, _ in before] == ["imdb.npz"]
    assert DERIVED_FILES == {"glove.6B.50d.txt", "course_lib_imdb_sample_ranks.npz"}
    for name in DERIVED_FILES:  # written by the first run from what is installed
        (tmp_path / name).write_text("the 0.418 0.24968\n")
        (tmp_path / f"{name}.4242-0a1b2c3d.part").write_text("the 0.4")  # being written
    assert data_home_listing() == before
    (tmp_path / "imdb.npz.4242-0a1b2c3d.part").write_bytes(b"a download")
    assert data_home_listing() != before
    (tmp_path / "imdb.npz.4242-0a1b2c3d.part").unlink()
    (tmp_path / "jena_climate_2009_2016.csv.zip").write_bytes(b"weather")
    assert data_home_listing() != before
