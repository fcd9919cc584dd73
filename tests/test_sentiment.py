"""The shared review task: seeded training, settings that decide reuse, reversed reviews."""

import keras
import numpy as np
import pytest

from course_lib import results
from course_lib.models import recurrent_classifier
from course_lib.sentiment import review_task

SMALL = dict(source="imdb_sample", num_words=500, maxlen=20, train_samples=80, epochs=1,
             batch_size=16, seed=0)


@pytest.fixture
def task(tmp_path):
    return review_task(**SMALL, run_folder=str(tmp_path))


def _small_rnn():
    return recurrent_classifier("SimpleRNN", num_words=SMALL["num_words"], embedding_dim=4,
                                units=4)


def test_the_task_pads_the_first_reviews_and_keeps_its_settings(task):
    assert task.x_train.shape == (80, 20) and task.y_train.shape == (80,)
    assert task.x_test.shape == (10_000, 20)
    assert task.settings == SMALL


def test_training_is_seeded_before_the_model_is_built(task):
    first = task.train(_small_rnn, "a")
    keras.utils.set_random_seed(123)  # whatever ran in between
    second = task.train(_small_rnn, "b")
    assert first.history == second.history


def test_a_recorded_result_is_reused_only_with_equal_settings(task):
    built = []

    def build():
        built.append(1)
        return _small_rnn()

    first = task.reuse_or_train("04_simple_rnn", "SimpleRNN", build, embedding_dim=4)
    again = task.reuse_or_train("04_simple_rnn", "SimpleRNN", build, embedding_dim=4)
    assert len(built) == 1 and again == first and first.settings["embedding_dim"] == 4
    task.reuse_or_train("04_simple_rnn", "SimpleRNN", build, embedding_dim=8)
    assert len(built) == 2
    recorded = results.load_results(task.run_folder)
    assert [(r.model, r.task) for r in recorded] == [("SimpleRNN", "reviews")]


def test_a_shorter_fit_of_a_recorded_model_is_recalled_as_its_first_epochs(task):
    """Reviews are shuffled anew each epoch from the one seed: a 1-epoch fit is the first epoch
    of a 2-epoch one, so it is recalled from it, best accuracy read from that epoch alone."""
    longer = task.reuse_or_train("04_simple_rnn", "SimpleRNN", _small_rnn, epochs=2,
                                 embedding_dim=4)

    def never_built():
        raise AssertionError("the recorded 2-epoch fit holds this one: nothing should be trained")

    shorter = task.reuse_or_train("04_simple_rnn", "SimpleRNN", never_built, embedding_dim=4)
    trained = task.result("04_simple_rnn", task.train(_small_rnn, "SimpleRNN"), embedding_dim=4)
    assert shorter.history == trained.history and shorter.value == trained.value
    assert shorter.settings == trained.settings and len(longer.history["loss"]) == 2
    built = []

    def other_size():
        built.append(1)
        return _small_rnn()

    task.reuse_or_train("04_simple_rnn", "SimpleRNN", other_size, embedding_dim=8)
    assert built  # another model's fit is never cut from a recorded one: trained


def test_reversed_reviews_are_reversed_before_padding():
    whole = {**SMALL, "maxlen": 1000}  # longer than any review: nothing is cut
    forwards, backwards = review_task(**whole), review_task(**whole, reverse=True)
    words = forwards.x_train[0][forwards.x_train[0] > 0]
    assert np.array_equal(backwards.x_train[0][-len(words):], words[::-1])
    assert backwards.x_train[0][0] == 0  # padding still comes first
    assert backwards.settings == {**whole, "reverse": True}
    assert backwards.run_folder == ""  # records nothing


def test_the_chapters_fit_call_trains_exactly_what_the_task_trains(task):
    """Chapter 4 onwards write the seeding and `fit` call out on the page (the chapter's
    set-up, then one seeding before each model is built: its fit starts from the set-up's
    seed); later chapters recall or retrain those models with `task.train`. Both must give
    the same figures."""
    from course_lib.training import EpochTimer, TrainingRun, reproducible

    by_task = task.train(_small_rnn, "SimpleRNN")
    reproducible(SMALL["seed"])  # the chapter's set-up
    keras.random.uniform((3,), seed=keras.random.SeedGenerator(7))  # whatever ran in between
    keras.utils.set_random_seed(SMALL["seed"])
    model = _small_rnn()
    keras.random.uniform((3,), seed=keras.random.SeedGenerator(8))  # and after building
    timer = EpochTimer()
    history = model.fit(task.x_train, task.y_train, epochs=SMALL["epochs"],
                        batch_size=SMALL["batch_size"], validation_split=0.2,
                        callbacks=[timer], verbose=0)
    on_the_page = TrainingRun.from_fit("SimpleRNN", history, timer)
    assert on_the_page.history == by_task.history
    assert on_the_page.parameters == by_task.parameters and len(timer.seconds) == 1
