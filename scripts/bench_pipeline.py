"""Benchmark: the full profile's training time with the lecture's input pipeline and with the
course's, measured in one run on this machine.

    python scripts/bench_pipeline.py            # or: make bench (about 3 minutes on 2 cores)
    python scripts/bench_pipeline.py --xla      # what XLA would change (under a minute)

*Before* feeds ``fit`` as the lecture does: its generator (``ForecastSplits.batches``) wrapped
by ``course_lib.windows.dataset``, validation 128 windows at a time for ``validation_steps``
batches. *After* is what the chapters use: ``ForecastSplits.dataset``, the same windows gathered
by TensorFlow in the input pipeline, validation 1,024 at a time. For every weather model the
full profile trains (book/profiles.yml), on a random array of Jena's size, both pipelines take
turns (before, after, before, after) on a fresh copy of the model, and every batch is timed by
a callback, as ``course-lib estimate`` times them: the median of the later epochs, the lower of
the two turns. The review models, whose pipeline did not change, are timed once with
``train_on_batch``/``test_on_batch`` and count the same on both sides. The projection is
``epochs x (training steps x training step + validation steps x validation step)`` per fit:
chapter 3's three small fits and each chapter's work outside ``fit`` are left out (under two
minutes in ``course-lib estimate``).

``--xla`` measures what XLA-compiled steps (``jit_compile=True``) would change. The course
trains with TensorFlow's op determinism on (``course_lib.training.reproducible``), and Keras
then compiles no step with XLA, whatever ``jit_compile`` says (its ``model_supports_jit``); this
mode turns determinism off to see what XLA would buy. Each weather model is built twice, with
and without ``jit_compile``; a training step on 128 windows and a validation step on 1,024, of
Jena's shape, the two variants taking turns, the fastest of five turns kept.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

from course_lib.models import bag_of_words_classifier, conv_regressor, recurrent_classifier  # noqa: E402
from course_lib.models import recurrent_regressor  # noqa: E402
from course_lib.training import BatchTimer, reproducible  # noqa: E402
from course_lib.windows import ForecastSplits, dataset  # noqa: E402

ROWS, FEATURES = 420_551, 14
WEATHER = dict(delay=144, batch_size=128, train_end=200_000, val_end=300_000)
TRAIN_STEPS = 500  # the lecture's steps_per_epoch
# batches of 128 per timed epoch: 48 = six of 1,024. "After" reads its validation windows
# anew each epoch, so its first batch waits for an empty pipeline (1 batch in 97 in a real fit):
# six batches keep that one out of the median
TIMED_TRAIN, TIMED_VAL = 10, 48
EPOCHS, TURNS = 3, 2  # per timed fit (the first traces the graphs), turns per pipeline
REVIEW_STEPS = (157, 40)  # 25,000 reviews, validation_split=0.2, batches of 128
XLA_TURNS = 5
XLA_MODELS = ["dense", "GRU", "GRU + dropout", "stacked GRU", "bidirectional GRU", "Conv1D"]


def gru_stack():
    rates = dict(dropout=0.1, recurrent_dropout=0.5)
    return _regressor("stacked_gru", layers.GRU(32, return_sequences=True, **rates),
                      layers.GRU(64, activation="relu", **rates))


def conv_gru():
    return _regressor("conv1d_gru", layers.Conv1D(32, 5, activation="relu"),
                      layers.MaxPooling1D(3), layers.Conv1D(32, 5, activation="relu"),
                      layers.GRU(32, dropout=0.1, recurrent_dropout=0.5))


def dense():
    model = keras.Sequential([keras.Input((240, FEATURES)), layers.Flatten(),
                              layers.Dense(32, activation="relu"), layers.Dense(1)], name="dense")
    model.compile(optimizer="rmsprop", loss="mae")
    return model


def _regressor(name, *hidden):
    model = keras.Sequential([keras.Input((None, FEATURES)), *hidden, layers.Dense(1)], name=name)
    model.compile(optimizer="rmsprop", loss="mae")
    return model


# (chapter, model, epochs, lookback and step, builder): the full profile's weather fits
WEATHER_FITS = [
    ("07", "dense", 20, (1440, 6), dense),
    ("07", "GRU", 20, (1440, 6), lambda: recurrent_regressor(FEATURES)),
    ("08", "GRU + dropout", 40, (1440, 6),
     lambda: recurrent_regressor(FEATURES, dropout=0.2, recurrent_dropout=0.2)),
    ("09", "stacked GRU", 40, (1440, 6), gru_stack),
    ("10", "GRU", 20, (1440, 6), lambda: recurrent_regressor(FEATURES)),
    ("10", "GRU, reversed", 20, (1440, 6),
     lambda: _regressor("gru_reversed", layers.GRU(32, go_backwards=True))),
    ("10", "bidirectional GRU", 40, (1440, 6),
     lambda: _regressor("bidirectional_gru", layers.Bidirectional(layers.GRU(32)))),
    ("11", "Conv1D", 20, (1440, 6), lambda: conv_regressor(FEATURES)),
    ("12", "Conv1D", 20, (720, 3), lambda: conv_regressor(FEATURES)),
    ("12", "Conv1D + GRU", 20, (720, 3), conv_gru),
]
# (chapter, model, builder): the full profile's review fits, 10 epochs each, unchanged
REVIEW_FITS = [
    ("04", "SimpleRNN", lambda: recurrent_classifier("SimpleRNN", maxlen=500)),
    ("04", "bag of words", lambda: bag_of_words_classifier(maxlen=500)),
    ("05", "LSTM", lambda: recurrent_classifier("LSTM", maxlen=500)),
    ("06", "GRU", lambda: recurrent_classifier("GRU", maxlen=500)),
    ("10", "LSTM, reversed", lambda: recurrent_classifier("LSTM", maxlen=500)),
    ("10", "bidirectional LSTM", lambda: _review("bidirectional_lstm",
                                                 layers.Bidirectional(layers.LSTM(32)))),
    ("11", "Conv1D", lambda: _review("conv1d", layers.Conv1D(32, 7, activation="relu"),
                                     layers.MaxPooling1D(5), layers.Conv1D(32, 7, activation="relu"),
                                     layers.GlobalMaxPooling1D(), embedding_dim=128)),
]


def _review(name, *hidden, embedding_dim=32):
    model = keras.Sequential([keras.Input((500,), dtype="int32"),
                              layers.Embedding(10_000, embedding_dim), *hidden,
                              layers.Dense(1, activation="sigmoid")], name=name)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def time_pipeline(build, splits, after: bool) -> tuple[float, float]:
    """Median seconds of a training batch and of 128 validation windows, one pipeline."""
    reproducible(0)
    model = build()
    shape = dict(lookback=splits.lookback, step=splits.step, features=splits.features)
    if after:
        arguments = dict(x=splits.dataset("train"), validation_data=splits.dataset("val").take(
            TIMED_VAL * splits.batch_size // splits.evaluation_batch_size))
    else:
        arguments = dict(x=dataset(splits.batches("train"), **shape),
                         validation_data=dataset(splits.batches("val"), **shape),
                         validation_steps=TIMED_VAL)
    timer = BatchTimer()
    model.fit(**arguments, steps_per_epoch=TIMED_TRAIN, epochs=EPOCHS, callbacks=[timer],
              verbose=0)
    windows_per_batch = splits.evaluation_batch_size if after else splits.batch_size
    return timer.steady(timer.train), timer.steady(timer.val) * 128 / windows_per_batch


def time_review(build) -> tuple[float, float]:
    reproducible(0)
    model = build()
    x = np.random.default_rng(0).integers(1, 10_000, size=(128, 500)).astype("int32")
    y = np.zeros((128, 1), "float32")
    model.train_on_batch(x, y), model.test_on_batch(x, y)
    train, val = [], []
    for _ in range(5):
        started = time.perf_counter()
        model.train_on_batch(x, y)
        train.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.test_on_batch(x, y)
        val.append(time.perf_counter() - started)
    return statistics.median(train), statistics.median(val)


def main() -> None:
    data = np.random.default_rng(0).normal(size=(ROWS, FEATURES)).astype(np.float32)
    splits = {(lookback, step): ForecastSplits(data, lookback=lookback, step=step, **WEATHER)
              for lookback, step in {fit[3] for fit in WEATHER_FITS}}
    print("| chapter | model | epochs | train + val steps | training step ms (before, after) "
          "| 128 val. windows ms (before, after) | projected min (before, after) |")
    print("|---|---|---:|---|---|---|---|")
    totals = {"before": 0.0, "after": 0.0}
    validation = {"before": 0.0, "after": 0.0}
    for chapter, name, epochs, windows, build in WEATHER_FITS:
        timed = {"before": [], "after": []}
        for _ in range(TURNS):
            for side in timed:
                timed[side].append(time_pipeline(build, splits[windows], side == "after"))
        val_steps = splits[windows].steps("val")
        cells = []
        for side, turns in timed.items():
            train = min(t for t, _ in turns)
            val = min(v for _, v in turns)
            validation[side] += epochs * val_steps * val
            totals[side] += epochs * (TRAIN_STEPS * train + val_steps * val)
            cells.append((train, val, epochs * (TRAIN_STEPS * train + val_steps * val) / 60))
        (tb, vb, pb), (ta, va, pa) = cells
        print(f"| {chapter} | {name} | {epochs} | {TRAIN_STEPS} + {val_steps} | "
              f"{tb * 1e3:.1f}, {ta * 1e3:.1f} | {vb * 1e3:.2f}, {va * 1e3:.2f} | "
              f"{pb:.1f}, {pa:.1f} |", flush=True)
    reviews = 0.0
    for chapter, name, build in REVIEW_FITS:
        train, val = time_review(build)
        minutes = 10 * (REVIEW_STEPS[0] * train + REVIEW_STEPS[1] * val) / 60
        reviews += minutes * 60
        print(f"| {chapter} | {name} (reviews, unchanged) | 10 | {REVIEW_STEPS[0]} + "
              f"{REVIEW_STEPS[1]} | {train * 1e3:.1f}, same | {val * 1e3:.2f}, same (128 "
              f"reviews) | {minutes:.1f}, same |", flush=True)
    before, after = totals["before"] + reviews, totals["after"] + reviews
    print(f"\nweather validation passes: {validation['before'] / 60:.1f} -> "
          f"{validation['after'] / 60:.1f} min, {validation['before'] / validation['after']:.2f}x")
    print(f"weather fits: {totals['before'] / 60:.1f} -> {totals['after'] / 60:.1f} min, "
          f"{totals['before'] / totals['after']:.2f}x")
    print(f"full profile's fits (reviews included): {before / 60:.1f} -> {after / 60:.1f} min, "
          f"{before / after:.2f}x")


def _duration(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def xla() -> None:
    import tensorflow as tf
    from tensorflow.python.framework.config import is_op_determinism_enabled

    reproducible(0)
    if is_op_determinism_enabled():  # what Keras asks before it compiles with XLA
        raise RuntimeError("Op determinism is on: Keras would compile nothing with XLA.")
    windows = np.random.default_rng(0).normal(size=(1024, 240, FEATURES)).astype("float32")
    x_val, y_val = tf.constant(windows), tf.constant(windows[:, -1, 1])
    x, y = x_val[:128], y_val[:128]
    builders = {name: build for _, name, _, _, build in WEATHER_FITS if name in XLA_MODELS}
    print("| model | training step ms (graph, XLA) | 1,024 validation windows ms (graph, XLA) |")
    print("|---|---|---|")
    for name, build in builders.items():
        models = {}
        for jit in (False, True):
            model = build()
            model.compile(optimizer="rmsprop", loss="mae", jit_compile=jit)
            model.train_on_batch(x, y), model.test_on_batch(x_val, y_val)  # trace, compile
            models[jit] = model
        train, val = {jit: [] for jit in models}, {jit: [] for jit in models}
        for _ in range(XLA_TURNS):
            for jit, model in models.items():
                train[jit].append(_duration(lambda: model.train_on_batch(x, y)))
                val[jit].append(_duration(lambda: model.test_on_batch(x_val, y_val)))
        print(f"| {name} | {min(train[False]) * 1e3:.1f}, {min(train[True]) * 1e3:.1f} | "
              f"{min(val[False]) * 1e3:.1f}, {min(val[True]) * 1e3:.1f} |", flush=True)


if __name__ == "__main__":
    if "--xla" in sys.argv[1:]:
        os.environ["COURSE_LIB_DETERMINISTIC"] = "0"  # before anything seeds: XLA needs it off
        xla()
    else:
        main()
