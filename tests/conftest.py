"""Fixtures that write small files in the real datasets' formats into a temporary data home."""

from __future__ import annotations

import datetime
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_lib.datasets.weather import JENA_HEADER, JENA_MEMBER

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def keras_resolves_xla_by_its_own_rule_again():
    """A test that runs ``reproducible(seed, jit_compile=True)`` as a chapter does leaves every
    later model of its process compiled with XLA (``training.steps_follow_the_chapter``) and
    every later fit reseeded, and one that caps training leaves the cap under ``fit``: give the
    next test the process as it was, Keras resolving "auto" itself and training as asked."""
    yield
    training = sys.modules.get("course_lib.training")
    if training is not None:
        training._chapter_jit_compile = None
        training._chapter_seed = None
        training._build_wrapper = None


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "data_home"
    home.mkdir()
    monkeypatch.setenv("COURSE_LIB_DATA", str(home))
    return home


def jena_csv(rows: int = 50, *, header=JENA_HEADER) -> str:
    """A Jena-format CSV: quoted header, dd.mm.yyyy HH:MM:SS stamps every 10 minutes."""
    lines = [",".join(f'"{name}"' for name in header)]
    rng = np.random.default_rng(0)
    start = datetime.datetime(2009, 1, 1)
    for i in range(rows):
        stamp = (start + datetime.timedelta(minutes=10 * (i + 1))).strftime("%d.%m.%Y %H:%M:%S")
        values = rng.normal(size=len(header) - 1).round(2)
        values[1] = round(-8.0 + i * 0.01, 2)  # T (degC)
        lines.append(stamp + "," + ",".join(f"{v:.2f}" for v in values))
    return "\n".join(lines) + "\n"


def write_jena_zip(path: Path, text: str, member: str = JENA_MEMBER) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(member, text)
    return path


def write_imdb_npz(path: Path, seed: int = 0, reviews: int = 40) -> tuple[dict, Path]:
    """An imdb.npz like Keras' (ragged object arrays of word ranks from 1) and its word index."""
    rng = np.random.default_rng(seed)
    def ragged(count):
        rows = np.empty(count, dtype=object)
        rows[:] = [[int(w) for w in rng.integers(1, 30, size=rng.integers(3, 25))] for _ in range(count)]
        return rows
    arrays = dict(x_train=ragged(reviews), y_train=rng.integers(0, 2, reviews),
                  x_test=ragged(reviews), y_test=rng.integers(0, 2, reviews))
    np.savez(path, **arrays)
    return arrays, path


def write_word_index(path: Path, words: int = 30) -> dict[str, int]:
    index = {f"word{i}": i for i in range(1, words + 1)}
    path.write_text(json.dumps(index))
    return index
