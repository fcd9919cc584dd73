"""Seeded training that records what the chapters compare: curves, time per epoch, size."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np

from course_lib._checks import check_positive_int


class _EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


@dataclass
class TrainingRun:
    """What one ``fit`` produced: per-epoch ``history``, wall time per epoch, parameter count."""

    name: str
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    parameters: int
    model: keras.Model
    mae_scale: float = 1.0  # weather: the target's standard deviation, to report MAE in degrees

    @property
    def seconds_per_epoch(self) -> float:
        """Median wall time of an epoch, so the slow first epoch (graph tracing) weighs less
        than in a mean."""
        return float(np.median(self.epoch_seconds))

    def best(self, metric: str) -> float:
        """Best value of a validation metric over the epochs (max for accuracy, min for losses)."""
        values = self.history[metric]
        return float(max(values) if "acc" in metric else min(values))


def _deterministic_ops() -> None:
    """Make TensorFlow's kernels deterministic: without this, multi-threaded reductions make
    two runs with the same seed differ, and a chapter's checked figures would drift."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def train(
    model: keras.Model,
    x,
    y=None,
    *,
    epochs: int,
    batch_size: int | None = 32,
    validation_split: float = 0.0,
    validation_data=None,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    seed: int = 0,
    name: str | None = None,
) -> TrainingRun:
    """``model.fit`` with a fixed seed, no console output, and epoch timing.

    ``x`` may be arrays (with ``y``) or a ``tf.data.Dataset``/generator (then ``batch_size``
    must be ``None``), exactly as ``fit`` accepts them.
    """
    check_positive_int(epochs=epochs)
    for label, array in (("x", x), ("y", y)):
        if isinstance(array, np.ndarray) and np.issubdtype(array.dtype, np.number) and not np.isfinite(array).all():
            raise ValueError(
                f"`{label}` must hold finite numbers: NaN or infinite values make every loss NaN. "
                f"Received: {int((~np.isfinite(array)).sum())} non-finite values in {label} of shape {array.shape}"
            )
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(
            f"`validation_split` must be in [0, 1). Received: validation_split={validation_split!r}"
        )
    keras.utils.set_random_seed(seed)
    _deterministic_ops()
    timer = _EpochTimer()
    history = model.fit(
        x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
        validation_data=validation_data, steps_per_epoch=steps_per_epoch,
        validation_steps=validation_steps, verbose=0, callbacks=[timer],
        shuffle=y is not None,  # a dataset or generator brings its own order
    )
    return TrainingRun(
        name=name or model.name,
        history={key: [float(v) for v in values] for key, values in history.history.items()},
        epoch_seconds=timer.seconds,
        parameters=int(model.count_params()),
        model=model,
    )



def fastest_training_steps(models: Mapping[str, keras.Model], x, y, *,
                           repeats: int = 10) -> dict[str, float]:
    """Each model's fastest of ``repeats`` timed training steps on one batch, in seconds.

    One untimed step per model first traces its graph. The models then take their steps in
    turns, so a burst of other work on the machine (a second chapter running beside this one)
    falls on all of them alike; and the minimum, not the mean, is the cost of an update, since
    other work can only add time to a step.
    """
    check_positive_int(repeats=repeats)
    if not models:
        raise ValueError("`models` must name at least one model. Received: models={}")
    for model in models.values():
        model.train_on_batch(x, y)
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            started = time.perf_counter()
            model.train_on_batch(x, y)
            seconds[name].append(time.perf_counter() - started)
    return {name: min(times) for name, times in seconds.items()}
