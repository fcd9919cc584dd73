"""The register of the lecture's findings, as chapter 13 reads it: a finding by its key, how many
findings have each verdict, the register as a Markdown table beside this run's figures, and the
reasons of the findings that are not shown.

What a finding is, what each verdict means, and the entries themselves (quotes, verdicts,
reasons) are course_lib.findings_register's; its names are re-exported here, so that chapter 13
and the tests read the register through one module.
"""

from __future__ import annotations

from collections.abc import Sequence

from course_lib.findings_register import (DOES_NOT_HOLD, FINDINGS, NOT_SHOWN, SHOWN, VERDICTS,
                                          Finding)
from course_lib.results import Result

__all__ = ["DOES_NOT_HOLD", "FINDINGS", "NOT_SHOWN", "SHOWN", "VERDICTS", "Finding", "counts",
           "finding", "reasons", "register_table"]


def finding(key: str) -> Finding:
    """The finding called ``key``; an unknown key is named with the choices."""
    for item in FINDINGS:
        if item.key == key:
            return item
    raise ValueError(f"Unknown finding. Received: key={key!r}. "
                     f"Valid: {[item.key for item in FINDINGS]}")


def counts() -> dict[str, int]:
    """How many findings have each verdict, in the order of ``VERDICTS``."""
    return {verdict: sum(item.verdict == verdict for item in FINDINGS) for verdict in VERDICTS}


def register_table(margins: dict[str, dict], recorded: Sequence[Result] = ()) -> str:
    """The register as a Markdown table: the lecture's words and figures beside this run's
    figures for each finding (the ``recorded`` results of the models it names) and whether this
    run shows the lecture's claim (from ``margins``, :func:`course_lib.lessons.measured` of the
    run; a finding that does not hold is measured by a check of its opposite). Margins are not
    printed: they embed the checks' thresholds, which belong to the checks."""
    values = {(r.chapter, r.model, r.task): r for r in recorded}
    lines = ["| the lecture | chapter | the lecture reports | this run | this run shows it | "
             "verdict |", "|---|---|---|---|---|---|"]
    for item in FINDINGS:
        figures = [_figure(values[key]) for key in item.models if key in values]
        held = [margins[key]["held"] for key in item.lessons if key in margins]
        # a finding that does not hold is checked by its opposite
        shows = None if not held else all(held) != (item.verdict == DOES_NOT_HOLD)
        checks = {None: "-", True: "yes", False: "no"}[shows]
        verdict = item.verdict + (", see the errata" if item.errata else "")
        lines.append(f"| \"{item.quote}\" | {item.chapter[:2]} | {item.lecture} | "
                     f"{'; '.join(figures) or 'in chapter ' + item.chapter[:2]} | {checks} | "
                     f"{verdict} |")
    return "\n".join(lines)


def _figure(result: Result) -> str:
    value = f"{result.value:.2f} °C" if result.task == "weather" else f"{result.value:.1%}"
    return f"{result.model} (ch. {result.chapter[:2]}) {value}"


def reasons() -> str:
    """Why each finding that is not shown is not, as a Markdown list."""
    return "\n".join(f"- **\"{item.quote}\"** ({item.verdict}, chapter {item.chapter[:2]}): "
                     f"{item.reason}" for item in FINDINGS if item.verdict != SHOWN)
