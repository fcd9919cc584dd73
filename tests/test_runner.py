"""The chapter runner: validation before execution, run folders, failures that keep their work."""

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from course_lib.cli import main
from course_lib.runner import ChapterFailed, find_root, list_chapters, load_profiles, plan_run, run_book
from tests.conftest import ROOT


def test_chapters_come_from_the_table_of_contents():
    chapters = list_chapters(ROOT)
    assert chapters[0] == "01_recap"
    assert "intro" not in chapters  # a markdown page, nothing to execute


@pytest.mark.parametrize("profile", sorted(load_profiles(ROOT)))
def test_every_profile_names_real_parameters_with_compatible_types(profile):
    plan = plan_run(ROOT, profile)
    assert [name for name, _ in plan] == list_chapters(ROOT)


def test_quick_profile_overrides_nothing():
    assert all(parameters == {} for _, parameters in plan_run(ROOT, "quick"))


@pytest.mark.parametrize("kwargs, message", [
    (dict(profile="fast"), r"Unknown profile. Received: profile='fast'. Valid: \['full', 'quick'\]"),
    (dict(profile="quick", chapters=["99_nope"]), r"Unknown chapters. Received: chapters=\['99_nope'\]. Valid: \['01_recap'"),
    (dict(profile="quick", chapters=[]), r"Unknown chapters. Received: chapters=\[\]"),
    (dict(profile="quick", overrides={"epochz": 3}),
     r"Chapter '01_recap' has no parameter 'epochz'. Received: epochz=3. Valid: \[.*'units'"),
    (dict(profile="quick", overrides={"units": "many"}),
     r"parameter `units` must be of type int. Received: units='many'"),
    (dict(profile="quick", overrides={"units": True}),
     r"parameter `units` must be of type int. Received: units=True"),
])
def test_bad_names_and_types_are_refused_before_running(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_run(ROOT, **kwargs)


def test_find_root_outside_the_book_is_a_clear_error(tmp_path):
    with pytest.raises(OSError, match="No _toc.yml found"):
        find_root(tmp_path)


def _copy_book(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book")
    return root


def test_run_writes_executed_notebooks_and_timings_without_touching_book(tmp_path):
    root = _copy_book(tmp_path)
    source = root / "book" / "01_recap.ipynb"
    before = source.read_bytes()
    environment_before = os.environ.get("COURSE_LIB_RUN_DIR")
    report = run_book(root, "quick", ["01_recap"], overrides={"units": 5}, progress=False)
    assert source.read_bytes() == before
    assert os.environ.get("COURSE_LIB_RUN_DIR") == environment_before  # no leak into later work
    run_dir = root / "_build" / "runs" / "quick"
    assert report.run_dir == run_dir
    timings = json.loads((run_dir / "timings.json").read_text())
    assert timings["01_recap"] > 0
    executed = nbformat.read(run_dir / "book" / "01_recap.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "units = 5" in injected[0].source
    assert "hide-cell" in injected[0].metadata.tags  # no clutter in the HTML
    assert "papermill" not in executed.metadata
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "parameters: 5 * (3 + 5 + 1) == 45".split(":")[0] in text and "45" in text
    assert (run_dir / "_toc.yml").is_file() and (run_dir / "book" / "intro.md").is_file()


def test_a_failing_chapter_stops_the_run_and_keeps_its_partial_notebook(tmp_path):
    from course_lib import results

    root = _copy_book(tmp_path)
    for name, seconds in (("01_recap", 30), ("errata", 20), ("02_tokenization", 10)):  # run in this order
        notebook = nbformat.read(root / "book" / f"{name}.ipynb", as_version=4)
        notebook.metadata.setdefault("course_lib", {})["seconds"] = seconds
        if name == "errata":
            notebook.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"))
        nbformat.write(notebook, root / "book" / f"{name}.ipynb")
    run_dir = root / "_build" / "runs" / "quick"
    with pytest.raises(ChapterFailed, match=r"Chapter 'errata' failed at cell \d+: RuntimeError: broken on purpose") as failure:
        run_book(root, "quick", ["01_recap", "02_tokenization", "errata"], progress=False)
    kept = nbformat.read(failure.value.notebook, as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "broken on purpose"
    assert (run_dir / "book" / "01_recap.ipynb").is_file()  # what finished before keeps its outputs
    assert json.loads((run_dir / "timings.json").read_text()).keys() == {"01_recap"}
    assert not (run_dir / "book" / "02_tokenization.ipynb").exists()  # the run stopped there
    assert not list((run_dir / "results").glob("*.tmp")) if (run_dir / "results").exists() else True
    assert results.load_results(run_dir) == []  # nothing half-recorded


def test_refresh_rewrites_book_from_a_successful_run(tmp_path):
    root = _copy_book(tmp_path)
    source = root / "book" / "01_recap.ipynb"
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, source)
    run_book(root, "quick", ["01_recap"], refresh=True, progress=False)
    refreshed = nbformat.read(source, as_version=4)
    assert all(c.execution_count for c in refreshed.cells if c.cell_type == "code")
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in refreshed.cells)


def test_cli_reports_bad_names_and_exits_with_2(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["run", "--profile", "nope"]) == 2
    assert "Unknown profile. Received: profile='nope'" in capsys.readouterr().err
    assert main(["run", "-p", "epochz=1"]) == 2
    assert "has no parameter 'epochz'" in capsys.readouterr().err


def test_cli_lists_chapters_and_profiles(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "01_recap" in out and "quick" in out and "full" in out


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "course_lib.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "run" in result.stdout


def test_a_rerun_chapter_keeps_no_figures_of_its_previous_run(tmp_path):
    from course_lib import results

    root = _copy_book(tmp_path)
    run_dir = root / "_build" / "runs" / "quick"
    stale = results.Result(chapter="01_recap", model="a model it no longer trains", task="reviews",
                           metric="val_accuracy", value=0.5, parameters=1, seconds_per_epoch=1.0, source="sample")
    results.record(stale, run_dir)
    other = results.Result(**{**stale.__dict__, "chapter": "02_tokenization"})
    results.record(other, run_dir)
    run_book(root, "quick", ["01_recap"], progress=False)
    assert [r.chapter for r in results.load_results(run_dir)] == ["02_tokenization"]


def test_dependencies_come_from_notebook_metadata(tmp_path):
    from course_lib.runner import chapter_dependencies

    needs = chapter_dependencies(ROOT, list_chapters(ROOT))
    assert needs["06_gru"] == {"04_simple_rnn", "05_lstm"}
    assert needs["13_comparison"] == set(list_chapters(ROOT)) - {"13_comparison"}
    assert chapter_dependencies(ROOT, ["06_gru"]) == {"06_gru": set()}  # run alone: computes its own


def test_a_dependency_cycle_is_refused_not_waited_on(tmp_path):
    root = _copy_book(tmp_path)
    for name, other in (("01_recap", "02_tokenization"), ("02_tokenization", "01_recap")):
        notebook = nbformat.read(root / "book" / f"{name}.ipynb", as_version=4)
        notebook.metadata["course_lib"] = {"after": [other]}
        nbformat.write(notebook, root / "book" / f"{name}.ipynb")
    with pytest.raises(ValueError, match=r"Chapters wait on each other in a cycle: \['01_recap', '02_tokenization'\]"):
        run_book(root, "quick", ["01_recap", "02_tokenization"], progress=False, jobs=2)


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(ValueError, match=rf"`jobs` must be a positive integer. Received: jobs={jobs!r}"):
        run_book(ROOT, "quick", ["01_recap"], progress=False, jobs=jobs)


def test_long_chains_start_first_when_timings_are_known():
    from course_lib.runner import longest_remaining_seconds

    needs = {"a": set(), "b": set(), "c": {"b"}, "z": {"a", "b", "c"}}
    chains = longest_remaining_seconds(needs, {"a": 50, "b": 10, "c": 60, "z": 5})
    assert chains == {"a": 55, "b": 75, "c": 65, "z": 5}  # b first: c waits on it
    assert set(longest_remaining_seconds(needs, {}).values()) == {0.0}  # unknown: book order


def _compared_outputs(notebook_path):
    """What nbval compares: outputs of the cells not tagged nbval-ignore-output (stderr aside)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    compared = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        compared.append([{k: v for k, v in output.items() if k not in ("execution_count", "metadata")}
                         for output in cell.outputs if output.get("name") != "stderr"])
    return compared


def test_reruns_are_identical_in_what_nbval_compares_and_in_recorded_figures(tmp_path):
    """Two runs of a training chapter: same checked outputs, same recorded figures (timings aside)."""
    from course_lib import results

    root = _copy_book(tmp_path)
    chapters = ["01_recap", "07_forecasting"]
    runs = [tmp_path / "first", tmp_path / "second"]
    for run_dir in runs:
        run_book(root, "quick", chapters, run_dir=run_dir, progress=False, jobs=2)
    for chapter in chapters:
        first, second = (_compared_outputs(run_dir / "book" / f"{chapter}.ipynb") for run_dir in runs)
        assert first == second, chapter
    figures = [[(r.chapter, r.model, r.value, r.parameters, r.history["val_loss"] if r.history else None)
                for r in results.load_results(run_dir)] for run_dir in runs]
    assert figures[0] == figures[1] and len(figures[0]) == 3  # naive baseline, dense, GRU


def test_a_run_stores_each_chapters_seconds_for_the_next_schedule(tmp_path):
    from course_lib.runner import expected_seconds

    root = _copy_book(tmp_path)
    run_book(root, "quick", ["01_recap"], refresh=True, progress=False)
    seconds = expected_seconds(root, ["01_recap"])["01_recap"]
    assert seconds >= 1 and seconds == int(seconds)
