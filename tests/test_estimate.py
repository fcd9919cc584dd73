"""The full profile's cost projected from a few timed steps of every fit."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from course_lib import run_folder
from course_lib.build.estimate import ChapterEstimate, Estimate
from course_lib.fit_timing import Fit, measure_fits, partial_batches, planned_steps


def test_steps_are_counted_as_keras_counts_them():
    x = np.zeros((25_000, 5))
    assert planned_steps(x, batch_size=128, validation_split=0.2) == (157, 40)
    assert planned_steps(x) == (782, 0)  # batch_size defaults to 32, no validation
    assert planned_steps(x[:200], batch_size=32, validation_data=(x[:10_000], None)) == (7, 313)
    assert planned_steps(object(), steps_per_epoch=500, validation_steps=769) == (500, 769)
    # validation data given: Keras ignores the split
    assert planned_steps(x[:320], batch_size=32, validation_split=0.5,
                         validation_data=(x[:64], None)) == (10, 2)
    # a finite dataset counts its own batches: the weather chapters' validation windows
    import tensorflow as tf

    windows = tf.data.Dataset.range(98_432).batch(1024)
    assert planned_steps(tf.data.Dataset.range(5).repeat(), steps_per_epoch=500,
                         validation_data=windows) == (500, 97)
    with pytest.raises(ValueError, match="endless dataset or a generator needs `validation_steps`"):
        planned_steps(object(), steps_per_epoch=5, validation_data=windows.repeat())
    with pytest.raises(ValueError, match="needs `steps_per_epoch`.*Received: x of type object"):
        planned_steps(object())
    with pytest.raises(ValueError, match="validation_split=0.2"):
        planned_steps(object(), steps_per_epoch=5, validation_split=0.2)


def test_a_measured_fit_keeps_its_epochs_caps_its_steps_and_records_them(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.Model, "fit", keras.Model.fit)  # undone after the test
    measure_fits(2, tmp_path / "04_x.json")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="tiny")
    model.compile(optimizer="rmsprop", loss="mae")
    x, y = np.zeros((640, 4), "float32"), np.zeros((640, 1), "float32")
    batches = []

    class CountBatches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append("train")

        def on_test_batch_end(self, batch, logs=None):
            batches.append("validation")

    history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.5, verbose=0,
                        callbacks=[CountBatches()])
    assert batches == (["train"] * 2 + ["validation"] * 2) * 2  # 2 epochs of 2 + 2 batches
    assert len(history.history["loss"]) == 2  # EPOCHS run, the 3 asked for recorded
    (fit,) = json.loads((tmp_path / "04_x.json").read_text())
    assert (fit["model"], fit["epochs"], fit["train_steps"], fit["val_steps"]) == ("tiny", 3, 10, 10)
    assert fit["train_step_seconds"] > 0 and fit["val_step_seconds"] > 0


@pytest.mark.parametrize("kwargs, rests", [
    (dict(batch_size=128, validation_split=0.2), (32, 8)),  # 20,000 + 5,000 of 25,000
    (dict(batch_size=100, validation_split=0.2), (0, 0)),
    (dict(validation_data=(np.zeros((70, 1)), np.zeros(70))), (8, 6)),  # batches of 32
    (dict(batch_size=64, validation_data=(np.zeros((70, 1)), np.zeros(70)),
          validation_batch_size=50), (8, 20)),
    (dict(validation_data=[np.zeros((70, 1)), np.zeros(70)]), (8, 6)),
    (dict(validation_data=(np.zeros((70, 1)), np.zeros(70)), validation_steps=1), (8, 0)),
    (dict(batch_size=128, validation_split=0.2, steps_per_epoch=5), (0, 0)),  # stops early
])
def test_the_partial_last_batches_of_a_fit_on_arrays_are_found(kwargs, rests):
    x = np.zeros((25_000 if "validation_split" in kwargs else 200, 1))
    assert partial_batches(x, **kwargs) == rests


def test_a_dataset_has_no_partial_batches_to_time():
    import tensorflow as tf

    assert partial_batches(tf.data.Dataset.range(10).batch(3)) == (0, 0)


class _SlowSteps:
    """A model whose steps take 10 ms, and 50 ms on a batch shape seen for the first time."""

    def __init__(self, jit_compile):
        self.jit_compile, self.seen, self.steps = jit_compile, set(), []
        self.weights = ["fitted"]

    def get_weights(self):
        return list(self.weights)

    def set_weights(self, weights):
        self.weights = list(weights)

    def _step(self, kind, x):
        import time

        self.weights = ["stepped"]
        self.steps.append((kind, len(x)))
        time.sleep(0.01 if (kind, len(x)) in self.seen else 0.05)
        self.seen.add((kind, len(x)))

    def train_on_batch(self, x, y):
        self._step("train", x)

    def test_on_batch(self, x, y):
        self._step("test", x)


@pytest.mark.parametrize("jit_compile, steps", [
    (True, [("train", 4), ("test", 25)]), (False, [])])
def test_an_xla_fit_pays_once_for_compiling_its_partial_last_batches(jit_compile, steps):
    """With XLA a full fit on 100 + 25 arrays in batches of 32 compiles a batch of 4 and one of
    25, shapes the capped epochs never see; a graph step takes them without retracing."""
    from course_lib.fit_timing import _last_batches_overhead

    model = _SlowSteps(jit_compile)
    record = Fit("tiny", 3, 4, 1, train_step_seconds=0.01, val_step_seconds=0.01, seconds=1.0)
    x, y = np.zeros((125, 4), "float32"), np.zeros((125, 1), "float32")
    extra = _last_batches_overhead(model, x, y, record, partial_batches(
        x, batch_size=32, validation_split=0.2))
    assert model.steps == steps
    assert model.weights == ["fitted"]  # the chapter goes on with its fitted weights
    assert (0.07 <= extra < 0.2) if jit_compile else extra == 0.0


def test_the_projection_scales_the_timed_steps_and_adds_the_rest_once():
    fit = Fit("gru", epochs=20, train_steps=500, val_steps=769, train_step_seconds=0.05,
              val_step_seconds=0.01, seconds=3.0)
    assert fit.projected_seconds == pytest.approx(20 * (25 + 7.69))
    chapter = ChapterEstimate("07", [fit], seconds=10.0, peak_mib=900.0)
    assert chapter.projected_seconds == pytest.approx(fit.projected_seconds + 7.0)
    table = Estimate("full", None, [chapter]).table()
    assert "| 07 | 1 | 20 | 500 + 769 | 11.0 | 900 |" in table and "**11**" in table


def test_only_the_full_profile_is_estimated():
    from course_lib.build.estimate import estimate

    with pytest.raises(ValueError, match="`profile` must be 'full'.*Received: profile='quick'"):
        estimate(profile="quick")


def test_a_capped_fit_evaluates_a_finite_dataset_again_every_epoch(tmp_path, monkeypatch):
    """A finite validation dataset is cut with `take`, so every epoch validates on the same
    first batches (with `validation_steps` Keras would keep reading one iterator across
    epochs, and a short dataset would run out)."""
    import tensorflow as tf

    monkeypatch.setattr(keras.Model, "fit", keras.Model.fit)  # undone after the test
    measure_fits(2, tmp_path / "07_x.json")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="tiny")
    model.compile(optimizer="rmsprop", loss="mae")
    train = tf.data.Dataset.from_tensors((tf.zeros((8, 4)), tf.zeros((8, 1)))).repeat()
    windows = tf.data.Dataset.from_tensor_slices((tf.zeros((30, 4)), tf.zeros((30, 1)))).batch(4)
    seen = []

    class CountBatches(keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.fit(train, steps_per_epoch=5, epochs=3, validation_data=windows, verbose=0,
              callbacks=[CountBatches()])
    assert seen == [0, 1, 0, 1]  # 2 epochs (EPOCHS) of 2 batches each
    (fit,) = json.loads((tmp_path / "07_x.json").read_text())
    assert (fit["epochs"], fit["train_steps"], fit["val_steps"]) == (3, 5, 8)


def test_make_book_full_prints_the_last_whole_projection_before_it_starts(tmp_path, capsys,
                                                                         monkeypatch):
    """`make book PROFILE=full` calls `course-lib estimate --reuse`: the last projection of the
    whole profile, while the chapters and course_lib are those it measured."""
    import shutil

    from course_lib.build import cli, estimate
    from course_lib.build.estimate import inputs_digest, last_projection
    from course_lib.run_folder import ESTIMATE_SUMMARY

    root = Path(__file__).parents[1]
    shutil.copy(root / "_toc.yml", tmp_path)
    shutil.copytree(root / "book", tmp_path / "book")
    assert last_projection(tmp_path) is None
    folder = run_folder.default(tmp_path, "estimate").path  # estimate-jax on JAX
    folder.mkdir(parents=True)
    (folder / ESTIMATE_SUMMARY).write_text("{not json")
    assert last_projection(tmp_path) is None
    summary = dict(profile="full", made="2026-12-03 00:10", total_seconds=8820.0,
                   table="| chapter | ... |", inputs=inputs_digest(tmp_path))
    (folder / ESTIMATE_SUMMARY).write_text(json.dumps(summary))
    assert last_projection(tmp_path) == {**summary, "current": True}
    assert cli._estimate(tmp_path, "full", None, {}, False, reuse=True) == 0
    printed = capsys.readouterr().out
    assert "as projected on 2026-12-03 00:10" in printed and "Total: 147 min (2.5 h)." in printed

    profiles = tmp_path / "book" / "profiles.yml"  # a changed profile: measure again
    profiles.write_text(profiles.read_text() + "# changed\n")
    assert last_projection(tmp_path)["current"] is False
    monkeypatch.setattr(estimate, "estimate", lambda *args, **kwargs: (_ for _ in ()).throw(
        OSError("measuring")))
    assert cli._estimate(tmp_path, "full", None, {}, False, reuse=True) == 2
    assert "changed since the last projection" in capsys.readouterr().err

    assert cli._estimate(tmp_path, "full", ["07_forecasting"], {}, False, reuse=True) == 2
    assert "--reuse prints the whole profile's last projection" in capsys.readouterr().err
    assert "course-lib estimate --profile full --reuse" in (root / "Makefile").read_text()
