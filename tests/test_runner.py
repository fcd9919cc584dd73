"""The chapter runner: validation before execution, run folders, failures that keep their work."""

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from course_lib.build.cli import main
from course_lib.build.runner import ChapterFailed, find_root, list_chapters, load_profiles, plan_run, run_book
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


def _lecture_settings():
    import yaml

    return yaml.safe_load((ROOT / "book" / "lecture_settings.yml").read_text())


def _full_profile_values(chapter):
    """What a chapter runs with under the full profile: the profile's value, else its default."""
    import ast

    from course_lib.build.runner import declared_parameters

    defaults = {name: ast.literal_eval(spec["default"])
                for name, spec in declared_parameters(ROOT, chapter).items()}
    return {**defaults, **dict(plan_run(ROOT, "full", [chapter]))[chapter]}


@pytest.mark.parametrize("chapter", sorted(_lecture_settings()))
def test_the_full_profile_runs_each_chapter_with_the_lectures_settings(chapter):
    runs_with = _full_profile_values(chapter)
    differences = {name: (runs_with.get(name, "not a parameter"), lecture)
                   for name, lecture in _lecture_settings()[chapter].items()
                   if runs_with.get(name, "not a parameter") != lecture}
    assert not differences, f"{chapter}: full profile vs the lecture (name: (full, lecture)): {differences}"


# Full-profile settings that choose how the steps run, not what is trained: the lecture's Keras
# had no such switch, so its table cannot vouch for them.
HOW_NOT_WHAT = {"jit_compile"}


def test_the_full_profile_sets_nothing_the_lecture_table_does_not_vouch_for():
    lecture = _lecture_settings()
    unvouched = {chapter: sorted(set(overrides) - set(lecture.get(chapter, {})) - HOW_NOT_WHAT)
                 for chapter, overrides in load_profiles(ROOT)["full"].items()}
    assert not any(unvouched.values()), unvouched


@pytest.mark.parametrize("kwargs, message", [
    (dict(profile="fast"), r"Unknown profile. Received: profile='fast'. Valid: \['full', 'quick'\]"),
    (dict(profile="quick", chapters=["99_nope"]), r"Unknown chapters. Received: chapters=\['99_nope'\]. Valid: \['01_recap'"),
    (dict(profile="quick", chapters=[]), r"Unknown chapters. Received: chapters=\[\]"),
    (dict(profile="quick", overrides={"epochz": 3}),
     r"No selected chapter has a parameter 'epochz'. Received: epochz=3. Valid: \[.*'units'"),
    (dict(profile="quick", chapters=["01_recap"], overrides={"epochs": 3}),
     r"No selected chapter has a parameter 'epochs'. Received: epochs=3. Valid: \['batch_size'"),
    (dict(profile="quick", overrides={"run_folder": "/tmp/elsewhere"}),
     r"`run_folder` is reserved: the runner chooses the run folder; use --run-dir to choose "
     r"another. Received: run_folder='/tmp/elsewhere'"),
    (dict(profile="quick", overrides={"report_lessons": True}),
     r"`report_lessons` is reserved: only `course-lib lessons` and `course-lib rehearse` report"),
    (dict(profile="quick", overrides={"units": "many"}),
     r"parameter `units` must be of type int. Received: units='many'"),
    (dict(profile="quick", overrides={"units": True}),
     r"parameter `units` must be of type int. Received: units=True"),
])
def test_bad_names_and_types_are_refused_before_running(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_run(ROOT, **kwargs)


def test_an_override_applies_to_every_chapter_that_declares_it():
    from course_lib.build.runner import chapters_without

    plan = plan_run(ROOT, "quick", overrides={"seed": 1})
    seeded = [name for name, parameters in plan if parameters.get("seed") == 1]
    assert "07_forecasting" in seeded and "01_recap" in seeded
    assert chapters_without(plan, {"seed": 1})["seed"] == ["13_comparison", "errata"]


def test_find_root_outside_the_book_is_a_clear_error(tmp_path):
    with pytest.raises(OSError, match="No _toc.yml found"):
        find_root(tmp_path)


# What the light stand-ins of three chapters run after their real title and parameters cells.
LIGHT_BODIES = {
    "01_recap": 'print(f"units: {units}")',
    "02_tokenization": 'print("tokenized:", source, maxlen)',
    "errata": 'print("tau_min 1,440")',
}


def _copy_book(tmp_path):
    """A copy of the book to run chapters of, in which chapters 01, 02 and the errata keep
    their title and parameters cells but run one line in place of their lessons, so that the
    runner's own behaviour is tested in seconds (a kernel that imports no TensorFlow). What the
    real chapters compute is nbval's to check, and `make rehearse`'s under the full profile."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book")
    for chapter, body in LIGHT_BODIES.items():
        path = root / "book" / f"{chapter}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        assert "parameters" in notebook.cells[2].metadata.get("tags", []), chapter
        notebook.cells = notebook.cells[:3] + [nbformat.v4.new_code_cell(body)]
        nbformat.write(notebook, path)
    return root


def test_run_writes_executed_notebooks_and_timings_without_touching_book(tmp_path):
    root = _copy_book(tmp_path)
    source = root / "book" / "01_recap.ipynb"
    before = source.read_bytes()
    environment_before = dict(os.environ)
    report = run_book(root, "quick", ["01_recap"], overrides={"units": 5}, progress=False)
    assert source.read_bytes() == before
    assert dict(os.environ) == environment_before  # the run folder reaches chapters as a parameter
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
    assert "units: 5" in text  # the override reached the chapter's code
    assert (run_dir / "_toc.yml").is_file() and (run_dir / "book" / "intro.md").is_file()


def test_a_failing_chapter_stops_the_run_and_keeps_its_partial_notebook(tmp_path):
    from course_lib import results

    root = _copy_book(tmp_path)
    order = {"01_recap": 30, "errata": 20, "02_tokenization": 10}  # longest first: this order
    (root / "book" / "recorded_run" / "timings.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "book" / "recorded_run" / "timings.json").write_text(json.dumps(order))
    notebook = nbformat.read(root / "book" / "errata.ipynb", as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"))
    nbformat.write(notebook, root / "book" / "errata.ipynb")
    run_dir = root / "_build" / "runs" / "quick"
    with pytest.raises(ChapterFailed, match=r"Chapter 'errata' failed at cell \d+: RuntimeError: broken on purpose") as failure:
        run_book(root, "quick", ["01_recap", "02_tokenization", "errata"], progress=False)
    kept = nbformat.read(failure.value.notebook, as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "broken on purpose"
    assert (run_dir / "book" / "01_recap.ipynb").is_file()  # what finished before keeps its outputs
    assert json.loads((run_dir / "timings.json").read_text()).keys() == {"01_recap"}
    assert not (run_dir / "book" / "02_tokenization.ipynb").exists()  # the run stopped there
    assert not list(run_dir.rglob("*.tmp"))  # nothing half-written
    assert results.load_results(run_dir) == []


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
    outputs = [o for c in refreshed.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.get("name") == "stderr"]  # no TF noise
    assert "seconds" not in refreshed.metadata.get("course_lib", {})  # timing lives elsewhere


def test_cli_reports_bad_names_and_exits_with_2(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["run", "--profile", "nope"]) == 2
    assert "Unknown profile. Received: profile='nope'" in capsys.readouterr().err
    assert main(["run", "-p", "epochz=1"]) == 2
    assert "No selected chapter has a parameter 'epochz'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["list"], ["run", "--chapter", "01_recap"]])
def test_cli_outside_the_repository_says_where_to_run_it(command, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    error = capsys.readouterr().err
    assert error.startswith("course-lib: error: No _toc.yml found at or above")
    assert "Traceback" not in error and error.count("\n") == 1


def test_cli_lists_chapters_and_profiles(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "01_recap" in out and "quick" in out and "full" in out


def test_console_script_and_module_are_installed():
    from course_lib import __version__

    script = shutil.which("course-lib", path=os.path.dirname(sys.executable))
    assert script, "the course-lib console script is not installed beside this Python"
    for command in ([script, "--version"], [sys.executable, "-m", "course_lib", "--version"]):
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.strip() == f"course-lib {__version__}"


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
    from course_lib.build.runner import chapter_dependencies

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
    from course_lib.build.runner import longest_remaining_seconds

    needs = {"a": set(), "b": set(), "c": {"b"}, "z": {"a", "b", "c"}}
    chains = longest_remaining_seconds(needs, {"a": 50, "b": 10, "c": 60, "z": 5})
    assert chains == {"a": 55, "b": 75, "c": 65, "z": 5}  # b first: c waits on it
    assert set(longest_remaining_seconds(needs, {}).values()) == {0.0}  # unknown: book order


def _compared_outputs(notebook_path):
    """What nbval compares: outputs of the cells not tagged nbval-ignore-output (stderr aside),
    with consecutive stdout chunks joined, as nbval joins them (how a kernel splits one
    cell's printing into messages depends on timing)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    compared = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        outputs = []
        for output in cell.outputs:
            if output.get("name") == "stderr":
                continue
            item = {k: v for k, v in output.items() if k not in ("execution_count", "metadata")}
            if outputs and item.get("name") == "stdout" and outputs[-1].get("name") == "stdout":
                outputs[-1] = {**outputs[-1], "text": outputs[-1]["text"] + item["text"]}
            else:
                outputs.append(item)
        compared.append(outputs)
    return compared


def test_reruns_are_identical_in_what_nbval_compares_and_in_recorded_figures(tmp_path):
    """Two runs of the same chapters into two run folders: the same checked outputs and the same
    recorded figures, so nothing of a run (its folder, its timing, the order in which two
    kernels finished) leaks into what nbval compares. That training itself repeats exactly is
    tested where it happens (test_library's and test_forecasting's seeded-training tests), and
    nbval checks every chapter's training against its committed outputs."""
    from course_lib import results

    root = _copy_book(tmp_path)
    path = root / "book" / "02_tokenization.ipynb"
    _write_recording_chapter(path, model="toy")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source = notebook.cells[1].source.replace(
        "print(results.record(result, run_context.run_folder()))",
        "results.record(result, run_context.run_folder())\nprint(result.model, result.value)")
    nbformat.write(notebook, path)
    chapters = ["01_recap", "02_tokenization", "errata"]
    runs = [tmp_path / "first", tmp_path / "second"]
    for run_dir in runs:
        run_book(root, "quick", chapters, run_dir=run_dir, progress=False, jobs=2,
                 overrides={"units": 4})
    for chapter in chapters:
        first, second = (_compared_outputs(run_dir / "book" / f"{chapter}.ipynb") for run_dir in runs)
        assert first and first == second, chapter
    figures = [[(r.chapter, r.model, r.value) for r in results.load_results(run_dir)]
               for run_dir in runs]
    assert figures[0] == figures[1] == [("02_tokenization", "toy", 0.5)]


def test_a_refresh_commits_timings_and_results_beside_the_chapters(tmp_path):
    from course_lib import results
    from course_lib.build.runner import expected_seconds

    root = _copy_book(tmp_path)
    _write_recording_chapter(root / "book" / "02_tokenization.ipynb", model="toy")
    committed_run = root / "book" / results.COMMITTED_RUN
    committed = committed_run / "results"
    shutil.rmtree(committed_run, ignore_errors=True)
    committed.mkdir(parents=True)
    (committed / "01_recap.json").write_text("[]")  # a chapter that no longer records anything
    run_book(root, "quick", ["01_recap", "02_tokenization"], refresh=True, progress=False)
    seconds = expected_seconds(root, ["01_recap", "02_tokenization"])
    assert all(value >= 1 and value == int(value) for value in seconds.values())
    assert not (committed / "01_recap.json").exists()
    assert [r.model for r in results.load_results(committed_run)] == ["toy"]
    refreshed = nbformat.read(root / "book" / "02_tokenization.ipynb", as_version=4)
    sources = "".join(cell.source for cell in refreshed.cells)
    assert "_build" not in sources and str(tmp_path) not in sources  # no run folder committed
    assert [c.execution_count for c in refreshed.cells if c.cell_type == "code"] == [1, 2]


def _write_recording_chapter(path, model):
    """A stand-in chapter that records one result into the run folder it is given."""
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    parameters = nbformat.v4.new_code_cell("seed: int = 0  # seed")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(
        "from course_lib import results, run_context\n"
        f"result = results.Result('{path.stem}', '{model}', 'reviews', 'val_accuracy', 0.5, 1,"
        " 0.1, 'sample')\n"
        "print(results.record(result, run_context.run_folder()))")]
    nbformat.write(notebook, path)


def test_the_run_folder_reaches_a_chapter_from_the_runner(tmp_path):
    from course_lib import results

    root = _copy_book(tmp_path)
    _write_recording_chapter(root / "book" / "02_tokenization.ipynb", model="toy")
    run_dir = tmp_path / "elsewhere"
    run_book(root, "quick", ["02_tokenization"], run_dir=run_dir, progress=False)
    assert [r.model for r in results.load_results(run_dir)] == ["toy"]
    assert not (root / "_build").exists()  # no fallback folder of its own


def _toy_book(tmp_path):
    """A copy of the book whose 02 records a result that changes at every execution, and whose
    errata chapter declares that it reuses 02's results."""
    root = _copy_book(tmp_path)
    path = root / "book" / "02_tokenization.ipynb"
    _write_recording_chapter(path, model="toy")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source = notebook.cells[1].source.replace("0.5, 1,", "time.time() % 1, 1,")
    notebook.cells[1].source = "import time\n" + notebook.cells[1].source
    nbformat.write(notebook, path)
    errata = nbformat.read(root / "book" / "errata.ipynb", as_version=4)
    errata.metadata["course_lib"] = {"after": ["02_tokenization"]}
    nbformat.write(errata, root / "book" / "errata.ipynb")
    return root


def test_a_second_run_reuses_every_chapter_whose_inputs_did_not_change(tmp_path):
    root = _toy_book(tmp_path)
    chapters = ["01_recap", "02_tokenization", "errata"]
    first = run_book(root, "quick", chapters, progress=False, jobs=2)
    assert set(first.seconds) == set(chapters) and first.reused == []
    second = run_book(root, "quick", chapters, progress=False, jobs=2)
    assert second.seconds == {} and second.reused == chapters
    # an edited chapter executes again, and so does the chapter that reuses its results
    notebook = nbformat.read(root / "book" / "02_tokenization.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("print('edited')"))
    nbformat.write(notebook, root / "book" / "02_tokenization.ipynb")
    third = run_book(root, "quick", chapters, progress=False, jobs=2)
    assert set(third.seconds) == {"02_tokenization", "errata"} and third.reused == ["01_recap"]
    forced = run_book(root, "quick", ["01_recap"], progress=False, force=True)
    assert set(forced.seconds) == {"01_recap"}
    # a changed parameter is another run (`-p units=4`), executed, then reused as such
    changed = run_book(root, "quick", ["01_recap"], overrides={"units": 4}, progress=False)
    assert set(changed.seconds) == {"01_recap"} and changed.reused == []
    same = run_book(root, "quick", ["01_recap"], overrides={"units": 4}, progress=False)
    assert same.seconds == {} and same.reused == ["01_recap"]


def test_a_broken_cache_entry_or_output_is_ignored_and_the_chapter_executes(tmp_path):
    root = _copy_book(tmp_path)
    run_dir = root / "_build" / "runs" / "quick"
    run_book(root, "quick", ["01_recap", "errata"], progress=False, jobs=2)
    (run_dir / "cache" / "01_recap.json").write_text('{"key": "half-writ')  # interrupted write
    executed = run_dir / "book" / "errata.ipynb"
    executed.write_text(executed.read_text().replace("tau_min", "tau_MIN"))  # edited by hand
    again = run_book(root, "quick", ["01_recap", "errata"], progress=False, jobs=2)
    assert set(again.seconds) == {"01_recap", "errata"} and again.reused == []
    assert "tau_MIN" not in executed.read_text()


def test_kernel_logs_go_to_the_run_folder_not_the_console(tmp_path, capfd):
    root = _copy_book(tmp_path)
    path = root / "book" / "01_recap.ipynb"
    notebook = nbformat.read(path, as_version=4)
    # what TensorFlow's C++ code does: write to the process's stderr, past Python's sys.stderr
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import os\nos.write(2, b'E0000 failed call to cuInit: native noise\\n')"))
    nbformat.write(notebook, path)
    run_book(root, "quick", ["01_recap"], progress=False)
    console = capfd.readouterr()
    assert "cuInit" not in console.err + console.out and "TCP" not in console.err + console.out
    log = (root / "_build" / "runs" / "quick" / "logs" / "01_recap.log").read_text()
    assert "failed call to cuInit: native noise" in log  # the noise is kept there


def test_a_hung_cell_fails_the_run_naming_chapter_and_cell(tmp_path):
    root = _copy_book(tmp_path)
    notebook = nbformat.read(root / "book" / "01_recap.ipynb", as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(notebook, root / "book" / "01_recap.ipynb")
    with pytest.raises(ChapterFailed, match=r"Chapter '01_recap' failed at cell 2: .*(imeout|timed out)") as failure:
        run_book(root, "quick", ["01_recap"], progress=False, cell_timeout=3)
    assert failure.value.log.name == "01_recap.log" and "kernel's log" in str(failure.value)


def _write_lesson_chapter(path, margin):
    """A stand-in chapter that checks one lesson with a fixed margin."""
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    parameters = nbformat.v4.new_code_cell("seed: int = 0  # seed")
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(
        "from course_lib.lessons import check\n"
        f"check('gru_beats_naive', {margin})")]
    nbformat.write(notebook, path)


def test_only_the_lessons_mode_reports_a_lesson_instead_of_failing(tmp_path):
    from course_lib.lessons import measured

    root = _copy_book(tmp_path)
    _write_lesson_chapter(root / "book" / "02_tokenization.ipynb", margin=-1.0)
    with pytest.raises(ChapterFailed, match="does not show the lesson 'gru_beats_naive'"):
        run_book(root, "quick", ["02_tokenization"], progress=False)
    report = run_book(root, "quick", ["02_tokenization"], progress=False, report_lessons=True)
    assert report.seconds  # executed again: the mode is part of the chapter's cache key
    assert measured(root / "_build" / "runs" / "quick")["gru_beats_naive"]["held"] is False


def test_cli_lessons_tabulates_every_run_and_fails_when_a_lesson_does_not_hold(
        tmp_path, capsys, monkeypatch):
    import course_lib.build.cli as cli
    from course_lib.lessons import lesson

    root = _copy_book(tmp_path)
    _write_lesson_chapter(root / "book" / "02_tokenization.ipynb", margin="0.5 - 0.6 * seed")
    toc = (root / "_toc.yml").read_text()
    monkeypatch.setattr(cli, "run_book", lambda root, profile, **kwargs: run_book(
        root, profile, ["02_tokenization"], progress=False, **kwargs))
    monkeypatch.chdir(root)
    code = main(["lessons", "--seeds", "0", "1", "--kernel-paths", "onednn-off", "--jobs", "1"])
    out = capsys.readouterr().out
    claim = lesson("gru_beats_naive").claim
    row = next(line for line in out.splitlines() if line.startswith(f"| {claim} ("))
    assert code == 1 and "| 0.500 | -0.100 ✗ | 1/2 |" in row, out
    assert (root / "_toc.yml").read_text() == toc
    assert sorted(p.name for p in (root / "_build" / "runs" / "lessons").iterdir()) == [
        "seed-0-onednn-off", "seed-1-onednn-off"]


def test_the_data_home_listing_changes_with_a_dataset_but_not_with_a_derived_file(tmp_path, monkeypatch):
    from course_lib.datasets._home import DATA_HOME_ENV
    from course_lib.datasets.word_vectors import DERIVED_FILES
    from course_lib.build.execution_cache import data_home_listing

    monkeypatch.setenv(DATA_HOME_ENV, str(tmp_path))
    (tmp_path / "imdb.npz").write_bytes(b"reviews")
    before = data_home_listing()
    assert [name for name, _, _ in before] == ["imdb.npz"]
    for name in DERIVED_FILES:  # written by the first run from an installed package
        (tmp_path / name).write_text("the 0.418 0.24968\n")
    assert data_home_listing() == before
    (tmp_path / "jena_climate_2009_2016.csv.zip").write_bytes(b"weather")
    assert data_home_listing() != before


def _kernel_that_dies_at_start(times):
    """An ``execute`` that fails like a kernel losing a port race, ``times`` times, then runs."""
    calls = []

    def execute():
        calls.append(1)
        if len(calls) <= times:
            raise RuntimeError("Kernel died before replying to kernel_info")

    return execute, calls


def test_a_kernel_that_dies_before_its_first_cell_is_started_again(tmp_path, capsys):
    from course_lib.build.runner import execute_with_retried_start

    execute, calls = _kernel_that_dies_at_start(times=2)
    assert execute_with_retried_start(execute, tmp_path / "never_written.ipynb", attempts=3) is None
    assert len(calls) == 3
    assert capsys.readouterr().err.count("starting it again") == 2

    execute, calls = _kernel_that_dies_at_start(times=3)
    failure = execute_with_retried_start(execute, tmp_path / "never_written.ipynb", attempts=3)
    assert failure == (None, "RuntimeError: Kernel died before replying to kernel_info")
    assert len(calls) == 3


def test_a_failure_that_would_repeat_is_not_retried(tmp_path):
    from course_lib.build.runner import execute_with_retried_start

    calls = []

    def execute():
        calls.append(1)
        raise FileNotFoundError("no such kernel: python3")

    failure = execute_with_retried_start(execute, tmp_path / "never_written.ipynb")
    assert failure == (None, "FileNotFoundError: no such kernel: python3") and len(calls) == 1


def test_a_kernel_that_dies_inside_a_cell_is_not_started_again(tmp_path):
    from course_lib.build.runner import execute_with_retried_start

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"),
                                               nbformat.v4.new_code_cell("2")])
    notebook.cells[1].metadata["papermill"] = {"start_time": "2026-11-26T00:00:00"}
    output = tmp_path / "partly_run.ipynb"
    nbformat.write(notebook, output)
    execute, calls = _kernel_that_dies_at_start(times=1)
    assert execute_with_retried_start(execute, output) == (
        2, "RuntimeError: Kernel died before replying to kernel_info")
    assert len(calls) == 1


def test_a_start_up_failure_shows_the_end_of_the_kernel_log(tmp_path):
    log = tmp_path / "chapter.log"
    log.write_text("".join(f"line {n}\n" for n in range(30)) + "OSError: address already in use\n")
    message = str(ChapterFailed("01_recap", None, "RuntimeError: died", tmp_path / "x.ipynb", log))
    assert message.endswith("  | OSError: address already in use") and "line 29" in message
    assert "line 5\n" not in message
    in_a_cell = str(ChapterFailed("01_recap", 3, "ValueError: bad", tmp_path / "x.ipynb", log))
    assert "address already in use" not in in_a_cell


def test_nbval_starts_a_kernel_again_when_it_dies_before_its_first_cell():
    import importlib.util

    from nbval import kernel

    spec = importlib.util.spec_from_file_location("harness", ROOT / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)

    assert kernel.start_new_kernel.retried  # the harness wrapped what nbval's RunningKernel calls
    calls = []

    def start_new_kernel(**kwargs):
        calls.append(kwargs)
        if len(calls) < conftest.KERNEL_START_ATTEMPTS:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "manager", "client"

    assert conftest._retrying(start_new_kernel)(kernel_name="python3") == ("manager", "client")
    assert len(calls) == conftest.KERNEL_START_ATTEMPTS
    calls.clear()
    with pytest.raises(RuntimeError):
        conftest._retrying(lambda: (_ for _ in ()).throw(RuntimeError("dead")))()


def test_a_run_folder_holds_every_file_the_chapters_quote(tmp_path):
    """``jupyter-book build`` of a run folder reads ``{literalinclude}`` paths from it."""
    import re

    from course_lib.build.runner import stage_sources

    stage_sources(ROOT, tmp_path)
    quoted = set()
    for path in (ROOT / "book").glob("*.ipynb"):
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        quoted |= set(re.findall(r"```\{literalinclude\}\s+(\S+)", text))
    assert "../course_lib/datasets/imdb_sample.py" in quoted
    for relative in quoted:
        assert (tmp_path / "book" / relative).is_file(), relative


def test_a_cells_printed_pieces_are_joined_into_one_output():
    from course_lib.build.runner import joined_streams

    pieces = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
              nbformat.v4.new_output("stream", name="stdout", text="b\n"),
              nbformat.v4.new_output("display_data", data={"text/plain": "figure"}),
              nbformat.v4.new_output("stream", name="stdout", text="c\n"),
              nbformat.v4.new_output("stream", name="stderr", text="warning\n")]
    joined = joined_streams(pieces)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in joined] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None),
        ("stream", "stdout", "c\n"), ("stream", "stderr", "warning\n")]
