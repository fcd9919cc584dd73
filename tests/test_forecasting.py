"""The shared weather task: one set-up, seeded training, reuse of results across chapters."""

import keras
import pytest

from course_lib import results
from course_lib.forecasting import weather_task
from course_lib.models import conv_regressor, recurrent_regressor

SMALL = dict(source="nyc", station="LGA", lookback=24, step=2, delay=6, batch_size=16,
             train_end=400, val_end=600, steps_per_epoch=2, epochs=1, seed=0)


@pytest.fixture
def task(tmp_path):
    return weather_task(**SMALL, run_folder=str(tmp_path))


def test_the_task_normalises_with_training_rows_and_reports_degrees(task):
    train_rows = task.splits.data[:SMALL["train_end"]]
    assert abs(float(train_rows.mean())) < 1e-4
    assert task.degrees == pytest.approx(float(task.std[task.series.target_index]))
    assert task.naive_mae() == pytest.approx(task.splits.naive_mae("val") * task.degrees)
    assert task.settings == SMALL and task.splits.timesteps == 12


def test_training_is_seeded_before_the_model_is_built(task):
    first = task.train(lambda: recurrent_regressor(task.splits.features, units=4), "a")
    keras.utils.set_random_seed(123)  # whatever ran in between
    second = task.train(lambda: recurrent_regressor(task.splits.features, units=4), "b")
    assert first.history == second.history
    assert first.mae_scale == task.degrees


def test_a_recorded_result_is_reused_instead_of_retrained(task):
    built = []

    def build():
        built.append(1)
        return recurrent_regressor(task.splits.features, units=4)

    first = task.reuse_or_train("07_forecasting", "GRU", build)
    again = task.reuse_or_train("07_forecasting", "GRU", build)
    assert len(built) == 1 and again == first
    other = weather_task(**{**SMALL, "lookback": 36}, run_folder=task.run_folder)
    other.reuse_or_train("07_forecasting", "GRU", build)  # other settings: retrained
    assert len(built) == 2
    task.reuse_or_train("07_forecasting", "GRU", build, units=8)  # another model size too
    assert len(built) == 3
    baseline = task.record_baseline("07_forecasting")
    names = {r.model for r in results.load_results(task.run_folder)}
    assert names == {"GRU", "naive baseline"} and baseline.value == pytest.approx(task.naive_mae())


@pytest.mark.parametrize("name, value", [("steps_per_epoch", 0), ("epochs", -1), ("epochs", 2.5)])
def test_bad_training_lengths_are_refused(name, value):
    with pytest.raises(ValueError, match=rf"`{name}` must be a positive integer. Received: {name}={value}"):
        weather_task(**{**SMALL, name: value})


def test_conv_models_have_the_lecture_layers():
    conv = conv_regressor(14)
    assert conv.count_params() == (5 * 14 * 32 + 32) + 2 * (5 * 32 * 32 + 32) + 33
    assert conv.predict(keras.ops.zeros((2, 120, 14)), verbose=0).shape == (2, 1)


def test_a_model_reused_from_a_chapter_that_trains_it_longer_keeps_its_own_epochs(task):
    """Chapter 8 trains for 40 epochs in the lecture, yet compares with chapter 7's 20-epoch
    GRU: the result reused (or trained) is the 20-epoch one, and says so."""
    built = []

    def build():
        built.append(1)
        return recurrent_regressor(task.splits.features, units=4)

    own_epochs = task.epochs + 1
    first = task.reuse_or_train("07_forecasting", "GRU", build, epochs=own_epochs, units=4)
    assert first.settings["epochs"] == own_epochs and len(first.history["loss"]) == own_epochs
    again = task.reuse_or_train("07_forecasting", "GRU", build, epochs=own_epochs, units=4)
    assert len(built) == 1 and again == first
    task.reuse_or_train("07_forecasting", "GRU", build, epochs=own_epochs + 1, units=4)
    assert len(built) == 2  # longer than any recorded fit: trained
    with pytest.raises(ValueError, match="`epochs` must be a positive integer. Received: epochs=0"):
        task.reuse_or_train("07_forecasting", "GRU", build, epochs=0)


def test_a_shorter_fit_of_a_recorded_model_is_recalled_as_its_first_epochs(task):
    """Chapter 9 compares its stack with chapter 8's GRU + dropout over 10 epochs, the first 10
    of the 20 chapter 8 records: recalled, they are what a 10-epoch fit gives, to the bit (the
    same windows and dropout masks, epoch after epoch), and nothing is trained."""
    rates = dict(units=4, dropout=0.3, recurrent_dropout=0.3)

    def build():
        return recurrent_regressor(task.splits.features, **rates)

    longer = task.reuse_or_train("08_recurrent_dropout", "GRU + dropout", build, epochs=3, **rates)
    shorter = task.reuse_or_train("08_recurrent_dropout", "GRU + dropout", _never_built, epochs=2,
                                  **rates)
    trained = task.result("08_recurrent_dropout", task.train(build, "GRU + dropout", epochs=2),
                          epochs=2, **rates)
    assert shorter.history == trained.history and shorter.value == trained.value
    assert shorter.settings == trained.settings and shorter.settings["epochs"] == 2
    assert shorter.history["loss"] == longer.history["loss"][:2]
    assert shorter.seconds_per_epoch == longer.seconds_per_epoch  # the longer run's timing
    assert [r.settings["epochs"] for r in results.load_results(task.run_folder)] == [3]
    longer_task = weather_task(**{**SMALL, "epochs": 3}, run_folder=task.run_folder)
    baseline = longer_task.record_baseline("07_forecasting")  # no curves to cut
    assert results.recall("07_forecasting", "weather", "naive baseline",
                          {**baseline.settings, "epochs": 2}, task.run_folder) is None


def _never_built():
    raise AssertionError("a recorded longer fit holds these epochs: nothing should be trained")


def test_the_chapters_fit_call_trains_exactly_what_the_task_trains(task):
    """Chapter 7 onwards write the seeding and `fit` call on the windows out on the page (the
    chapter's set-up, then one seeding before each model is built: its fit starts from the
    set-up's seed); later chapters recall or retrain those models with `task.train`: the same
    figures."""
    from course_lib.training import EpochTimer, TrainingRun, reproducible

    splits = task.splits
    by_task = task.train(lambda: recurrent_regressor(splits.features, units=4), "GRU")
    reproducible(SMALL["seed"])  # the chapter's set-up
    keras.utils.set_random_seed(123)  # whatever ran in between
    keras.utils.set_random_seed(SMALL["seed"])
    model = recurrent_regressor(splits.features, units=4)
    keras.utils.set_random_seed(99)  # and after building
    timer = EpochTimer()
    history = model.fit(splits.dataset("train", seed=SMALL["seed"]),
                        steps_per_epoch=SMALL["steps_per_epoch"], epochs=SMALL["epochs"],
                        validation_data=splits.dataset("val"), callbacks=[timer], verbose=0)
    on_the_page = TrainingRun.from_fit("GRU", history, timer, mae_scale=task.degrees)
    assert on_the_page.history == by_task.history
    assert on_the_page.best("val_loss") * task.degrees == by_task.best("val_loss") * task.degrees
