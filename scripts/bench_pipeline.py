"""Benchmark: the full profile's training time as the lecture ran it and as the course runs
it, measured in one run on this machine.

    python scripts/bench_pipeline.py            # 5 1/2 minutes on 2 cores (also in make bench)
    python scripts/bench_pipeline.py --xla      # XLA against graph steps, model by model (1 min)

*Before* is the lecture's way: its generator (``ForecastSplits.batches``) wrapped by
``course_lib.windows.dataset``, validation 128 windows at a time for ``validation_steps``
batches, and graph steps under TensorFlow's op determinism (``reproducible(seed)``). *After* is
what the full profile does: ``ForecastSplits.dataset``, the same windows gathered by TensorFlow
in the input pipeline, validation 1,024 at a time, and each step compiled with XLA in the
chapters whose full profile sets ``jit_compile`` (book/profiles.yml; op determinism then off,
as ``reproducible(seed, jit_compile=True)`` leaves it on a CPU). For every fit the full profile
trains, on a random array of Jena's size or random reviews of 500 words, both sides take turns
(before, after, before, after) on a fresh copy of the model, and every batch is timed: weather
fits by a callback in ``fit``, as ``course-lib estimate`` times them (the median of the later
epochs, the lower of the two turns); review fits, whose input pipeline did not change, by
``train_on_batch``/``test_on_batch`` (the fastest of five). The projection is ``epochs x
(training steps x training step + validation steps x validation step)`` per fit: chapter 3's
three small fits, chapter 4's multi-hot fits (seconds each) and each chapter's work outside
``fit`` are left out (under two minutes in ``course-lib estimate``).

``--xla`` compares, for one model of each kind, a graph step and an XLA step on the same batch
(determinism off for both), and the loss both give for the same weights on 1,024 windows.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

from course_lib.build.planner import load_profiles  # noqa: E402
from course_lib.models import conv_regressor, recurrent_classifier  # noqa: E402
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
XLA_MODELS = ["dense", "GRU", "GRU + dropout", "stacked GRU", "bidirectional GRU", "Conv1D",
              "Conv1D + GRU"]
ROOT = Path(__file__).resolve().parents[1]


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


def jit_chapters() -> set[str]:
    """The chapters (``"07"``) whose full profile compiles the steps with XLA."""
    full = load_profiles(ROOT)["full"]
    return {chapter[:2] for chapter, values in full.items() if values.get("jit_compile")}


def _side(build, after: bool, jit: bool) -> keras.Model:
    """A fresh model, compiled and seeded as that side runs it: before, graph steps under op
    determinism; after, XLA steps (op determinism off) where the chapter asks for them."""
    from tensorflow.python.framework import config

    xla = after and jit
    reproducible(0, jit_compile=xla)  # turns op determinism off for XLA, on for the rest
    if config.is_op_determinism_enabled() == xla:
        raise RuntimeError("Op determinism must be on for graph steps and off for XLA here: "
                           "run the benchmark on a machine without a GPU and without "
                           "COURSE_LIB_DETERMINISTIC=0.")
    model = _compiled(build(), xla)
    if model.jit_compile != xla:
        raise RuntimeError(f"{model.name}: Keras compiled with jit_compile={model.jit_compile}")
    return model


def _compiled(model: keras.Model, jit: bool) -> keras.Model:
    """``model`` compiled again as its builder compiled it (RMSprop's default rate), with or
    without XLA steps."""
    review = model.loss == "binary_crossentropy"
    model.compile(optimizer="rmsprop", loss=model.loss, metrics=["accuracy"] if review else None,
                  jit_compile=jit)
    return model


def time_pipeline(build, splits, after: bool, jit: bool) -> tuple[float, float]:
    """Median seconds of a training batch and of 128 validation windows, one side."""
    model = _side(build, after, jit)
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


def time_review(build, after: bool, jit: bool) -> tuple[float, float]:
    """Fastest seconds of a training step and of a validation step on 128 reviews, one side."""
    model = _side(build, after, jit)
    x = np.random.default_rng(0).integers(1, 10_000, size=(128, 500)).astype("int32")
    y = np.zeros((128, 1), "float32")
    model.train_on_batch(x, y), model.test_on_batch(x, y)
    train, val = [], []
    for _ in range(5):
        train.append(_duration(lambda: model.train_on_batch(x, y)))
        val.append(_duration(lambda: model.test_on_batch(x, y)))
    return min(train), min(val)


def main() -> None:
    data = np.random.default_rng(0).normal(size=(ROWS, FEATURES)).astype(np.float32)
    splits = {(lookback, step): ForecastSplits(data, lookback=lookback, step=step, **WEATHER)
              for lookback, step in {fit[3] for fit in WEATHER_FITS}}
    jit = jit_chapters()
    print("| chapter | model | epochs | train + val steps (before) | XLA after | training step "
          "ms (before, after) | 128 val. windows ms (before, after) | projected min (before, "
          "after) |")
    print("|---|---|---:|---|---|---|---|---|")
    fits = [(chapter, name, epochs, build, splits[windows]) for chapter, name, epochs, windows,
            build in WEATHER_FITS] + [(chapter, name, 10, build, None)
                                      for chapter, name, build in REVIEW_FITS]
    totals = {"before": 0.0, "after": 0.0}
    validation = {"before": 0.0, "after": 0.0}
    weather = {"before": 0.0, "after": 0.0}
    for chapter, name, epochs, build, windows in fits:
        timed = {"before": [], "after": []}
        for _ in range(TURNS):
            for side in timed:
                after = side == "after"
                timed[side].append(
                    time_pipeline(build, windows, after, chapter in jit) if windows is not None
                    else time_review(build, after, chapter in jit))
        steps = (TRAIN_STEPS, windows.steps("val")) if windows is not None else REVIEW_STEPS
        cells = []
        for side, turns in timed.items():
            train, val = min(t for t, _ in turns), min(v for _, v in turns)
            minutes = epochs * (steps[0] * train + steps[1] * val) / 60
            totals[side] += minutes
            if windows is not None:
                weather[side] += minutes
                validation[side] += epochs * steps[1] * val / 60
            cells.append((train, val, minutes))
        (tb, vb, pb), (ta, va, pa) = cells
        label = name if windows is not None else f"{name} (reviews)"
        print(f"| {chapter} | {label} | {epochs} | {steps[0]} + {steps[1]} | "
              f"{'yes' if chapter in jit else 'no'} | {tb * 1e3:.1f}, {ta * 1e3:.1f} | "
              f"{vb * 1e3:.2f}, {va * 1e3:.2f} | {pb:.1f}, {pa:.1f} |", flush=True)
    for label, pair in (("weather validation passes", validation), ("weather fits", weather),
                        ("full profile's fits (reviews included)", totals)):
        print(f"{label}: {pair['before']:.1f} -> {pair['after']:.1f} min, "
              f"{pair['before'] / pair['after']:.2f}x")


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
    reviews = np.random.default_rng(0).integers(1, 10_000, size=(1024, 500)).astype("int32")
    data = {False: (tf.constant(windows), tf.constant(windows[:, -1, 1])),
            True: (tf.constant(reviews), tf.constant((reviews[:, 0] % 2).astype("float32")))}
    weather = {name: build for _, name, _, _, build in WEATHER_FITS if name in XLA_MODELS}
    builders = [(name, build, False) for name, build in weather.items()]
    builders += [(f"{name} (reviews)", build, True) for chapter, name, build in REVIEW_FITS
                 if name != "LSTM, reversed"]  # chapter 10's: chapter 5's LSTM again
    print("| model | training step ms (graph, XLA) | 1,024 validation windows ms (graph, XLA) "
          "| loss of the same weights, relative difference |")
    print("|---|---|---|---|")
    for name, build, review in builders:
        x_val, y_val = data[review]
        x, y = x_val[:128], y_val[:128]
        models = {jit: _compiled(build(), jit) for jit in (False, True)}
        models[True].set_weights(models[False].get_weights())
        losses = [float(np.atleast_1d(model.test_on_batch(x_val, y_val))[0])
                  for model in models.values()]  # also compiles the evaluation
        for model in models.values():
            model.train_on_batch(x, y)  # traces or compiles the training step
        train, val = {jit: [] for jit in models}, {jit: [] for jit in models}
        for _ in range(XLA_TURNS):
            for jit, model in models.items():
                train[jit].append(_duration(lambda: model.train_on_batch(x, y)))
                val[jit].append(_duration(lambda: model.test_on_batch(x_val, y_val)))
        print(f"| {name} | {min(train[False]) * 1e3:.1f}, {min(train[True]) * 1e3:.1f} | "
              f"{min(val[False]) * 1e3:.1f}, {min(val[True]) * 1e3:.1f} | "
              f"{abs(losses[1] - losses[0]) / abs(losses[0]):.0e} |", flush=True)


if __name__ == "__main__":
    if "--xla" in sys.argv[1:]:
        os.environ["COURSE_LIB_DETERMINISTIC"] = "0"  # before anything seeds: XLA needs it off
        xla()
    else:
        main()
