"""What the runner tells a chapter's kernel about the run it belongs to.

Three facts travel in the kernel's environment: the run folder (where a chapter records its
results and lesson margins, and finds the models earlier chapters trained), the chapter the
kernel executes, and whether a lesson that does not show is reported instead of failing the
chapter (``course-lib lessons`` and ``course-lib rehearse`` only).

They travel in the kernel's environment, not as notebook parameters: they are the runner's
business, and the parameters cell a reader sees holds only the knobs a reader may turn. A
kernel the runner did not start (nbval, a notebook opened by hand, papermill run directly)
has none: nothing is recorded, nothing is recalled, every lesson is enforced.

The rehearsal and the estimate ask more of every chapter's kernel: another data home, the
stand-ins it accepts, its fits capped or timed. That is a :class:`RunSettings`, data, which
the build tool writes into the run folder (``run_settings.json``) before any chapter starts.
The rehearsal's first cell in each chapter is one fixed line, :func:`apply_run_settings`,
which reads and applies them, and its last is another, :func:`record_peak_memory`: no code is
formatted for a kernel, whatever the run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from course_lib._files import atomic_write_text
from course_lib.run_folder import RunFolder

RUN_FOLDER_VARIABLE = "COURSE_LIB_RUN_FOLDER"
CHAPTER_VARIABLE = "COURSE_LIB_CHAPTER"
REPORT_LESSONS_VARIABLE = "COURSE_LIB_REPORT_LESSONS"


def run_folder(environ: Mapping[str, str] | None = None) -> str:
    """The run folder the runner started this kernel for (``""``: none)."""
    return (os.environ if environ is None else environ).get(RUN_FOLDER_VARIABLE, "")


def chapter(environ: Mapping[str, str] | None = None) -> str:
    """The chapter the runner started this kernel for (``""``: none)."""
    return (os.environ if environ is None else environ).get(CHAPTER_VARIABLE, "")


def report_lessons(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a lesson this run does not show is reported rather than raised."""
    value = (os.environ if environ is None else environ).get(REPORT_LESSONS_VARIABLE, "0")
    if value not in ("0", "1"):
        raise ValueError(
            f"`{REPORT_LESSONS_VARIABLE}` must be '0' (enforce every lesson, the default) or "
            f"'1' (report, set by `course-lib lessons`). Received: "
            f"{REPORT_LESSONS_VARIABLE}={value!r}")
    return value == "1"


def tell_kernels(folder: str, report: bool,
                 environ: MutableMapping[str, str] | None = None, *, chapter: str = "") -> None:
    """Set the three facts for the kernels started from now on in this process (a runner
    worker, which executes one chapter at a time)."""
    environ = os.environ if environ is None else environ
    environ[RUN_FOLDER_VARIABLE] = str(folder)
    environ[CHAPTER_VARIABLE] = chapter
    environ[REPORT_LESSONS_VARIABLE] = "1" if report else "0"


@dataclass(frozen=True)
class RunSettings:
    """What a rehearsal or an estimate asks of every chapter's kernel: the fields of the run
    folder's ``run_settings.json``, which :func:`apply_run_settings` applies.

    ``data_home``: the chapters' data home (``COURSE_LIB_DATA``), the stand-ins' folder
    (``""``: unchanged). ``stand_ins``: path -> sha256 of each stand-in, accepted there in
    place of the published digests (:func:`course_lib.datasets._home.accept_stand_ins`).
    ``step_limit``: at most this many training and as many validation steps per epoch of every
    ``fit`` (``None``: as the chapter asks). ``measure_fits``: time every ``fit`` and record it
    in the run folder (:func:`course_lib.fit_timing.measure_fits`, which also runs at most two
    epochs when ``step_limit`` is set).
    """

    data_home: str = ""
    stand_ins: dict[str, str] = field(default_factory=dict)
    step_limit: int | None = None
    measure_fits: bool = False

    def __post_init__(self) -> None:
        limit = self.step_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 1):
            raise ValueError("`step_limit` must be a positive integer or None. Received: "
                             f"step_limit={limit!r}")
        if not isinstance(self.data_home, str) or not isinstance(self.measure_fits, bool):
            raise ValueError("`data_home` must be a string and `measure_fits` a bool. Received: "
                             f"data_home={self.data_home!r}, measure_fits={self.measure_fits!r}")
        if not (isinstance(self.stand_ins, Mapping) and all(
                isinstance(key, str) and isinstance(value, str)
                for key, value in self.stand_ins.items())):
            raise ValueError("`stand_ins` must map each stand-in's path to its sha256, both "
                             f"strings. Received: stand_ins={self.stand_ins!r}")

    def save(self, path: str | os.PathLike) -> Path:
        """Write these settings as JSON to ``path`` (atomically)."""
        return atomic_write_text(path, json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> RunSettings:
        """The settings :meth:`save` wrote to ``path``; an ``OSError`` or ``ValueError`` that
        names the file when there are none or they are not these fields."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise OSError(f"No run settings at {path} ({exc}): a kernel reads them only when "
                          "the rehearsal or the estimate started it, which write them "
                          "first.") from exc
        except ValueError as exc:
            raise ValueError(f"The run settings in {path} are not JSON ({exc}).") from exc
        known = {item.name for item in fields(cls)}
        if not isinstance(data, dict) or set(data) - known:
            unknown = sorted(set(data) - known) if isinstance(data, dict) else data
            raise ValueError(f"The run settings in {path} must be an object of the fields "
                             f"{sorted(known)}. Received: {unknown!r}")
        return cls(**data)


def apply_run_settings() -> None:
    """Apply, in this kernel, the :class:`RunSettings` the rehearsal or the estimate wrote
    into the run folder the runner started it for: set the data home, accept the stand-ins,
    and cap or time every later ``fit`` (:func:`course_lib.training.limit_steps`,
    :func:`course_lib.fit_timing.measure_fits`). Called by the one fixed line the rehearsal
    puts first in each chapter; raises where no run folder or no settings are to be found."""
    run = _this_run("apply_run_settings")
    settings = RunSettings.load(run.run_settings)
    if settings.data_home:
        from course_lib.datasets._home import DATA_HOME_ENV

        os.environ[DATA_HOME_ENV] = settings.data_home
    if settings.stand_ins:
        from course_lib.datasets._home import accept_stand_ins

        accept_stand_ins(settings.stand_ins)
    if settings.measure_fits:
        from course_lib.fit_timing import measure_fits

        measure_fits(settings.step_limit, run.fits_file(_this_chapter("apply_run_settings")))
    elif settings.step_limit is not None:
        from course_lib.training import limit_steps

        limit_steps(settings.step_limit)


def record_peak_memory() -> None:
    """Write this kernel's peak resident memory so far, in MiB, to its chapter's memory file
    in the run folder (``{"peak_mib": ...}``; ``null`` on Windows, which has no ``resource``
    module): the rehearsal's last cell in each chapter."""
    try:
        import resource
    except ImportError:
        peak = None
    else:  # ru_maxrss: KiB, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak /= 1024 ** 2 if sys.platform == "darwin" else 1024
    run = _this_run("record_peak_memory")
    atomic_write_text(run.memory_file(_this_chapter("record_peak_memory")),
                      json.dumps({"peak_mib": peak}))


def _this_run(caller: str) -> RunFolder:
    return RunFolder(_told(run_folder(), "the run folder", RUN_FOLDER_VARIABLE, caller))


def _this_chapter(caller: str) -> str:
    return _told(chapter(), "the chapter", CHAPTER_VARIABLE, caller)


def _told(value: str, what: str, variable: str, caller: str) -> str:
    """What the runner told this kernel, or an error naming the variable that is missing."""
    if not value:
        raise RuntimeError(f"`{caller}` needs {what} the runner started this kernel for, and "
                           f"{variable} is not set: it works only in a kernel the rehearsal or "
                           "the estimate started.")
    return value
