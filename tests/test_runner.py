"""The chapter runner end to end, in real kernels: a run folder written, a failure that keeps its
work, a refresh, a hung cell, the execution cache across runs; and the command line. What a run
decides before it executes (names, types, order, reuse) is tested without kernels in
tests/test_planner.py; retrying a kernel's start in tests/test_kernel.py."""

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from course_lib.build.cli import main
from course_lib.build.rehearsal import Rehearsal
from course_lib.build.runner import ChapterFailed, run_book
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _default_backend(monkeypatch):
    """The runner as it runs by default, on TensorFlow, whatever backend the tests run on: its
    light kernels import no Keras, and what a run does on JAX is tests/test_backends.py's."""
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")


# What light copies of three chapters run after their real title and parameters cells.
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
    from course_lib import results

    root = _copy_book(tmp_path)
    source = root / "book" / "01_recap.ipynb"
    before = source.read_bytes()
    environment_before = dict(os.environ)
    run_dir = root / "_build" / "runs" / "quick"
    stale = results.Result(chapter="01_recap", model="a model it no longer trains", task="reviews",
                           metric="val_accuracy", value=0.5, parameters=1, seconds_per_epoch=1.0, source="sample")
    results.record(stale, run_dir)
    results.record(results.Result(**{**stale.__dict__, "chapter": "02_tokenization"}), run_dir)
    report = run_book(root, "quick", ["01_recap"], overrides={"units": 5}, progress=False)
    assert source.read_bytes() == before
    assert dict(os.environ) == environment_before  # the run folder reaches chapters in their workers
    assert report.run_dir == run_dir
    # a rerun chapter keeps no figures of its previous run; other chapters keep theirs
    assert [r.chapter for r in results.load_results(run_dir)] == ["02_tokenization"]
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


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(ValueError, match=rf"`jobs` must be a positive integer. Received: jobs={jobs!r}"):
        run_book(ROOT, "quick", ["01_recap"], progress=False, jobs=jobs)


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
    from course_lib.build.planner import expected_seconds

    root = _copy_book(tmp_path)
    _write_recording_chapter(root / "book" / "02_tokenization.ipynb", model="toy")
    committed_run = root / "book" / "recorded_run"
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
    """A toy chapter that records one result into the run folder it is given."""
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


@pytest.mark.parametrize("kwargs, reuse", [
    ({}, True), ({"force": True}, False), ({"refresh": True}, False),
    ({"rehearsal": Rehearsal("", "")}, False)])
def test_only_a_plain_run_reuses_chapters(tmp_path, monkeypatch, kwargs, reuse):
    """What the run hands the planner's schedule (tests/test_planner.py: ``reuse=False``
    executes every chapter); stopped there, before anything is written."""
    import course_lib.build.runner as runner

    class Planned(Exception):
        pass

    def schedule(needs, seconds, *, reuse):
        raise Planned(reuse)

    monkeypatch.setattr(runner, "Schedule", schedule)
    with pytest.raises(Planned) as planned:
        run_book(ROOT, "quick", ["01_recap"], run_dir=tmp_path / "run", progress=False, **kwargs)
    assert planned.value.args == (reuse,) and not (tmp_path / "run").exists()


def test_a_chapters_key_changes_with_its_parameters_the_lesson_mode_and_what_it_reads(tmp_path):
    """``-p units=4`` is another run than the default, and a reported run (``course-lib
    lessons``) another than an enforcing one; a chapter that waits for another is keyed by the
    results that one recorded in this run folder."""
    from course_lib import results
    from course_lib.build.runner import cache_keys
    from course_lib.run_folder import RunFolder

    run = RunFolder(tmp_path)
    plain, four = ({"06_gru": {}, "01_recap": parameters} for parameters in ({}, {"units": 4}))
    keys = [cache_keys(ROOT, run, plan, reporting)("01_recap")
            for plan, reporting in ((plain, False), (four, False), (plain, True))]
    assert len(set(keys)) == 3
    assert cache_keys(ROOT, run, plain, False)("01_recap") == keys[0]
    before = cache_keys(ROOT, run, plain, False)("06_gru")
    results.record(results.Result("05_lstm", "LSTM", "reviews", "val_accuracy", 0.8, 1, 0.1,
                                  "sample"), run.path)
    assert cache_keys(ROOT, run, plain, False)("06_gru") != before


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
    """A toy chapter that checks one lesson with a fixed margin."""
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


def test_a_start_up_failure_shows_the_end_of_the_kernel_log(tmp_path):
    log = tmp_path / "chapter.log"
    log.write_text("".join(f"line {n}\n" for n in range(30)) + "OSError: address already in use\n")
    message = str(ChapterFailed("01_recap", None, "RuntimeError: died", tmp_path / "x.ipynb", log))
    assert message.endswith("  | OSError: address already in use") and "line 29" in message
    assert "line 5\n" not in message
    in_a_cell = str(ChapterFailed("01_recap", 3, "ValueError: bad", tmp_path / "x.ipynb", log))
    assert "address already in use" not in in_a_cell
