"""The review-classification task, set up once and shared by every text chapter that trains.

Chapters 04, 05, 06, 10 and 11 train models on the same padded reviews and compare them with
each other. One definition of the task (data, training call, and the settings that decide
whether a result recorded by another chapter may be reused) keeps those comparisons fair and
keeps each chapter's cells about the model, not the plumbing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from course_lib import results, run_context
from course_lib._checks import check_positive_int
from course_lib.datasets import load_padded_imdb
from course_lib.training import TrainingRun, train

VALIDATION_SPLIT = 0.2  # the lecture holds out the last 20% of the training reviews


@dataclass
class ReviewTask(results.RecordingTask):
    """Padded reviews plus how to train, record and reuse models on them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    epochs: int
    batch_size: int
    seed: int
    settings: dict
    run_folder: str = ""  # the runner's run folder; empty: nothing is recorded or recalled
    TASK = "reviews"

    def train(self, build: Callable[[], keras.Model], name: str, *, epochs: int | None = None) -> TrainingRun:
        """Build a model with ``build()`` and fit it, holding out the last 20% of the training
        reviews for validation, as the lecture does.

        The seed is set before the model is built, so its initial weights and the shuffling are
        the same whatever ran before: two models are compared, not two random draws.
        """
        keras.utils.set_random_seed(self.seed)
        return train(build(), self.x_train, self.y_train, epochs=epochs or self.epochs,
                     batch_size=self.batch_size, validation_split=VALIDATION_SPLIT,
                     seed=self.seed, name=name)



def review_task(
    *, source: str, num_words: int, maxlen: int, train_samples: int, epochs: int,
    batch_size: int, seed: int, reverse: bool = False, run_folder: str | None = None,
) -> ReviewTask:
    """Load the reviews, keep the first ``train_samples`` for training, pad every review to
    ``maxlen`` words (at the start, keeping its end), and remember the settings.

    ``reverse`` reverses each review before padding (chapter 10). ``run_folder`` is where
    results are recorded and recalled; by default the runner's (:mod:`course_lib.run_context`).
    """
    check_positive_int(epochs=epochs, batch_size=batch_size)
    (x_train, y_train), (x_test, y_test) = load_padded_imdb(
        num_words=num_words, maxlen=maxlen, train_samples=train_samples, source=source,
        reverse=reverse)
    settings = dict(source=source, num_words=num_words, maxlen=maxlen,
                    train_samples=train_samples, epochs=epochs, batch_size=batch_size, seed=seed)
    if reverse:
        settings["reverse"] = True
    return ReviewTask(x_train, y_train, x_test, y_test, epochs, batch_size, seed, settings,
                      run_context.run_folder() if run_folder is None else run_folder)
