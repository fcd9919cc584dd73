"""The bad-input matrix: for each public function, the wrong values a user could plausibly pass,
and the message each must produce (the argument, what was received, what was expected).

Other test modules check their own module's errors in context; this one sweeps the public
surface in one table so that a new function without argument checks stands out. Every test runs
under pytest-timeout (``timeout`` in pyproject.toml), so a check that hangs fails instead.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_lib import (comparison, diagrams, embeddings, gradient_probe, models, results, shapes,
                        training, windows)
from course_lib.build.cli import main
from course_lib.build.runner import run_book
from course_lib.datasets import imdb, imdb_sample, weather, word_vectors
from course_lib.forecasting import weather_task
from course_lib.sentiment import review_task
from tests.conftest import ROOT

SERIES = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
WITH_NAN = SERIES.copy()
WITH_NAN[17, 2] = np.nan
WEATHER = dict(source="nyc", station="LGA", lookback=24, step=2, delay=6, batch_size=16,
               train_end=400, val_end=600, steps_per_epoch=2, epochs=1, seed=0)
REVIEWS = dict(source="imdb_sample", num_words=500, maxlen=20, train_samples=80, epochs=1,
               batch_size=16, seed=0)


def _first_batch(data, **kwargs):
    arguments = dict(lookback=12, delay=2, min_index=0, max_index=None, step=1, batch_size=4) | kwargs
    return next(windows.generator(data, **arguments))


def _train_dense(x, y, **kwargs):
    model = keras.Sequential([keras.Input(shape=(2, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    return training.train(model, x, y, **({"epochs": 1} | kwargs))


CASES = {
    # windows: the generator and its helpers
    "generator, lookback 0": (lambda: _first_batch(SERIES, lookback=0), r"`lookback` must be a positive integer. Received: lookback=0"),
    "generator, step 1.5": (lambda: _first_batch(SERIES, step=1.5), r"`step` must be a positive integer. Received: step=1.5"),
    "generator, batch_size -1": (lambda: _first_batch(SERIES, batch_size=-1), r"`batch_size` must be a positive integer. Received: batch_size=-1"),
    "generator, 1-D data": (lambda: _first_batch(SERIES[:, 0]), r"`data` must be a non-empty 2-D array \(rows, features\). Received: ndarray of shape \(200,\)"),
    "generator, empty data": (lambda: _first_batch(SERIES[:0]), r"`data` must be a non-empty 2-D array"),
    "generator, NaN in data": (lambda: _first_batch(WITH_NAN), r"`data` must hold finite numbers.*Received: data\[17, 2\]=nan"),
    "generator, lookback too large": (lambda: _first_batch(SERIES, lookback=500), r"No window fits .*Received: min_index=0, max_index=197, lookback=500"),
    "generator, lookback not a multiple of step": (lambda: _first_batch(SERIES, step=5), r"`lookback` must be a multiple of `step`.*Received: lookback=12, step=5"),
    "generator, min_index >= max_index": (lambda: _first_batch(SERIES, min_index=150, max_index=100), r"`min_index` must be at least 0 and below `max_index`. Received: min_index=150, max_index=100"),
    "generator, target past the end": (lambda: _first_batch(SERIES, max_index=199), r"`max_index` \+ `delay` must not exceed the data's 200 rows"),
    "generator, target_column 3": (lambda: _first_batch(SERIES, target_column=3), r"`target_column` must index one of the 3 columns. Received: target_column=3"),
    "generator, alignment": (lambda: _first_batch(SERIES, alignment="late"), r"`alignment` must be one of \('lecture', 'corrected'\). Received: alignment='late'"),
    "normalize, train_rows 0": (lambda: windows.normalize(SERIES, 0), r"`train_rows` must be between 2 and the 200 rows. Received: train_rows=0"),
    "normalize, train_rows too many": (lambda: windows.normalize(SERIES, 201), r"Received: train_rows=201"),
    "normalize, constant column": (lambda: windows.normalize(np.ones((10, 2)), 5), r"Columns \[0, 1\] are constant in the training rows"),
    "normalize, NaN": (lambda: windows.normalize(WITH_NAN, 100), r"`values` holds NaN or infinite numbers in its training rows"),
    "steps_to_cover, empty split": (lambda: windows.steps_to_cover(10, 5, 3, 2), r"less than one batch. Received: min_index=10, max_index=5"),
    "splits, val_end before train_end": (lambda: windows.ForecastSplits(SERIES, lookback=4, delay=1, step=1, batch_size=2, train_end=50, val_end=40), r"Received: train_end=50, val_end=40"),
    "splits, unknown split": (lambda: windows.ForecastSplits(SERIES, lookback=4, delay=1, step=1, batch_size=2, train_end=60, val_end=120).steps("dev"), r"`split` must be one of \('train', 'val', 'test'\). Received: split='dev'"),
    # forecasting
    "weather_task, lookback 0": (lambda: weather_task(**WEATHER | {"lookback": 0}), r"`lookback` must be a positive integer. Received: lookback=0"),
    "weather_task, val_end past the data": (lambda: weather_task(**WEATHER | {"val_end": 99999}), r"Received: train_end=400, val_end=99999"),
    "weather_task, steps_per_epoch 0": (lambda: weather_task(**WEATHER | {"steps_per_epoch": 0}), r"`steps_per_epoch` must be a positive integer. Received: steps_per_epoch=0"),
    "weather_task, station": (lambda: weather_task(**WEATHER | {"station": "ORD"}), r"`station` must be one of \('EWR', 'JFK', 'LGA'\). Received: station='ORD'"),
    # the review task
    "review_task, epochs 0": (lambda: review_task(**REVIEWS | {"epochs": 0}), r"`epochs` must be a positive integer. Received: epochs=0"),
    # models
    "recurrent_classifier, kind": (lambda: models.recurrent_classifier("RNN"), r"`kind` must be one of \['GRU', 'LSTM', 'SimpleRNN'\]. Received: kind='RNN'"),
    "recurrent_classifier, units 0": (lambda: models.recurrent_classifier("LSTM", units=0), r"`units` must be a positive integer. Received: units=0"),
    "recurrent_classifier, num_words -1": (lambda: models.recurrent_classifier("LSTM", num_words=-1), r"`num_words` must be a positive integer. Received: num_words=-1"),
    "recurrent_classifier, learning_rate -1": (lambda: models.recurrent_classifier("GRU", learning_rate=-1), r"`learning_rate` must be a positive number. Received: learning_rate=-1"),
    "recurrent_classifier, learning_rate NaN": (lambda: models.recurrent_classifier("GRU", learning_rate=float("nan")), r"`learning_rate` must be a positive number. Received: learning_rate=nan"),
    "recurrent_regressor, features 0": (lambda: models.recurrent_regressor(0), r"`features` must be a positive integer. Received: features=0"),
    "recurrent_regressor, dropout 1": (lambda: models.recurrent_regressor(3, dropout=1.0), r"`dropout` must be in \[0, 1\). Received: dropout=1.0"),
    "conv_regressor, features 0": (lambda: models.conv_regressor(0), r"`features` must be a positive integer. Received: features=0"),
    "recurrent_classifier, embedding_dim 0": (lambda: models.recurrent_classifier("SimpleRNN", embedding_dim=0), r"`embedding_dim` must be a positive integer. Received: embedding_dim=0"),
    "conv1d_window, kernel_size 20": (lambda: diagrams.conv1d_window(12, 20), r"`kernel_size` must be between 1 and length=12. Received: kernel_size=20"),
    "unrolled_rnn, steps 1": (lambda: diagrams.unrolled_rnn(1), r"`steps` must be between 2 and 6. Received: steps=1"),
    "architecture, not a model": (lambda: models.architecture("lstm"), r"`model` must be a Keras model. Received: model='lstm'"),
    "conv_regressor, learning_rate 'fast'": (lambda: models.conv_regressor(3, learning_rate="fast"), r"`learning_rate` must be a positive number. Received: learning_rate='fast'"),
    # training
    "train, epochs 0": (lambda: _train_dense(np.zeros((4, 2, 1)), np.zeros(4), epochs=0), r"`epochs` must be a positive integer. Received: epochs=0"),
    "train, epochs True": (lambda: _train_dense(np.zeros((4, 2, 1)), np.zeros(4), epochs=True), r"`epochs` must be a positive integer. Received: epochs=True"),
    "train, validation_split 1": (lambda: _train_dense(np.zeros((4, 2, 1)), np.zeros(4), validation_split=1.0), r"`validation_split` must be in \[0, 1\). Received: validation_split=1.0"),
    "train, NaN in x": (lambda: _train_dense(np.full((4, 2, 1), np.nan), np.zeros(4)), r"`x` must hold finite numbers.*Received: 8 non-finite values in x of shape \(4, 2, 1\)"),
    "train, inf in y": (lambda: _train_dense(np.zeros((4, 2, 1)), np.array([0, np.inf, 0, 0])), r"`y` must hold finite numbers.*Received: 1 non-finite values"),
    # results and the comparison
    "record, task": (lambda: results.record(results.Result("c", "m", "speech", "x", 1.0, 1, 1.0, "s"), ""), r"`task` must be one of \('reviews', 'weather'\). Received: task='speech'"),
    "record, NaN value": (lambda: results.record(results.Result("c", "m", "reviews", "x", float("nan"), 1, 1.0, "s"), ""), r"`value` must be a finite number. Received: value=nan"),
    "from_run, task": (lambda: results.from_run("c", None, task="speech", source="s", settings={}), r"`task` must be one of \('reviews', 'weather'\). Received: task='speech'"),
    "comparison rows, task": (lambda: comparison.rows([], "speech"), r"`task` must be one of \('reviews', 'weather'\). Received: task='speech'"),
    # datasets
    "load_imdb, source": (lambda: imdb.load_imdb(source="web"), r"`source` must be one of \('imdb_sample', 'keras'\). Received: source='web'"),
    "load_imdb_texts, split": (lambda: imdb_sample.load_imdb_texts("val"), r"`split` must be one of \('train', 'test'\). Received: split='val'"),
    "load_imdb, num_words 0": (lambda: imdb.load_imdb(num_words=0), r"`num_words` must be an integer above index_from=3 or None. Received: num_words=0"),
    "load_padded_imdb, maxlen 0": (lambda: imdb.load_padded_imdb(maxlen=0), r"`maxlen` must be a positive integer. Received: maxlen=0"),
    "load_padded_imdb, train_samples 0": (lambda: imdb.load_padded_imdb(train_samples=0), r"`train_samples` must be a positive integer or None. Received: train_samples=0"),
    "load_jena, source": (lambda: weather.load_jena(source="web"), r"`source` must be 'nyc' or 'jena'. Received: source='web'"),
    "parse_weather_csv, empty": (lambda: weather.parse_weather_csv("", expected_header=weather.JENA_HEADER, name="f.csv"), r"f.csv is empty: expected a header line and data rows"),
    "load_glove, source": (lambda: word_vectors.load_glove(100, source="web"), r"`source` must be 'package' or 'glove'. Received: source='web'"),
    # embeddings, gradient_probe, shapes
    "nearest_words, unknown word": (lambda: embeddings.nearest_words(np.eye(2), {"a": 0, "b": 1}, "zzz"), r"`query` is not in the vocabulary. Received: query='zzz'"),
    "nearest_words, k 0": (lambda: embeddings.nearest_words(np.eye(2), {"a": 0, "b": 1}, "a", k=0), r"`k` must be positive. Received: k=0"),
    "nearest_words, metric": (lambda: embeddings.nearest_words(np.eye(2), {"a": 0, "b": 1}, "a", metric="dot"), r"`metric` must be one of \('l2', 'cosine'\). Received: metric='dot'"),
    "output_shapes, not Sequential": (lambda: shapes.output_shapes(object(), np.zeros((1, 2, 3))), r"`model` must be a keras.Sequential. Received: model=object"),
    # the runner
    "run_book, jobs 0": (lambda: run_book(ROOT, "quick", ["01_recap"], jobs=0, progress=False), r"`jobs` must be a positive integer. Received: jobs=0"),
    "run_book, profile": (lambda: run_book(ROOT, "fastest", progress=False), r"Unknown profile. Received: profile='fastest'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_message_naming_argument_value_and_expectation(case):
    call, message = CASES[case]
    with pytest.raises((ValueError, TypeError, OSError), match=message):
        call()


def test_cli_refuses_a_malformed_parameter_with_its_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "-p", "epochs"])
    assert exit_.value.code == 2
    assert "expected NAME=VALUE, got 'epochs'" in capsys.readouterr().err


def test_cli_refuses_a_bad_job_count(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["run", "--chapter", "01_recap", "--jobs", "0"]) == 2
    assert "`jobs` must be a positive integer. Received: jobs=0" in capsys.readouterr().err


def test_the_matrix_covers_every_module_with_public_arguments():
    covered = {name.split(",")[0] for name in CASES}
    assert len(CASES) >= 55 and len(covered) >= 25, (len(CASES), sorted(covered))
