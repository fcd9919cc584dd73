"""What the rehearsal and the estimate tell a chapter's kernel: structured settings in the run
folder (course_lib.run_context.RunSettings), applied by one fixed line, and the one way a
kernel's `fit` is wrapped (course_lib.training.wrap_fit) under both the cap and the timing."""

from __future__ import annotations

import json

import keras
import nbformat
import numpy as np
import pytest

from course_lib import run_context, training
from course_lib.datasets import _home
from course_lib.run_context import RunSettings, apply_run_settings, record_peak_memory
from course_lib.run_folder import RunFolder
from tests.test_runner import _copy_book


def _tiny_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="tiny")
    model.compile(optimizer="rmsprop", loss="mae")
    return model


class _CountSteps(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append("train")

    def on_test_batch_end(self, batch, logs=None):
        self.steps.append("validation")


def _fit(**kwargs):
    counter = _CountSteps()
    x, y = np.zeros((640, 4), "float32"), np.zeros((640, 1), "float32")
    _tiny_model().fit(x, y, epochs=3, batch_size=32, validation_split=0.5, verbose=0,
                      callbacks=[counter], **kwargs)
    return counter.steps


@pytest.fixture
def keras_fit_restored(monkeypatch):
    own = training.keras_fit()  # Keras' own, under whatever an earlier test routed over it
    monkeypatch.setattr(keras.Model, "fit", own)  # undone after the test
    return own


def test_one_wrapper_at_a_time_sits_over_keras_own_fit(keras_fit_restored):
    calls = []

    def first(fit, model, *args, **kwargs):
        calls.append("first")
        return fit(model, *args, **kwargs)

    def second(fit, model, *args, **kwargs):
        calls.append("second")
        assert fit is keras_fit_restored  # Keras' own, never the first wrapper
        return fit(model, *args, **kwargs)

    training.wrap_fit(first)
    training.wrap_fit(second)
    assert training.keras_fit() is keras_fit_restored
    assert len(_fit()) == (10 + 10) * 3 and calls == ["second"]


def test_the_cap_and_the_timing_replace_each_other(tmp_path, keras_fit_restored):
    from course_lib.fit_timing import measure_fits

    training.limit_steps(3)
    assert _fit() == (["train"] * 3 + ["validation"] * 3) * 3
    measure_fits(2, tmp_path / "fits.json")  # replaces the cap: 2 epochs of 2 + 2 steps
    assert _fit() == (["train"] * 2 + ["validation"] * 2) * 2
    training.limit_steps(1)
    assert _fit() == ["train", "validation"] * 3
    assert len(json.loads((tmp_path / "fits.json").read_text())) == 1


def test_settings_are_saved_and_read_back_as_json(tmp_path):
    settings = RunSettings(data_home="/tmp/home", stand_ins={"/tmp/home/imdb.npz": "ab12"},
                           step_limit=6, measure_fits=True)
    path = settings.save(tmp_path / "run_settings.json")
    assert json.loads(path.read_text()) == {"data_home": "/tmp/home", "measure_fits": True,
                                            "stand_ins": {"/tmp/home/imdb.npz": "ab12"},
                                            "step_limit": 6}
    assert RunSettings.load(path) == settings
    assert RunSettings() == RunSettings(data_home="", stand_ins={}, step_limit=None,
                                        measure_fits=False)


@pytest.mark.parametrize("text, error, message", [
    ('{"step_limt": 3}', ValueError, r"must be an object of the fields .* Received: \['step_limt'\]"),
    ('[3]', ValueError, r"must be an object of the fields .* Received: \[3\]"),
    ('{"step_limit": 0}', ValueError, "`step_limit` must be a positive integer or None. Received: step_limit=0"),
    ('{"step_limit": true}', ValueError, "`step_limit` must be a positive integer"),
    ('{"measure_fits": "yes"}', ValueError, "`measure_fits` a bool"),
    ('{"stand_ins": {"imdb.npz": 1}}', ValueError, "`stand_ins` must map"),
    ('{not json', ValueError, "are not JSON"),
])
def test_settings_that_are_not_these_fields_are_refused_naming_the_file(tmp_path, text, error,
                                                                       message):
    path = tmp_path / "run_settings.json"
    path.write_text(text)
    with pytest.raises(error, match=message):
        RunSettings.load(path)


def test_no_settings_is_an_error_that_says_who_writes_them(tmp_path, monkeypatch):
    with pytest.raises(OSError, match="No run settings at .*the rehearsal or the estimate"):
        RunSettings.load(tmp_path / "run_settings.json")
    monkeypatch.delenv(run_context.RUN_FOLDER_VARIABLE, raising=False)
    with pytest.raises(RuntimeError, match="COURSE_LIB_RUN_FOLDER is not set"):
        apply_run_settings()


def test_the_settings_are_applied_in_the_kernel(tmp_path, monkeypatch, keras_fit_restored):
    run = RunFolder(tmp_path / "run")
    stand_in = tmp_path / "home" / "imdb.npz"
    stand_in.parent.mkdir()
    stand_in.write_bytes(b"a stand-in")
    monkeypatch.setattr(_home, "_STAND_INS", {})
    monkeypatch.setenv(_home.DATA_HOME_ENV, "the user's")  # restored after the test
    monkeypatch.setenv(run_context.RUN_FOLDER_VARIABLE, str(run.path))
    monkeypatch.setenv(run_context.CHAPTER_VARIABLE, "07_x")
    RunSettings(data_home=str(stand_in.parent), stand_ins={str(stand_in): _home.file_digest(stand_in)},
                step_limit=3).save(run.run_settings)
    assert apply_run_settings() is None  # nothing for the cell to echo
    assert _home.get_data_home() == stand_in.parent
    assert _home._STAND_INS == {stand_in.resolve(): _home.file_digest(stand_in)}
    assert _fit() == (["train"] * 3 + ["validation"] * 3) * 3  # capped, every epoch kept
    assert not run.fits_dir.exists()

    RunSettings(step_limit=2, measure_fits=True).save(run.run_settings)
    apply_run_settings()
    assert _fit() == (["train"] * 2 + ["validation"] * 2) * 2  # timed: two epochs
    (fit,) = json.loads(run.fits_file("07_x").read_text())
    assert (fit["model"], fit["epochs"], fit["train_steps"], fit["val_steps"]) == ("tiny", 3, 10, 10)

    record_peak_memory()
    assert json.loads(run.memory_file("07_x").read_text())["peak_mib"] > 10


def test_a_rehearsals_kernels_get_settings_and_two_fixed_cells(tmp_path, monkeypatch):
    """What the rehearsal and the estimate hand the runner: the same two cells whatever the
    run, and the run's settings in the run folder before any chapter starts."""
    from course_lib.build import estimate, rehearsal

    root = _copy_book(tmp_path)
    handed = []

    def write_stand_ins(home):
        (home / "imdb.npz").write_bytes(b"a stand-in")
        return {"imdb.npz": "ab12"}

    def run_book(root, profile, chapters, *, run_dir, rehearsal, overrides, **kwargs):
        settings = RunSettings.load(RunFolder(run_dir).run_settings)
        handed.append((rehearsal, settings, overrides))

    monkeypatch.setattr(rehearsal.stand_ins, "write_stand_ins", write_stand_ins)
    monkeypatch.setattr(rehearsal, "run_book", run_book)
    rehearsal.rehearse(root, ["07_forecasting"], run_dir=tmp_path / "rehearsal", progress=False)
    estimate.estimate(root, chapters=["01_recap"], run_dir=tmp_path / "estimate", progress=False)
    estimate.estimate(root, chapters=["01_recap"], run_dir=tmp_path / "uncapped",
                      uncapped=True, progress=False)
    (cells, capped, caps), (_, timed, kept), (_, uncapped, _) = handed
    assert {cells} == {item[0] for item in handed} == {rehearsal.Rehearsal()}
    assert cells.prelude == rehearsal.PRELUDE and "apply_run_settings()" in cells.prelude
    assert "record_peak_memory()" in cells.epilogue
    home = capped.data_home
    assert capped == RunSettings(data_home=home, stand_ins={f"{home}/imdb.npz": "ab12"},
                                 step_limit=rehearsal.STEPS)
    assert caps["steps_per_epoch"] == rehearsal.STEPS and kept == {}  # the estimate's own
    assert (timed.step_limit, timed.measure_fits) == (estimate.STEPS, True)
    assert (uncapped.step_limit, uncapped.measure_fits) == (None, True)


def test_a_kernel_applies_the_run_settings_through_the_fixed_cells(tmp_path):
    """End to end, in a real kernel: the chapter's own fit is timed and capped as the settings
    say, and the kernel's peak memory lands in the run folder."""
    from course_lib.build.rehearsal import Rehearsal
    from course_lib.build.runner import run_book

    root = _copy_book(tmp_path)
    path = root / "book" / "errata.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = notebook.cells[:3] + [nbformat.v4.new_code_cell(
        "import keras, numpy as np\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name='tiny')\n"
        "model.compile(optimizer='rmsprop', loss='mae')\n"
        "history = model.fit(np.zeros((640, 4)), np.zeros((640, 1)), epochs=5, batch_size=32,\n"
        "                    validation_split=0.5, verbose=0)\n"
        "print('epochs run:', len(history.epoch))")]
    nbformat.write(notebook, path)
    run = RunFolder(tmp_path / "run")
    RunSettings(step_limit=2, measure_fits=True).save(run.run_settings)
    run_book(root, "quick", ["errata"], run_dir=run.path, progress=False, rehearsal=Rehearsal())
    executed = nbformat.read(run.notebook("errata"), as_version=4)
    assert executed.cells[0].source == Rehearsal().prelude
    assert "epochs run: 2" in str(executed.cells)
    assert not [output for cell in executed.cells for output in cell.get("outputs", [])
                if output.output_type == "error"]
    (fit,) = json.loads(run.fits_file("errata").read_text())
    assert (fit["model"], fit["epochs"], fit["train_steps"], fit["val_steps"]) == ("tiny", 5, 10, 10)
    assert json.loads(run.memory_file("errata").read_text())["peak_mib"] > 10
