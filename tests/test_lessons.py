"""The lesson table: each lesson a chapter asserts, measured per run, tabulated across runs."""

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from course_lib import lessons
from course_lib.lessons import LESSONS, check, kernel_path, measured, table
from tests.conftest import ROOT

SHOWN = next(item for item in LESSONS if item.shown)
NOT_SHOWN = next(item for item in LESSONS if not item.shown)


def test_a_lesson_that_shows_prints_its_verdict_and_keeps_its_margin(tmp_path, capsys):
    check(SHOWN.key, SHOWN.required + 0.5, run_folder=str(tmp_path))
    assert capsys.readouterr().out == f"{SHOWN.claim}: True\n"
    kept = json.loads((tmp_path / "lessons" / f"{SHOWN.chapter}.json").read_text())
    assert kept == {SHOWN.key: {"margin": SHOWN.required + 0.5, "held": True}}


def test_a_lesson_that_does_not_show_stops_the_chapter_with_its_margin(tmp_path):
    with pytest.raises(AssertionError, match=rf"{SHOWN.key}.*-0\.25.*must exceed"):
        check(SHOWN.key, -0.25, run_folder=str(tmp_path))
    assert measured(tmp_path)[SHOWN.key] == {"margin": -0.25, "held": False}


# A lesson whose requirement is above zero, so that "exceeds the requirement" and "is positive"
# are different rules at its boundary.
DEMANDING = next(item for item in LESSONS if item.shown and item.required > 0)


@pytest.mark.parametrize("item", [SHOWN, DEMANDING], ids=lambda item: item.key)
def test_a_margin_equal_to_its_requirement_does_not_show_the_lesson(item, tmp_path):
    with pytest.raises(AssertionError, match="must exceed"):
        check(item.key, item.required, run_folder=str(tmp_path))
    assert measured(tmp_path)[item.key]["held"] is False
    check(item.key, item.required + 1e-9, run_folder=str(tmp_path))
    assert measured(tmp_path)[item.key]["held"] is True


def test_a_positive_margin_below_its_requirement_does_not_show_the_lesson(tmp_path):
    below = DEMANDING.required / 2
    assert below > 0
    with pytest.raises(AssertionError, match="must exceed"):
        check(DEMANDING.key, below, run_folder=str(tmp_path))
    check(NOT_SHOWN.key, NOT_SHOWN.required, run_folder=str(tmp_path))
    assert measured(tmp_path)[NOT_SHOWN.key]["held"] is False
    check(NOT_SHOWN.key, NOT_SHOWN.required + 1e-9, run_folder=str(tmp_path))
    assert measured(tmp_path)[NOT_SHOWN.key]["held"] is True


def test_reporting_mode_records_a_failed_lesson_instead_of_raising(tmp_path, capsys):
    check(SHOWN.key, -0.25, run_folder=str(tmp_path), report_lessons=True)
    assert capsys.readouterr().out == f"{SHOWN.claim}: False\n"
    assert measured(tmp_path)[SHOWN.key]["held"] is False


def test_without_a_run_folder_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check(SHOWN.key, SHOWN.required + 1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("margin", [float("nan"), float("inf")])
def test_a_margin_that_is_not_a_number_is_refused(margin):
    with pytest.raises(ValueError, match="finite"):
        check(SHOWN.key, margin)


def test_an_unknown_lesson_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"Received: key='no_such'.*gru_beats_naive"):
        check("no_such", 1.0)


def test_a_lesson_the_data_cannot_show_is_measured_not_asserted_nor_printed(tmp_path, capsys):
    """Its outcome changes with the seed or the machine: printing it, or returning it as a
    cell's last value, would make a compared output differ from machine to machine."""
    assert check(NOT_SHOWN.key, -1.0, run_folder=str(tmp_path)) is None
    assert check(NOT_SHOWN.key, 1.0, run_folder=str(tmp_path)) is None
    assert capsys.readouterr().out == ""
    assert measured(tmp_path)[NOT_SHOWN.key]["held"] is True


def test_the_table_counts_runs_and_fails_on_a_missing_or_failed_lesson(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    for item in LESSONS:
        if item.shown:
            check(item.key, item.required + 1, run_folder=str(good))
            check(item.key, item.required + 1, run_folder=str(bad), report_lessons=True)
    text, everywhere = table({"seed 0": good})
    assert everywhere and text.count("| 1/1 |") == sum(item.shown for item in LESSONS)
    check(SHOWN.key, -1.0, run_folder=str(bad), report_lessons=True)
    text, everywhere = table({"seed 0": good, "seed 1": bad})
    assert not everywhere
    row = next(line for line in text.splitlines() if line.startswith(f"| {SHOWN.claim}"))
    assert row.endswith("| 1/2 |") and "-1.000 ✗" in row
    (bad / "lessons" / f"{SHOWN.chapter}.json").unlink()
    _, everywhere = table({"seed 0": good})
    assert everywhere
    _, everywhere = table({"seed 1": bad})
    assert not everywhere  # never measured counts as not held
    not_shown = next(line for line in text.splitlines() if NOT_SHOWN.claim in line)
    assert "not asserted" in not_shown


def test_kernel_path_sets_and_restores_the_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    with kernel_path("onednn-off"):
        assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0" and os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "7" and "TF_ENABLE_ONEDNN_OPTS" not in os.environ
    with kernel_path("onednn-on"):
        assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1" and "OMP_NUM_THREADS" not in os.environ
    with pytest.raises(ValueError, match="Valid"):
        with kernel_path("gpu"):
            pass


def test_nbval_runs_on_the_lessons_second_kernel_path():
    """The Makefile's nbval takes its kernel settings from the one table `make lessons` uses."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = re.search(r"^OTHER_KERNEL_PATH\s*[:?]?=\s*(.+)$", makefile, flags=re.M).group(1)
    assert line.strip() == "$$($(BIN)/course-lib kernel-path onednn-off)"
    recipe = re.search(r"^nbval:.*\n\t(.+)$", makefile, flags=re.M).group(1)
    assert recipe.startswith("env $(OTHER_KERNEL_PATH) ")
    printed = subprocess.run([sys.executable, "-m", "course_lib", "kernel-path", "onednn-off"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert dict(item.split("=") for item in printed.split()) == lessons.KERNEL_PATHS["onednn-off"]


def _chapter_code(name):
    notebook = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.parametrize("item", LESSONS, ids=lambda item: item.key)
def test_every_lesson_is_checked_in_its_chapter(item):
    code = _chapter_code(item.chapter)
    assert re.search(rf'check\(\s*"{item.key}"', code), f"{item.chapter} never checks it"


def test_a_lesson_follows_what_the_runner_told_the_kernel(tmp_path, monkeypatch, capsys):
    """Chapters call `check(key, margin)` alone: the run folder and the reporting mode come
    from the kernel's environment (course_lib.run_context), set by the runner only."""
    from course_lib import run_context

    environ = {}
    run_context.tell_kernels(str(tmp_path), True, environ)
    assert run_context.run_folder(environ) == str(tmp_path) and run_context.report_lessons(environ)
    monkeypatch.setenv(run_context.RUN_FOLDER_VARIABLE, str(tmp_path))  # undone after the test
    monkeypatch.setenv(run_context.REPORT_LESSONS_VARIABLE, "1")
    check(SHOWN.key, -1.0)
    check(NOT_SHOWN.key, 2.0)
    assert capsys.readouterr().out == f"{SHOWN.claim}: False\n"
    assert measured(tmp_path)[SHOWN.key]["held"] is False
    assert measured(tmp_path)[NOT_SHOWN.key]["held"] is True
    monkeypatch.setenv(run_context.REPORT_LESSONS_VARIABLE, "0")
    with pytest.raises(AssertionError, match="must exceed"):
        check(SHOWN.key, -1.0)
    monkeypatch.setenv(run_context.REPORT_LESSONS_VARIABLE, "yes")
    with pytest.raises(ValueError, match="COURSE_LIB_REPORT_LESSONS` must be '0'.*Received"):
        check(SHOWN.key, 1.0)


def test_the_committed_chapters_print_every_lesson_as_shown():
    for item in (item for item in LESSONS if item.shown):
        notebook = nbformat.read(ROOT / "book" / f"{item.chapter}.ipynb", as_version=4)
        printed = "".join(output.get("text", "") for cell in notebook.cells
                          if cell.cell_type == "code" for output in cell.outputs)
        assert f"{item.claim}: True" in printed, item.key


def test_a_training_outcome_not_reached_fails_like_an_assert_under_its_own_name():
    from course_lib.lessons import NotLearned, check_learned

    check_learned(True, "learned")  # nothing happens
    with pytest.raises(AssertionError, match="the classifier should learn something") as error:
        check_learned(False, "the classifier should learn something")
    assert type(error.value) is NotLearned
