"""The register of the lecture's findings: every entry quotes the lecture, has a verdict the
course can stand behind, and points at checks that exist and that its chapter runs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from course_lib import findings, lessons
from course_lib.findings import DOES_NOT_HOLD, FINDINGS, NOT_SHOWN, SHOWN, VERDICTS

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT.parent / "shared" / "lecture.txt"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _notebook_source(chapter: str) -> str:
    cells = json.loads((ROOT / "book" / f"{chapter}.ipynb").read_text())["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def test_every_quote_is_the_lectures_own_words():
    if not LECTURE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the lecture beside the clone: {LECTURE} is missing")
        pytest.skip(f"the lecture is not beside this clone ({LECTURE})")
    lecture = _flat(LECTURE.read_text(encoding="utf-8"))
    missing = [item.key for item in FINDINGS if _flat(item.quote) not in lecture]
    assert not missing, f"quotes not found in the lecture: {missing}"


def test_keys_are_unique_and_verdicts_known():
    keys = [item.key for item in FINDINGS]
    assert len(keys) == len(set(keys))
    assert {item.verdict for item in FINDINGS} <= set(VERDICTS)


def test_at_least_fifteen_findings_are_shown():
    assert findings.counts()[SHOWN] >= 15


@pytest.mark.parametrize("item", FINDINGS, ids=lambda item: item.key)
def test_a_finding_has_what_its_verdict_needs(item):
    toc = (ROOT / "_toc.yml").read_text()
    assert item.chapter in toc
    measured_by = [lessons.lesson(key) for key in item.lessons]  # unknown keys raise
    if item.verdict == SHOWN:
        assert measured_by, "a shown finding is asserted by at least one lesson check"
        assert all(lesson.shown for lesson in measured_by), "shown means asserted"
        assert not item.reason and not item.errata
    else:
        assert item.reason, "a finding that is not shown says why"
    if item.verdict == DOES_NOT_HOLD:
        errata = _notebook_source("errata")
        assert item.errata and f"({item.errata})=" in errata, "its errata entry is missing"
    else:
        assert not item.errata


@pytest.mark.parametrize("key", sorted({key for item in FINDINGS for key in item.lessons}))
def test_the_chapter_of_each_lesson_measures_it(key):
    lesson = lessons.lesson(key)
    source = _notebook_source(lesson.chapter)
    assert re.search(rf'check\(\s*"{key}"', source), f"{lesson.chapter} never checks {key!r}"


def test_the_table_sets_this_runs_figures_beside_the_lecture_and_hides_the_margins():
    from course_lib.results import Result

    def result(model, value):
        return Result(chapter="05_lstm" if model == "LSTM" else "06_gru", model=model,
                      task="reviews", metric="val_accuracy", value=value, parameters=1,
                      seconds_per_epoch=0.0, source="imdb_sample", settings={})

    margins = {"gru_close_to_lstm": {"margin": 0.0987, "held": True},
               "gru_not_faster": {"margin": 0.35, "held": True}}
    table = findings.register_table(margins, [result("LSTM", 0.8234), result("GRU", 0.8251)])
    rows = table.splitlines()
    assert len(rows) == 2 + len(FINDINGS)
    on_par = next(row for row in rows if "Performance on par" in row)
    assert "LSTM (ch. 05) 82.3%; GRU (ch. 06) 82.5% | yes | shown |" in on_par
    assert "0.0987" not in table  # a margin embeds its check's threshold
    faster = next(row for row in rows if "GRUs are faster to train" in row)
    assert "| in chapter 06 | no | does not hold" in faster  # its opposite held
    assert "| - |" in next(row for row in rows if "similar embeddings" in row)  # not measured


def test_reasons_list_exactly_the_findings_not_shown():
    listed = findings.reasons().splitlines()
    assert len(listed) == sum(item.verdict in (NOT_SHOWN, DOES_NOT_HOLD) for item in FINDINGS)


def test_an_unknown_finding_is_named_with_the_choices():
    with pytest.raises(ValueError, match="Received: key='nope'"):
        findings.finding("nope")
