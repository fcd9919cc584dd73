"""The full-profile rehearsal: how it runs a chapter (every cell, wrapped), how it caps
training, how it sorts what went wrong, and how its stand-ins pass verification."""

import nbformat
import pytest

from course_lib import models
from course_lib.build.planner import list_chapters, plan_run
from course_lib.build.rehearsal import (ChapterRehearsal, Rehearsal, RehearsalReport, _sort_errors,
                                        capped_training)
from course_lib.build.runner import run_book
from course_lib.datasets import _home
from course_lib.datasets.imdb import IMDB_NPZ
from tests.conftest import ROOT
from tests.test_runner import _copy_book


def _faulty_chapter(path):
    """A chapter with a training outcome not reached, a shape assertion that fails, a real
    fault, then more cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in (
        "from course_lib.lessons import check_learned\n"
        "check_learned(0.5 > 0.9, 'one capped epoch cannot show this')",
        "assert (128, 240) == (128, 60), 'a shape only the full sizes reach'",
        "x = 1",
        "raise ValueError('a value only the full sizes reach')",
        "print('reached', x)",
    )]
    nbformat.write(notebook, path)


def test_a_rehearsal_runs_every_cell_between_its_prelude_and_epilogue(tmp_path):
    root = _copy_book(tmp_path)
    _faulty_chapter(root / "book" / "errata.ipynb")
    run_dir = tmp_path / "rehearsal"
    wrapper = Rehearsal(prelude="PRELUDE_RAN = True",
                        epilogue="from course_lib import run_context\n"
                                 "open(run_context.chapter() + '.done', 'w').write(str(PRELUDE_RAN))")
    run_book(root, "quick", ["errata"], run_dir=run_dir, progress=False, rehearsal=wrapper)
    executed = nbformat.read(run_dir / "book" / "errata.ipynb", as_version=4)
    assert "reached 1" in str(executed.cells)  # cells after the errors ran
    assert (run_dir / "book" / "errata.done").read_text() == "True"
    item = ChapterRehearsal("errata")
    _sort_errors(run_dir / "book" / "errata.ipynb", item)
    assert [line.split(":")[1].strip() for line in item.not_shown] == ["NotLearned"]
    assert [line.split(":")[1].strip() for line in item.errors] == ["AssertionError", "ValueError"]
    assert "a value only the full sizes reach" in item.errors[1]


def test_a_normal_run_still_stops_at_the_first_error(tmp_path):
    from course_lib.build.runner import ChapterFailed

    root = _copy_book(tmp_path)
    _faulty_chapter(root / "book" / "errata.ipynb")
    with pytest.raises(ChapterFailed, match="NotLearned: one capped epoch"):
        run_book(root, "quick", ["errata"], run_dir=tmp_path / "run", progress=False)


def test_a_rehearsal_never_writes_into_the_book(tmp_path):
    root = _copy_book(tmp_path)
    before = (root / "book" / "01_recap.ipynb").read_bytes()
    with pytest.raises(ValueError, match="`refresh` must be False"):
        run_book(root, "quick", ["01_recap"], refresh=True, progress=False,
                 rehearsal=Rehearsal("", ""))
    assert (root / "book" / "01_recap.ipynb").read_bytes() == before


def test_an_unknown_chapter_is_refused_before_anything_is_written(tmp_path):
    from course_lib.build.rehearsal import rehearse

    root = _copy_book(tmp_path)
    with pytest.raises(ValueError, match=r"Unknown chapters. Received: chapters=\['02_tokenizaton'\]"):
        rehearse(root, ["02_tokenizaton"], run_dir=tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_training_is_capped_in_every_chapter_and_only_there():
    from course_lib import training

    assert training._build_wrapper is None  # a normal run trains as its chapter says
    caps = capped_training(ROOT, list_chapters(ROOT), steps=3)
    assert caps["steps_per_epoch"] == 3
    assert {name for name, value in caps.items() if value == 1} == {
        "epochs", "small_epochs", "review_epochs", "weather_epochs", "plain_epochs",
        "bidirectional_epochs", "gru_epochs", "baseline_epochs", "memory_epochs",
        "marked_epochs"}
    plan_run(ROOT, "full", overrides=caps)  # every cap names a real parameter


def test_the_report_fails_on_errors_not_on_lessons(tmp_path):
    shown = ChapterRehearsal("04_simple_rnn", 12.3, 1536.0, not_shown=["cell 9: NotLearned"])
    report = RehearsalReport(tmp_path, [shown])
    assert report.passed and "| 04_simple_rnn | 12 | 1,536 | cell 9: NotLearned | - |" in report.table()
    report.chapters.append(ChapterRehearsal("05_lstm", errors=["cell 3: MemoryError"]))
    assert not report.passed


def test_a_stand_in_passes_verification_only_at_its_path_with_its_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(_home, "_STAND_INS", {})
    stand_in = tmp_path / "home" / "imdb.npz"
    stand_in.parent.mkdir()
    stand_in.write_bytes(b"a stand-in of the real size")
    with pytest.raises(OSError, match="not the expected imdb.npz"):
        _home.verify_checksum(stand_in, IMDB_NPZ)
    _home.accept_stand_ins({stand_in: _home.file_digest(stand_in)})
    _home.verify_checksum(stand_in, IMDB_NPZ)  # accepted
    elsewhere = tmp_path / "imdb.npz"
    elsewhere.write_bytes(stand_in.read_bytes())
    with pytest.raises(OSError, match="not the expected imdb.npz"):
        _home.verify_checksum(elsewhere, IMDB_NPZ)  # same bytes, another path
    stand_in.write_bytes(b"changed since the rehearsal wrote it")
    with pytest.raises(OSError, match="not the expected imdb.npz"):
        _home.verify_checksum(stand_in, IMDB_NPZ)


def test_a_step_limit_caps_a_chapters_own_fit_calls(monkeypatch):
    import keras
    import numpy as np

    from course_lib import training

    monkeypatch.setattr(keras.Model, "fit", keras.Model.fit)  # undone after the test
    training.limit_steps(3)
    training.limit_steps(3)  # a second call caps once, not twice
    steps = []

    class CountSteps(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append("train")

        def on_test_batch_end(self, batch, logs=None):
            steps.append("validation")

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    x, y = np.zeros((640, 4), "float32"), np.zeros((640, 1), "float32")
    model.fit(x, y, epochs=2, batch_size=32, validation_split=0.5, verbose=0,
              callbacks=[CountSteps()])
    assert steps == (["train"] * 3 + ["validation"] * 3) * 2
    with pytest.raises(ValueError, match="`limit` must be a positive integer. Received: limit=0"):
        training.limit_steps(0)


@pytest.mark.parametrize("build, batch", [
    (lambda: models.recurrent_classifier("LSTM", maxlen=500),
     ("int32", (128, 500))),
    (lambda: models.recurrent_regressor(
        14, dropout=0.2, recurrent_dropout=0.2), ("float32", (128, 240, 14))),
    (lambda: models.conv_regressor(14),
     ("float32", (128, 240, 14))),
], ids=["recurrent_classifier", "recurrent_regressor", "conv_regressor"])
def test_the_shared_models_take_a_batch_of_the_full_profiles_shape(build, batch):
    """The builders later chapters reuse, at the lecture's sizes: reviews of 500 words; Jena
    windows of 1,440 rows one in 6 (240 steps) of 14 variables, 128 to a batch."""
    import numpy as np

    dtype, shape = batch
    model = build()
    out = model.predict_on_batch(np.ones(shape, dtype=dtype))
    assert out.shape == (shape[0], 1) and np.isfinite(out).all()
