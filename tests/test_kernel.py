"""Executing a chapter in a kernel (course_lib.build.kernel): one retry policy for a kernel that
dies before its first cell, shared by the runner and the nbval harness; the progress line.
No test here starts a kernel."""

import nbformat
import pytest

from course_lib.build.kernel import START_ATTEMPTS, execute_with_retried_start, progress
from tests.conftest import ROOT


def _kernel_that_dies_at_start(times):
    """An ``execute`` that fails like a kernel losing a port race, ``times`` times, then runs."""
    calls = []

    def execute():
        calls.append(1)
        if len(calls) <= times:
            raise RuntimeError("Kernel died before replying to kernel_info")

    return execute, calls


def test_a_kernel_that_dies_before_its_first_cell_is_started_again(tmp_path, capsys):
    execute, calls = _kernel_that_dies_at_start(times=2)
    assert execute_with_retried_start(execute, tmp_path / "never_written.ipynb", attempts=3) is None
    assert len(calls) == 3
    assert capsys.readouterr().err.count("starting it again") == 2

    execute, calls = _kernel_that_dies_at_start(times=3)
    failure = execute_with_retried_start(execute, tmp_path / "never_written.ipynb", attempts=3)
    assert failure == (None, "RuntimeError: Kernel died before replying to kernel_info")
    assert len(calls) == 3


def test_a_failure_that_would_repeat_is_not_retried(tmp_path):
    calls = []

    def execute():
        calls.append(1)
        raise FileNotFoundError("no such kernel: python3")

    failure = execute_with_retried_start(execute, tmp_path / "never_written.ipynb")
    assert failure == (None, "FileNotFoundError: no such kernel: python3") and len(calls) == 1


def test_a_kernel_that_dies_inside_a_cell_is_not_started_again(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"),
                                               nbformat.v4.new_code_cell("2")])
    notebook.cells[1].metadata["papermill"] = {"start_time": "2026-11-26T00:00:00"}
    output = tmp_path / "partly_run.ipynb"
    nbformat.write(notebook, output)
    execute, calls = _kernel_that_dies_at_start(times=1)
    assert execute_with_retried_start(execute, output) == (
        2, "RuntimeError: Kernel died before replying to kernel_info")
    assert len(calls) == 1


def test_nbval_starts_a_kernel_again_when_it_dies_before_its_first_cell():
    """The test harness wraps nbval's kernel start in the runner's policy (retried_start)."""
    import importlib.util

    from nbval import kernel

    spec = importlib.util.spec_from_file_location("harness", ROOT / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)

    assert kernel.start_new_kernel.retried  # the harness wrapped what nbval's RunningKernel calls
    calls = []

    def start_new_kernel(**kwargs):
        calls.append(kwargs)
        if len(calls) < START_ATTEMPTS:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "manager", "client"

    assert conftest._retrying(start_new_kernel)(kernel_name="python3") == ("manager", "client")
    assert len(calls) == START_ATTEMPTS
    calls.clear()
    with pytest.raises(RuntimeError):
        conftest._retrying(lambda: (calls.append(1), (_ for _ in ()).throw(RuntimeError("dead"))))()
    assert len(calls) == START_ATTEMPTS
    calls.clear()
    with pytest.raises(FileNotFoundError):  # would fail again: not retried, as in the runner
        conftest._retrying(lambda: (calls.append(1), (_ for _ in ()).throw(FileNotFoundError())))()
    assert len(calls) == 1


def test_progress_names_the_cell_a_chapter_is_at(tmp_path):
    output = tmp_path / "running.ipynb"
    assert progress(output) == ""  # not written yet
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")] + [
        nbformat.v4.new_code_cell(str(number)) for number in range(3)])
    notebook.cells[1].metadata["papermill"] = {"status": "completed"}
    nbformat.write(notebook, output)
    assert progress(output) == " (cell 2/3)"
