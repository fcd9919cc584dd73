"""How long a profile will take, known before it starts.

``course-lib estimate --profile full`` executes every chapter the way the rehearsal does (the
profile's parameters, on format-exact stand-ins of the real files, offline, each chapter in its
own kernel, reused models taken from the chapters that trained them, so counted once), with one
difference: no parameter is shortened. Every ``fit`` a chapter calls keeps its batch size and
records the epochs and steps it asked for, but runs only ``EPOCHS`` epochs of ``STEPS``
training and ``STEPS`` validation batches, and a callback times each batch, the input pipeline
included. That happens in the chapter's kernel (:mod:`course_lib.fit_timing`, which the run's
settings switch on: :func:`course_lib.run_context.apply_run_settings`).

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

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from course_lib import run_folder
from course_lib._checks import check_positive_int
from course_lib._files import bytes_digest
from course_lib.fit_timing import Fit
from course_lib.run_folder import RunFolder

STEPS = 6  # batches timed per epoch, training and validation each


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
    for stale in run.fits_dir.glob("*.json"):  # an earlier estimate's records
        stale.unlink()
    report = rehearse(root, chapters, run_dir=run.path, overrides=dict(overrides or {}),
                      steps=None if uncapped else steps, measure_fits=True,
                      progress=progress, cell_timeout=None if uncapped else CELL_TIMEOUT)
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
    return bytes_digest(json.dumps(digest, sort_keys=True).encode())
