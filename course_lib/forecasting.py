"""The temperature-forecasting task, set up once and shared by every weather chapter.

Chapters 07-12 all train models on the same windows of the same normalised series and must
record comparable figures. Keeping the set-up here means one definition of "the task" (data,
splits, the standard deviation that turns normalised MAE into degrees, and the settings that
decide whether a result recorded by another chapter may be reused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from course_lib import results, run_context
from course_lib._checks import check_positive_int
from course_lib.datasets import WeatherRecord, load_jena
from course_lib.training import TrainingRun, train
from course_lib.windows import ForecastSplits, normalize


@dataclass
class WeatherTask(results.RecordingTask):
    """Normalised weather windows plus how to train and record models on them."""

    series: WeatherRecord
    splits: ForecastSplits
    mean: np.ndarray
    std: np.ndarray
    steps_per_epoch: int
    epochs: int
    seed: int
    settings: dict
    run_folder: str = ""  # the runner's run folder; empty: nothing is recorded or recalled
    TASK = "weather"

    @property
    def degrees(self) -> float:
        """One normalised unit of the target in degrees Celsius (the target's std)."""
        return float(self.std[self.series.target_index])

    def naive_mae(self, split: str = "val") -> float:
        """The persistence baseline's MAE in degrees Celsius."""
        return self.splits.naive_mae(split) * self.degrees

    def train(self, build: Callable[[], keras.Model], name: str, *, epochs: int | None = None) -> TrainingRun:
        """Build a model with ``build()`` and fit it on the training windows, validating on the
        validation windows.

        The seed is set before the model is built, so its initial weights and the random
        training windows are the same whatever ran before: a comparison between two models is
        not a comparison between two draws.
        """
        keras.utils.set_random_seed(self.seed)
        run = train(build(), **self.splits.fit_arguments(steps_per_epoch=self.steps_per_epoch, seed=self.seed),
                    epochs=epochs or self.epochs, name=name)
        run.mae_scale = self.degrees
        return run


    def record_baseline(self, chapter: str) -> results.Result:
        baseline = results.Result(chapter=chapter, model="naive baseline", task="weather",
                                  metric="val_mae_degC", value=self.naive_mae(), parameters=0,
                                  seconds_per_epoch=0.0, source=self.source, settings=self.settings)
        results.record(baseline, self.run_folder)
        return baseline


def weather_task(
    *, source: str, station: str, lookback: int, step: int, delay: int, batch_size: int,
    train_end: int, val_end: int, steps_per_epoch: int, epochs: int, seed: int,
    alignment: str = "lecture", run_folder: str | None = None,
) -> WeatherTask:
    """Load the weather record and build the lecture's train/validation/test windows.

    Normalisation uses the training rows only: the validation and test rows play the future,
    whose statistics a forecaster cannot know. ``run_folder`` is where results are
    recorded and recalled; by default the runner's (:mod:`course_lib.run_context`).
    """
    check_positive_int(steps_per_epoch=steps_per_epoch, epochs=epochs)
    record = load_jena(source=source, station=station)
    data, mean, std = normalize(record.values, train_end)
    splits = ForecastSplits(data, lookback=lookback, delay=delay, step=step, batch_size=batch_size,
                            train_end=train_end, val_end=val_end, target_column=record.target_index,
                            alignment=alignment)
    settings = dict(source=source, station=station, lookback=lookback, step=step, delay=delay,
                    batch_size=batch_size, train_end=train_end, val_end=val_end,
                    steps_per_epoch=steps_per_epoch, epochs=epochs, seed=seed)
    return WeatherTask(record, splits, mean, std, steps_per_epoch, epochs, seed, settings,
                       run_context.run_folder() if run_folder is None else run_folder)
