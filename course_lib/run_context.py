"""What the runner tells a chapter's kernel about the run it belongs to.

Two facts: the run folder (where a chapter records its results and lesson margins, and finds
the models earlier chapters trained), and whether a lesson that does not show is reported
instead of failing the chapter (``course-lib lessons`` and ``course-lib rehearse`` only).

They travel in the kernel's environment, not as notebook parameters: they are the runner's
business, and the parameters cell a reader sees holds only the knobs a reader may turn. A
kernel the runner did not start (nbval, a notebook opened by hand, papermill run directly)
has neither: nothing is recorded, nothing is recalled, every lesson is enforced.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

RUN_FOLDER_VARIABLE = "COURSE_LIB_RUN_FOLDER"
REPORT_LESSONS_VARIABLE = "COURSE_LIB_REPORT_LESSONS"


def run_folder(environ: Mapping[str, str] | None = None) -> str:
    """The run folder the runner started this kernel for (``""``: none)."""
    return (os.environ if environ is None else environ).get(RUN_FOLDER_VARIABLE, "")


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
                 environ: MutableMapping[str, str] | None = None) -> None:
    """Set both facts for the kernels started from now on in this process (a runner worker,
    which executes one chapter at a time)."""
    environ = os.environ if environ is None else environ
    environ[RUN_FOLDER_VARIABLE] = str(folder)
    environ[REPORT_LESSONS_VARIABLE] = "1" if report else "0"
