"""The course on Keras' backends: what differs is behind one function each and gives the same
figures; runs of two backends never mix; a chapter that needs TensorFlow is refused by name
where it is missing. The chapters themselves run on JAX under `make nbval BACKEND=jax`."""

import importlib.util
import itertools
import json
import os
import subprocess
import sys

import keras
import nbformat
import numpy as np
import pytest

from course_lib import backends, results, run_folder
from course_lib.build import planner
from course_lib.build.runner import run_book
from course_lib.windows import ForecastSplits
from tests.conftest import ROOT
from tests.test_runner import _copy_book

DATA = np.random.default_rng(0).normal(size=(3000, 4)).astype(np.float32)
HAS_JAX = importlib.util.find_spec("jax") is not None


def test_a_backend_the_course_never_ran_on_is_refused(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(ValueError, match=r"Received: KERAS_BACKEND='torch'"):
        backends.name()


def test_the_gradient_of_a_sum_is_the_backends_own():
    x = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    gradient = backends.gradient_of_sum(lambda v: 3.0 * v * v, x)
    np.testing.assert_allclose(gradient, 6.0 * x)
    assert gradient.shape == x.shape and isinstance(gradient, np.ndarray)


@pytest.mark.parametrize("backend, chapter_asks, compiled", [
    ("tensorflow", False, False), ("tensorflow", True, True), ("jax", False, True), ("jax", True, True)])
def test_jax_compiles_every_step_tensorflow_follows_the_chapter(monkeypatch, backend, chapter_asks,
                                                                 compiled):
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    assert backends.compiles_steps(chapter_asks) is compiled


PROBE = """
import json, sys
import keras, numpy as np
from course_lib.gradient_probe import gradient_norm_by_position


def probe(weights):
    model = keras.Sequential([keras.Input((12,), dtype="int32"), keras.layers.Embedding(20, 4),
                              keras.layers.SimpleRNN(5), keras.layers.Dense(1)])
    model.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return gradient_norm_by_position(model, np.arange(24).reshape(2, 12) % 20).tolist()


if __name__ == "__main__":
    print(json.dumps([keras.backend.backend(), probe(json.loads(sys.stdin.read()))]))
"""


@pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed (make install BACKEND=jax)")
def test_the_gradient_probe_measures_the_same_on_tensorflow_and_jax():
    """Chapter 05's probe, given the same weights, here and in a process on the other backend."""
    rng = np.random.default_rng(3)
    shapes = [(20, 4), (4, 5), (5, 5), (5,), (5, 1), (1,)]
    weights = [rng.normal(scale=0.5, size=shape).tolist() for shape in shapes]
    here = {"__name__": "probe"}
    exec(PROBE, here)  # defines probe() without running the script's main part
    measured = {keras.backend.backend(): np.array(here["probe"](weights))}
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    env = {**os.environ, "KERAS_BACKEND": other, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(weights), env=env,
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=120).stdout
    name, norms = json.loads(out.strip().splitlines()[-1])
    measured[name] = np.array(norms)
    assert set(measured) == {"tensorflow", "jax"} and measured["jax"].shape == (12,)
    np.testing.assert_allclose(measured["jax"], measured["tensorflow"], rtol=1e-4, atol=1e-7)


def _batches(data) -> list:
    if isinstance(data, keras.utils.PyDataset):
        return [data[index] for index in range(len(data))]
    return [tuple(np.asarray(part) for part in batch) for batch in data]


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_without_tensorflow_numpy_serves_the_same_windows_in_the_same_order(monkeypatch, split):
    splits = ForecastSplits(DATA, lookback=144, delay=24, step=6, batch_size=16, train_end=1500,
                            val_end=2200, target_column=2, evaluation_batch_size=100)
    count = 70 if split == "train" else None  # training data never ends
    reference = _batches(itertools.islice(splits.dataset(split, seed=4), count))
    monkeypatch.setattr(backends, "name", lambda: "jax")
    served = splits.dataset(split, seed=4)
    assert isinstance(served, keras.utils.PyDataset) == (split != "train")
    ours = _batches(itertools.islice(served, count) if split == "train" else served)
    assert len(ours) == len(reference) and len(ours) > 1
    for (x, y), (rx, ry) in zip(ours, reference):
        assert x.dtype == rx.dtype == np.float32 and y.dtype == np.float32
        np.testing.assert_array_equal(x, rx)
        np.testing.assert_array_equal(y, ry)


def test_the_numpy_evaluation_windows_can_be_cut_as_the_build_tools_cut_a_dataset(monkeypatch):
    from course_lib.training import cap_validation, finite_batches

    monkeypatch.setattr(backends, "name", lambda: "jax")
    splits = ForecastSplits(DATA, lookback=144, delay=24, step=6, batch_size=16, train_end=1500,
                            val_end=2200, evaluation_batch_size=100)
    windows = splits.dataset("val")
    assert finite_batches(windows) == len(windows) == -(-splits.steps("val") * 16 // 100)
    steps, capped = cap_validation(2, None, windows)
    assert steps is None and len(capped) == 2
    np.testing.assert_array_equal(capped[1][0], windows[1][0])


def test_results_of_two_backends_are_two_experiments(tmp_path, monkeypatch):
    """The backends draw different initial weights from one seed: a JAX run never recalls a
    TensorFlow result, and a result recorded before results named a backend is TensorFlow's."""
    result = results.Result(chapter="06_gru", model="GRU", task="weather", metric="val_mae_degC",
                            value=2.5, parameters=10, seconds_per_epoch=1.0, source="sample")
    results.record(result, tmp_path)
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    assert results.recall("06_gru", "weather", "GRU", {}, tmp_path) == result
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert results.recall("06_gru", "weather", "GRU", {}, tmp_path) is None
    results.record(results.Result(**{**result.__dict__, "value": 2.4, "backend": "jax"}), tmp_path)
    assert [r.value for r in results.load_results(tmp_path)] == [2.5, 2.4]  # side by side
    path = tmp_path / "results" / "06_gru.json"
    legacy = json.loads(path.read_text())[:1]
    del legacy[0]["backend"]
    path.write_text(json.dumps(legacy))
    assert results.load_results(tmp_path)[0].backend == "tensorflow"


@pytest.mark.parametrize("backend, folder", [(None, "quick"), ("tensorflow", "quick"),
                                             ("jax", "quick-jax")])
def test_each_backend_runs_into_its_own_folder(monkeypatch, backend, folder):
    if backend is None:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    else:
        monkeypatch.setenv("KERAS_BACKEND", backend)
    assert run_folder.default("/course", "quick").path.name == folder


def test_a_refresh_runs_on_tensorflow_only(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(ValueError, match=r"a refresh runs on it. Received: KERAS_BACKEND='jax'"):
        run_book(tmp_path, "quick", ["01_recap"], refresh=True, progress=False)


def _without_tensorflow(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(planner.importlib.util, "find_spec",
                        lambda name, *args: None if name == "tensorflow" else real(name, *args))


def test_chapter_02_says_why_it_needs_tensorflow_in_its_first_cell():
    notebook = nbformat.read(ROOT / "book" / "02_tokenization.ipynb", as_version=4)
    needs = notebook.metadata["course_lib"]["needs"]
    assert list(needs) == ["tensorflow"] and "TextVectorization" in needs["tensorflow"]
    assert "needs TensorFlow installed" in notebook.cells[0].source
    others = [path.stem for path in sorted((ROOT / "book").glob("*.ipynb"))
              if nbformat.read(path, as_version=4).metadata.get("course_lib", {}).get("needs")]
    assert others == ["02_tokenization"]


def test_a_chapter_named_where_its_package_is_missing_is_refused_before_any_kernel(
        monkeypatch, tmp_path):
    _without_tensorflow(monkeypatch)
    root = _copy_book(tmp_path)
    with pytest.raises(ValueError, match=r"Chapter '02_tokenization' cannot run here: it needs "
                                         r"tensorflow \(Keras' TextVectorization"):
        run_book(root, "quick", ["01_recap", "02_tokenization"], progress=False)
    assert not (root / "_build" / "runs").exists()  # nothing started


def test_the_whole_book_leaves_out_a_chapter_that_cannot_run_and_says_so(
        monkeypatch, tmp_path, capsys):
    _without_tensorflow(monkeypatch)
    root = _copy_book(tmp_path)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/01_recap\n"
        "  - file: book/02_tokenization\n  - file: book/errata\n")
    report = run_book(root, "quick", progress=False)
    assert sorted(report.seconds) == ["01_recap", "errata"]
    assert ("course-lib: 02_tokenization not executed, it needs tensorflow"
            in capsys.readouterr().err)
    staged = nbformat.read(report.run_dir / "book" / "02_tokenization.ipynb", as_version=4)
    assert staged == nbformat.read(root / "book" / "02_tokenization.ipynb", as_version=4)
