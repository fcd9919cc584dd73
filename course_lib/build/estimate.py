"""How long a profile will take, known before it starts.

``course-lib estimate --profile full`` executes every chapter the way the rehearsal does (the
profile's parameters, on format-exact stand-ins of the real files, offline, each chapter in its
own kernel, reused models taken from the chapters that trained them, so counted once), with one
difference: no parameter is shortened. Every ``fit`` a chapter calls keeps its batch size and
records the epochs and steps it asked for, but runs only ``EPOCHS`` epochs of ``STEPS``
training and ``STEPS`` validation batches, and a callback times each batch, the input pipeline
included.

The projection of one ``fit`` is its epochs × (its training steps × the median time of a
training step + its validation steps × the median time of a validation step), the medians taken
after the first epoch, plus what the first epoch took beyond as many batches at those step
times (setup and graph tracing) once, with what one step on each partial last batch of a fit
on arrays costs beyond a steady step when XLA compiles that shape anew, and what a later timed
epoch took besides its batches once per epoch. A capped epoch keeps reading the same
iterator, so an epoch's re-shuffling of the arrays is not timed. A chapter's projection adds
what it spent outside ``fit`` in this execution (loading data, probes, side-by-side
timings), which does not depend on the number of steps. Each chapter's peak memory comes from
the same execution, at the full shapes.

``--uncapped`` runs every ``fit`` in full instead (into ``_build/runs/estimate-uncapped``), and
compares the time each took with the projection of the last capped estimate: that is how the
projection is checked (on a few chapters with ``-p epochs=2``; the whole profile uncapped is
the run being estimated).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from course_lib import run_folder
from course_lib._checks import check_positive_int
from course_lib.run_folder import RunFolder

STEPS = 6  # batches timed per epoch, training and validation each
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


def measure_fits(limit: int | None, folder: str | os.PathLike, chapter: str) -> None:
    """Wrap ``keras.Model.fit`` in this kernel: each call runs at most ``EPOCHS`` epochs of at
    most ``limit`` training and validation batches (``None``: the whole fit as asked), times
    every batch and appends a :class:`Fit` (what was asked, how long a batch took) to
    ``folder/<chapter>.json``. For the estimate's kernels
    only (see the module's docstring)."""
    import keras

    from course_lib.training import BatchTimer, cap_validation

    if limit is not None:
        check_positive_int(limit=limit)
    fit = getattr(keras.Model.fit, "uncapped", keras.Model.fit)
    path = Path(folder) / f"{chapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[]")

    def measured_fit(model, x=None, y=None, *, epochs=1, steps_per_epoch=None,
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
        record = Fit(model.name, int(asked), train, val, BatchTimer.steady(timer.train),
                     BatchTimer.steady(timer.val), seconds, *timer.overheads(seconds))
        if limit is not None:
            record.first_epoch_overhead += _last_batches_overhead(model, x, y, record, rests)
        fits = json.loads(path.read_text())
        path.write_text(json.dumps(fits + [record.__dict__], indent=1))
        return history

    measured_fit.uncapped = fit
    keras.Model.fit = measured_fit


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


@dataclass
class ChapterEstimate:
    chapter: str
    fits: list[Fit] = field(default_factory=list)
    seconds: float | None = None  # wall time of the chapter's (capped) execution
    peak_mib: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def outside_fit_seconds(self) -> float:
        return max((self.seconds or 0.0) - sum(fit.seconds for fit in self.fits), 0.0)

    @property
    def projected_seconds(self) -> float:
        return sum(fit.projected_seconds for fit in self.fits) + self.outside_fit_seconds


@dataclass
class Estimate:
    profile: str
    run_dir: Path
    chapters: list[ChapterEstimate]
    uncapped: bool = False
    projections: dict[str, list[Fit]] = field(default_factory=dict)  # capped run, by chapter

    @property
    def total_seconds(self) -> float:
        return sum(chapter.projected_seconds for chapter in self.chapters)

    def table(self) -> str:
        """A Markdown table, one row per chapter, then the total."""
        if self.uncapped:
            rows = ["| chapter | model | epochs | steps (train + val) per epoch | projected s "
                    "| measured s | error |", "|---|---|---:|---:|---:|---:|---:|"]
            for chapter in self.chapters:
                capped = self.projections.get(chapter.chapter, [])
                for index, fit in enumerate(chapter.fits):
                    if index >= len(capped) or capped[index].model != fit.model:
                        continue  # no projection of this fit: run the capped estimate first
                    projected = Fit(**{**capped[index].__dict__, "epochs": fit.epochs})
                    error = (projected.projected_seconds - fit.seconds) / fit.seconds
                    rows.append(f"| {chapter.chapter} | {fit.model} | {fit.epochs} | "
                                f"{fit.train_steps} + {fit.val_steps} | "
                                f"{projected.projected_seconds:.0f} | {fit.seconds:.0f} | "
                                f"{error:+.0%} |")
            return "\n".join(rows)
        rows = ["| chapter | fits | epochs | steps per epoch (train + val) | projected min "
                "| peak memory (MiB) |", "|---|---:|---|---|---:|---:|"]
        for chapter in self.chapters:
            epochs = ", ".join(str(fit.epochs) for fit in chapter.fits) or "-"
            steps = ", ".join(f"{fit.train_steps} + {fit.val_steps}" for fit in chapter.fits)
            memory = f"{chapter.peak_mib:,.0f}" if chapter.peak_mib is not None else "-"
            rows.append(f"| {chapter.chapter} | {len(chapter.fits)} | {epochs} | {steps or '-'} "
                        f"| {chapter.projected_seconds / 60:.1f} | {memory} |")
        peak = max((c.peak_mib or 0 for c in self.chapters), default=0)
        rows.append(f"| **total** | {sum(len(c.fits) for c in self.chapters)} | | | "
                    f"**{self.total_seconds / 60:.0f}** | {peak:,.0f} (largest) |")
        return "\n".join(rows)


def estimate(
    root: str | os.PathLike | None = None,
    profile: str = "full",
    chapters: list[str] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
    run_dir: str | os.PathLike | None = None,
    steps: int = STEPS,
    uncapped: bool = False,
    progress: bool = True,
) -> Estimate:
    """Project ``profile``'s training time chapter by chapter (see the module's docstring).

    Only the full profile reads data that may not be on this machine, so only it runs on
    stand-ins; its executed notebooks, the fit records and ``estimate.md`` go to ``run_dir``
    (default ``_build/runs/estimate``).
    """
    from course_lib.build.planner import find_root
    from course_lib.build.rehearsal import CELL_TIMEOUT, PROFILE, rehearse

    check_positive_int(steps=steps)
    if profile != PROFILE:
        raise ValueError(f"`profile` must be {PROFILE!r}: the quick profile runs in minutes, "
                         f"time it with `make book`. Received: profile={profile!r}")
    root = find_root(root)
    capped = run_folder.default(root, "estimate")
    run = RunFolder(run_dir) if run_dir else (
        run_folder.default(root, "estimate-uncapped") if uncapped else capped)
    fits_dir = run.fits_dir.resolve()
    limit = None if uncapped else steps
    setup = ("from course_lib.build.estimate import measure_fits\n"
             f"measure_fits({limit!r}, {str(fits_dir)!r}, '{{chapter}}')")
    for stale in fits_dir.glob("*.json"):  # an earlier estimate's records
        stale.unlink()
    report = rehearse(root, chapters, run_dir=run.path, overrides=dict(overrides or {}),
                      training_setup=setup, progress=progress,
                      cell_timeout=None if uncapped else CELL_TIMEOUT)
    result = Estimate(profile, run.path, [], uncapped)
    if uncapped:  # compare with the last capped estimate's projection
        for path in sorted(capped.fits_dir.glob("*.json")):
            result.projections[path.stem] = [Fit(**fit) for fit in json.loads(path.read_text())]
    for item in report.chapters:
        path = run.fits_file(item.chapter)
        fits = [Fit(**fit) for fit in json.loads(path.read_text())] if path.is_file() else []
        result.chapters.append(ChapterEstimate(item.chapter, fits, item.seconds,
                                               item.peak_mib, item.errors))
    run.estimate_report.write_text(result.table() + "\n")
    whole = not (uncapped or chapters or overrides or any(c.errors for c in result.chapters))
    if whole:
        summary = dict(profile=profile, made=time.strftime("%Y-%m-%d %H:%M"),
                       total_seconds=result.total_seconds, table=result.table(),
                       inputs=inputs_digest(root))
        run.estimate_summary.write_text(json.dumps(summary, indent=1) + "\n")
    return result


def last_projection(root: str | os.PathLike | None = None) -> dict | None:
    """The last projection of the whole profile on this machine (what :func:`estimate` wrote
    when it ran every chapter with no override and none failed), or None. Its ``"current"``
    says whether the chapters, the profiles and ``course_lib`` are still those it measured."""
    from course_lib.build.planner import find_root

    root = find_root(root)
    path = run_folder.default(root, "estimate").estimate_summary
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    keys = {"profile", "made", "total_seconds", "table", "inputs"}
    if not (isinstance(summary, dict) and keys <= set(summary)):
        return None
    return {**summary, "current": summary["inputs"] == inputs_digest(root)}


def inputs_digest(root: Path) -> str:
    """What a projection depends on besides the machine: every chapter's code (not the outputs
    a refresh writes), the profiles and the installed ``course_lib``."""
    from course_lib.build.execution_cache import file_sha256, library_digest, notebook_inputs
    from course_lib.build.planner import PROFILES_FILE, chapter_source, list_chapters

    chapters = {name: notebook_inputs(chapter_source(root, name)) for name in list_chapters(root)}
    digest = [chapters, file_sha256(root / run_folder.BOOK / PROFILES_FILE), library_digest()]
    return hashlib.sha256(json.dumps(digest, sort_keys=True).encode()).hexdigest()
