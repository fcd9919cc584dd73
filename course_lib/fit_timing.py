"""A chapter's fits timed in its own kernel: the kernel side of ``course-lib estimate``.

:mod:`course_lib.build.estimate` executes every chapter with its kernel told (through the run's
settings, :func:`course_lib.run_context.apply_run_settings`) to call :func:`measure_fits`:
every ``fit`` the chapter calls then records the epochs and the training and validation steps
it asks for, as Keras counts them (:func:`planned_steps`), runs only ``EPOCHS`` epochs of a few
of those steps, and times each batch. The estimate projects each :class:`Fit` from that
record. It is in the teaching library because it runs in the chapters' kernels, and the
teaching library never imports the build wing.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass

from course_lib._checks import check_positive_int
from course_lib._files import atomic_write_text

EPOCHS = 2  # epochs run per fit: the first traces the graphs, the second times the steps


def planned_steps(x, *, batch_size=None, validation_split=0.0, validation_data=None,
                  steps_per_epoch=None, validation_steps=None,
                  validation_batch_size=None) -> tuple[int, int]:
    """The training and validation batches one epoch of ``fit`` takes with these arguments,
    as Keras counts them: arrays are split at ``floor(n * (1 - validation_split))`` and cut
    into batches of ``batch_size`` (32 when unset), the last one partial. An endless
    dataset or a generator gives no length: training on one needs ``steps_per_epoch``, as
    every chapter's weather ``fit`` has; a finite ``tf.data`` dataset (the weather chapters'
    validation windows) counts its own batches."""
    from course_lib.training import finite_batches

    length = _length(x)
    if validation_data is not None:
        validation_split = 0.0  # Keras ignores the split when validation data is given
    if length is None and (steps_per_epoch is None or validation_split):
        raise ValueError(
            "A `fit` on data without a length (a dataset, a generator, a dict) needs "
            "`steps_per_epoch` and no `validation_split` for an estimate. Received: "
            f"x of type {type(x).__name__}, steps_per_epoch={steps_per_epoch!r}, "
            f"validation_split={validation_split!r}")
    size = batch_size or 32
    kept, held_out = _split(length, validation_split)
    train = steps_per_epoch or math.ceil(kept / size)
    if validation_steps is not None:
        return train, validation_steps
    if validation_data is not None:
        batches = finite_batches(validation_data)
        if batches is not None:
            return train, batches
        held_out = _length(validation_data)
        if held_out is None:
            raise ValueError("A `fit` validating on an endless dataset or a generator needs "
                             "`validation_steps` for an estimate. Received: "
                             "validation_steps=None")
    return train, (math.ceil(held_out / (validation_batch_size or size)) if held_out else 0)


def _split(length: int | None, validation_split: float) -> tuple[int | None, int]:
    """Arrays kept for training and held out, as ``fit`` splits them: the last
    ``n - floor(n * (1 - validation_split))`` are held out."""
    if length is None or not validation_split:
        return length, 0
    kept = math.floor(length * (1 - validation_split))
    return kept, length - kept


def _length(data) -> int | None:
    if isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape"):
        data = data[0]
    shape = getattr(data, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else None


@dataclass
class Fit:
    """One ``fit`` call of a chapter: what it asked for and what its timed batches took."""

    model: str
    epochs: int
    train_steps: int
    val_steps: int
    train_step_seconds: float
    val_step_seconds: float
    seconds: float  # wall time of this (capped or full) fit
    first_epoch_overhead: float = 0.0  # setup and graph tracing: the first epoch's extra time
    epoch_overhead: float = 0.0  # what a later epoch takes besides its batches (shuffling)

    @property
    def projected_seconds(self) -> float:
        return (self.epochs * (self.train_steps * self.train_step_seconds
                               + self.val_steps * self.val_step_seconds)
                + self.first_epoch_overhead + max(self.epochs - 1, 0) * self.epoch_overhead)


def measure_fits(limit: int | None, record: str | os.PathLike) -> None:
    """Wrap ``keras.Model.fit`` in this kernel (:func:`course_lib.training.wrap_fit`): each
    call runs at most ``EPOCHS`` epochs of at most ``limit`` training and validation batches
    (``None``: the whole fit as asked), times every batch and appends a :class:`Fit` (what was
    asked, how long a batch took) to the JSON list in ``record`` (the run folder's
    ``fits_file(chapter)``), which starts empty. For the estimate's kernels only (see the
    module's docstring)."""
    from course_lib.training import BatchTimer, cap_validation, wrap_fit

    if limit is not None:
        check_positive_int(limit=limit)
    path = atomic_write_text(record, "[]")

    def measured_fit(fit, model, x=None, y=None, *, epochs=1, steps_per_epoch=None,
                     validation_steps=None, callbacks=None, **kwargs):
        train, val = planned_steps(
            x, batch_size=kwargs.get("batch_size"),
            validation_split=kwargs.get("validation_split", 0.0),
            validation_data=kwargs.get("validation_data"), steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_batch_size=kwargs.get("validation_batch_size"))
        asked = epochs
        rests = partial_batches(x, steps_per_epoch=steps_per_epoch,
                                validation_steps=validation_steps, **kwargs)
        if limit is not None:
            steps_per_epoch = min(train, limit)
            if val and kwargs.get("validation_data") is not None:
                validation_steps, kwargs["validation_data"] = cap_validation(
                    min(val, limit), validation_steps, kwargs["validation_data"])
            elif val:
                validation_steps = min(val, limit)
            epochs = min(epochs, EPOCHS)
        timer = BatchTimer()
        started = time.perf_counter()
        history = fit(model, x, y, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      validation_steps=validation_steps,
                      callbacks=[*(callbacks or []), timer], **kwargs)
        seconds = time.perf_counter() - started
        measured = Fit(model.name, int(asked), train, val, BatchTimer.steady(timer.train),
                       BatchTimer.steady(timer.val), seconds, *timer.overheads(seconds))
        if limit is not None:
            measured.first_epoch_overhead += _last_batches_overhead(model, x, y, measured, rests)
        fits = json.loads(path.read_text())
        atomic_write_text(path, json.dumps(fits + [measured.__dict__], indent=1))
        return history

    wrap_fit(measured_fit)


def partial_batches(x, *, batch_size=None, validation_split=0.0, validation_data=None,
                    validation_batch_size=None, steps_per_epoch=None, validation_steps=None,
                    **_) -> tuple[int, int]:
    """The sizes of the last, partial training and validation batches of a ``fit`` on
    arrays (0: none, data that is not arrays, or a fit told to stop after so many steps)."""
    length = _length(x)
    if length is None or steps_per_epoch is not None:
        return 0, 0
    kept, held_out = _split(length, 0.0 if validation_data is not None else validation_split)
    if validation_data is not None:
        held_out = _length(validation_data) or 0  # a dataset has no length: no partial batch
    if validation_steps is not None:
        held_out = 0
    size = batch_size or 32
    return kept % size, held_out % (validation_batch_size or size)


def _last_batches_overhead(model, x, y, record: Fit, rests: tuple[int, int]) -> float:
    """What the partial last batches of a full fit on arrays add once with XLA, which compiles
    each batch shape anew (a graph step takes a new batch size without retracing). A capped fit
    never reaches them, so one step of each shape is timed here, beyond a steady step."""
    train_rest, val_rest = rests
    if not getattr(model, "jit_compile", False) or y is None or not hasattr(y, "shape"):
        return 0.0
    weights, extra = model.get_weights(), 0.0  # the chapter goes on with the fitted weights
    for rest, step, typical in ((train_rest, model.train_on_batch, record.train_step_seconds),
                                (val_rest if record.val_steps else 0, model.test_on_batch,
                                 record.val_step_seconds)):
        if rest:
            started = time.perf_counter()
            step(x[:rest], y[:rest])
            extra += max(time.perf_counter() - started - typical, 0.0)
    model.set_weights(weights)
    return extra
