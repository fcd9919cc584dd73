"""Seeded training that records what the chapters compare: curves, time per epoch, size."""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import keras
import numpy as np

from course_lib import backends
from course_lib._checks import check_positive_int


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch, in ``seconds``: what a chapter reports as seconds per epoch.

    Keras' ``History`` keeps the metrics of each epoch but not how long it took, and the
    lecture compares models by their cost as well as their score.
    """

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


class BatchTimer(keras.callbacks.Callback):
    """Wall time of every training and validation batch (``train``, ``val``: lists of
    ``(epoch, seconds)``) and of every epoch (``walls``), the input pipeline included: how
    ``course-lib estimate`` and the pipeline benchmark time a fit's steps."""

    def on_train_begin(self, logs=None):
        self.train, self.val, self.walls, self.epoch = [], [], [], 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self._epoch_started = epoch, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.walls.append(time.perf_counter() - self._epoch_started)

    def on_train_batch_begin(self, batch, logs=None):
        self._started = time.perf_counter()

    on_test_batch_begin = on_train_batch_begin

    def on_train_batch_end(self, batch, logs=None):
        self.train.append((self.epoch, time.perf_counter() - self._started))

    def on_test_batch_end(self, batch, logs=None):
        self.val.append((self.epoch, time.perf_counter() - self._started))

    @staticmethod
    def steady(times: list[tuple[int, float]]) -> float:
        """Median batch time after the first epoch, whose first batches trace the graphs
        (with one epoch: after its first batch)."""
        later = [seconds for epoch, seconds in times if epoch > 0] or [s for _, s in times[1:]]
        return statistics.median(later or [s for _, s in times] or [0.0])

    def overheads(self, total: float) -> tuple[float, float]:
        """What the first epoch took beyond as many batches at the steady step times (the
        graphs are traced inside its first batches), with the fit's setup (``total`` is the
        whole fit's wall time); and the median time a later epoch spent besides its batches."""
        train, val = self.steady(self.train), self.steady(self.val)
        first_batches = (sum(e == 0 for e, _ in self.train) * train
                         + sum(e == 0 for e, _ in self.val) * val)
        setup = total - sum(self.walls)
        first = (self.walls[0] - first_batches if self.walls else 0.0) + setup
        later = [wall - sum(s for e, s in self.train + self.val if e == epoch)
                 for epoch, wall in enumerate(self.walls) if epoch > 0]
        return max(first, 0.0), max(statistics.median(later) if later else 0.0, 0.0)


@dataclass
class TrainingRun:
    """What one ``fit`` produced: per-epoch ``history``, wall time per epoch, parameter count."""

    name: str
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    parameters: int
    model: keras.Model
    mae_scale: float = 1.0  # weather: the target's standard deviation, to report MAE in degrees

    @classmethod
    def from_fit(cls, name: str, history: keras.callbacks.History, timer: EpochTimer,
                 *, mae_scale: float = 1.0) -> TrainingRun:
        """What a chapter's own ``history = model.fit(..., callbacks=[timer])`` produced."""
        epochs = len(history.epoch)
        if len(getattr(timer, "seconds", [])) != epochs:
            raise ValueError(
                "`timer` must be the EpochTimer passed to the `fit` that returned `history`. "
                f"Received: a timer of {len(getattr(timer, 'seconds', []))} epochs for a "
                f"history of {epochs}")
        return cls(
            name=name,
            history={key: [float(v) for v in values] for key, values in history.history.items()},
            epoch_seconds=list(timer.seconds),
            parameters=int(history.model.count_params()),
            model=history.model,
            mae_scale=mae_scale,
        )

    @property
    def seconds_per_epoch(self) -> float:
        """Median wall time of an epoch, so the slow first epoch (graph tracing) weighs less
        than in a mean."""
        return float(np.median(self.epoch_seconds))

    def best(self, metric: str) -> float:
        """Best value of a validation metric over the epochs (max for accuracy, min for losses)."""
        values = self.history[metric]
        return float(max(values) if "acc" in metric else min(values))


DETERMINISM_VARIABLE = "COURSE_LIB_DETERMINISTIC"


def op_determinism_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``train`` makes TensorFlow's ops deterministic: yes, unless the environment
    variable ``COURSE_LIB_DETERMINISTIC`` is ``"0"`` (``"1"`` or unset: yes).

    On by default, so that two runs with the same seed give the same figures. The switch is for
    the full profile on a GPU: cuDNN's deterministic kernels are slower than its default ones,
    so ``COURSE_LIB_DETERMINISTIC=0`` trades reproducibility for speed there, and the results
    then differ from run to run (the seed still fixes the initial weights and the shuffling).
    ``environ`` defaults to ``os.environ``.
    """
    value = (os.environ if environ is None else environ).get(DETERMINISM_VARIABLE, "1")
    if value not in ("0", "1"):
        raise ValueError(
            f"`{DETERMINISM_VARIABLE}` must be '1' (deterministic ops, the default) or '0' "
            f"(faster on a GPU, results differ run to run). Received: {DETERMINISM_VARIABLE}={value!r}"
        )
    return value == "1"


def reproducible(seed: int, *, jit_compile: bool = False) -> None:
    """Seed Python, NumPy and the backend, and make TensorFlow's kernels deterministic (unless
    ``COURSE_LIB_DETERMINISTIC=0``): the same seed then gives the same figures on this machine.
    A chapter calls it once, before it builds anything.

    ``jit_compile``: whether the chapter compiles its models' steps with XLA
    (``model.compile(..., jit_compile=True)``). On a machine without a GPU, op determinism then
    stays off, for two reasons: Keras compiles no step with XLA while it is on (its
    ``model_supports_jit``), and an XLA step on a CPU repeats to the bit without it (the
    course's models, measured: ``tests/test_environment.py`` and ``docs/maintaining.md``). On a
    GPU, where XLA's steps need not repeat, it stays on, and Keras runs the steps without XLA
    (as it does on a GPU anyway for a GRU or LSTM of cuDNN's default activations, bias and
    ``unroll``, with or without ``recurrent_dropout``).
    """
    keras.utils.set_random_seed(seed)
    if backends.compiles_steps(jit_compile) and not backends.has_gpu():
        op_determinism_wanted()  # still refuses a mistyped COURSE_LIB_DETERMINISTIC
        backends.make_ops_deterministic(False)
    else:
        backends.make_ops_deterministic(op_determinism_wanted())
    steps_follow_the_chapter(jit_compile)
    fits_start_from(seed)


# What a model compiled without ``jit_compile`` (Keras' "auto") does in a chapter's kernel: the
# chapter's own setting, once ``reproducible`` has given it; Keras' own rule before that.
_chapter_jit_compile: bool | None = None


def steps_follow_the_chapter(jit_compile: bool) -> None:
    """Make ``model.compile(...)`` without ``jit_compile`` compile its steps with XLA exactly
    when the chapter asked for it (``reproducible``'s ``jit_compile``), so that the page's
    ``compile`` calls read as the lecture's and the chapter states its choice once, at the top.

    Keras resolves ``jit_compile="auto"``, the default, by itself: never XLA on a machine
    without a GPU, XLA on a GPU whenever op determinism is off. The full profile wants XLA on
    a CPU too, and the quick profile none on a GPU, so "auto" is made to mean the chapter's
    setting, still only where Keras can compile the model with XLA (its ``model_supports_jit``:
    never while op determinism is on), as it does for an explicit ``jit_compile=True``. An
    explicit ``jit_compile`` in a ``compile`` call is left as it is.
    """
    global _chapter_jit_compile
    from keras.src.trainers import trainer  # Keras has no public default for jit_compile

    if not hasattr(trainer.Trainer, "_resolve_auto_jit_compile"):
        raise RuntimeError(
            "This Keras resolves `jit_compile='auto'` elsewhere than the course expects "
            f"(keras {keras.__version__}); install the versions in constraints.txt.")
    if not getattr(trainer.Trainer._resolve_auto_jit_compile, "follows_the_chapter", False):
        keras_rule = trainer.Trainer._resolve_auto_jit_compile

        def chapter_rule(model) -> bool:
            if _chapter_jit_compile is None:
                return keras_rule(model)
            return backends.compiles_steps(_chapter_jit_compile) and trainer.model_supports_jit(model)

        chapter_rule.follows_the_chapter = True
        trainer.Trainer._resolve_auto_jit_compile = chapter_rule
    _chapter_jit_compile = bool(jit_compile)


# What the course puts under every ``model.fit`` of a kernel: the chapter's seed, given by
# ``reproducible``, and a build tool's wrapper, given by ``wrap_fit``.
_chapter_seed: int | None = None
_build_wrapper: Callable[..., object] | None = None


def fits_start_from(seed: int) -> None:
    """Seed Python, NumPy and Keras again at the start of every later ``model.fit`` in this
    process, so that each model of a chapter trains on the same shuffling and the same dropout
    draws whatever ran before it, and the page seeds a model once, before building it.

    ``fit``'s arguments (a dataset built with its own seed) are made before the seeding, as
    they were when the page seeded just before calling ``fit``.
    """
    global _chapter_seed
    _chapter_seed = seed
    _route_fit()


def wrap_fit(wrapper: Callable[..., object]) -> None:
    """Route every later ``model.fit(...)`` in this process through
    ``wrapper(fit, model, *args, **kwargs)``, where ``fit`` is Keras' own ``keras.Model.fit``.

    The one way the build tools change how a chapter trains, from outside the chapter (through
    :func:`course_lib.run_context.apply_run_settings` in its kernel): the rehearsal's cap
    (:func:`limit_steps`) and the estimate's timing (:func:`course_lib.fit_timing.measure_fits`).
    Chapters call ``model.fit`` themselves, with the lecture's arguments, so the change has to
    sit under ``fit``. A second call replaces the first wrapper instead of wrapping it; the
    chapter's seeding (:func:`fits_start_from`) stays, and comes first.
    """
    global _build_wrapper
    _build_wrapper = wrapper
    _route_fit()


def _route_fit() -> None:
    fit = keras_fit()
    if getattr(keras.Model.fit, "keras_fit", None) is fit:
        return  # routed already: the two settings above decide what a fit does

    @functools.wraps(fit)
    def course_fit(model, *args, **kwargs):
        if _chapter_seed is not None:
            keras.utils.set_random_seed(_chapter_seed)
        if _build_wrapper is None:
            return fit(model, *args, **kwargs)
        return _build_wrapper(fit, model, *args, **kwargs)

    course_fit.keras_fit = fit
    keras.Model.fit = course_fit


def keras_fit() -> Callable[..., object]:
    """Keras' own ``keras.Model.fit``, under any wrapper :func:`wrap_fit` put over it."""
    return getattr(keras.Model.fit, "keras_fit", keras.Model.fit)


def limit_steps(limit: int) -> None:
    """Cap every later ``fit`` in this kernel at ``limit`` training steps per epoch and as many
    validation steps, whatever the chapter asks (with :func:`wrap_fit`).

    For the full-profile rehearsal only (:mod:`course_lib.build.rehearsal`), which runs each
    chapter at the lecture's sizes to reach all its code in minutes.
    """
    check_positive_int(limit=limit)

    def capped_fit(fit, model, *args, steps_per_epoch=None, validation_steps=None, **kwargs):
        steps_per_epoch = min(steps_per_epoch or limit, limit)
        if kwargs.get("validation_data") is not None:
            validation_steps, kwargs["validation_data"] = cap_validation(
                limit, validation_steps, kwargs["validation_data"])
        elif kwargs.get("validation_split"):
            validation_steps = min(validation_steps or limit, limit)
        return fit(model, *args, steps_per_epoch=steps_per_epoch,
                   validation_steps=validation_steps, **kwargs)

    wrap_fit(capped_fit)


def finite_batches(data) -> int | None:
    """How many batches a ``tf.data`` dataset holds, when it is finite and says so."""
    cardinality = getattr(data, "cardinality", None)
    if cardinality is None:
        return None
    batches = int(cardinality())
    return batches if batches >= 0 else None


def cap_validation(limit: int, validation_steps, validation_data):
    """``fit``'s validation arguments shortened to at most ``limit`` batches: a finite
    dataset is cut with ``take`` (with ``validation_steps`` it would run out in a later
    epoch), anything else gets ``validation_steps``."""
    if validation_steps is None and finite_batches(validation_data) is not None:
        return None, validation_data.take(limit)
    return min(validation_steps or limit, limit), validation_data


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
    """``model.fit`` with a fixed seed, no console output, and epoch timing: what a chapter
    writes out on its page, for the models a later chapter trains again.

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
    reproducible(seed, jit_compile=bool(model.jit_compile))  # an XLA model's chapter
    timer = EpochTimer()
    history = model.fit(
        x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
        validation_data=validation_data, steps_per_epoch=steps_per_epoch,
        validation_steps=validation_steps, verbose=0, callbacks=[timer],
        shuffle=y is not None,  # a dataset or generator brings its own order
    )
    return TrainingRun.from_fit(name or model.name, history, timer)



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
