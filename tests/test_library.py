"""Models, training, results, embeddings and evaluation helpers the chapters call."""

import json
import re

import keras
import nbformat
import numpy as np
import pytest

from course_lib import results, training
from course_lib.datasets import load_padded_imdb
from course_lib.embeddings import nearest_words, principal_components
from course_lib.gradient_probe import gradient_norm_by_position
from course_lib.models import architecture, recurrent_classifier
from course_lib.training import train
from tests.conftest import ROOT


@pytest.mark.parametrize("kind, recurrent_params", [
    ("SimpleRNN", 32 * (32 + 32 + 1)), ("LSTM", 4 * 32 * (32 + 32 + 1)), ("GRU", 3 * 32 * (32 + 32 + 2)),
])
def test_lecture_text_models_have_the_lecture_sizes(kind, recurrent_params):
    model = recurrent_classifier(kind)
    assert model.count_params() == 10_000 * 32 + recurrent_params + 33
    assert model.layers[-1].activation is keras.activations.sigmoid


def test_training_is_reproducible_and_timed():
    x = np.random.default_rng(0).integers(0, 100, size=(64, 12))
    y = np.arange(64) % 2
    def seeded_run():
        keras.utils.set_random_seed(3)  # weights are drawn when the model is built
        model = recurrent_classifier("GRU", num_words=100, embedding_dim=4, units=4)
        return train(model, x, y, epochs=2, batch_size=16, validation_split=0.25, seed=3)

    runs = [seeded_run(), seeded_run()]
    assert runs[0].history == runs[1].history
    assert len(runs[0].epoch_seconds) == 2 and runs[0].seconds_per_epoch > 0
    assert set(runs[0].history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert runs[0].best("val_accuracy") == max(runs[0].history["val_accuracy"])
    assert runs[0].best("val_loss") == min(runs[0].history["val_loss"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), r"`epochs` must be a positive integer. Received: epochs=0"),
    (dict(epochs=1, validation_split=1.0), r"`validation_split` must be in \[0, 1\). Received: validation_split=1.0"),
])
def test_bad_training_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(recurrent_classifier("GRU", num_words=10, units=2), np.zeros((4, 3)), np.zeros(4), **kwargs)


def test_bad_model_kind_is_named():
    with pytest.raises(ValueError, match=r"`kind` must be one of \['GRU', 'LSTM', 'SimpleRNN'\]. Received: kind='RNN'"):
        recurrent_classifier("RNN")


# TensorFlow's own switches (op determinism, its "auto" XLA rule): on TensorFlow only
ON_TENSORFLOW = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                   reason="tests TensorFlow's op determinism")


def _result(model="LSTM", value=0.8, chapter="05_lstm", settings=None):
    return results.Result(chapter=chapter, model=model, task="reviews", metric="val_accuracy",
                          value=value, parameters=10, seconds_per_epoch=1.5, source="sample",
                          settings=settings or {"maxlen": 100}, backend=keras.backend.backend())


def test_results_are_recorded_per_chapter_and_replaced_only_by_the_same_experiment(tmp_path):
    results.record(_result(value=0.7), tmp_path)
    results.record(_result(model="GRU"), tmp_path)
    results.record(_result(value=0.9), tmp_path)  # same chapter, task, model, settings: replaces
    stored = json.loads((tmp_path / "results" / "05_lstm.json").read_text())
    assert sorted((item["model"], item["value"]) for item in stored) == [("GRU", 0.8), ("LSTM", 0.9)]
    assert [r.model for r in results.load_results(tmp_path)] == ["GRU", "LSTM"]
    assert not list((tmp_path / "results").glob("*.tmp"))


def test_one_model_name_on_two_tasks_keeps_both_results(tmp_path):
    """Chapter 11 trains a "Conv1D" on the reviews and another on the weather: both must reach
    the comparison page."""
    from course_lib.comparison import rows

    reviews = _result(model="Conv1D", chapter="11_conv1d")
    weather = results.Result(**{**reviews.__dict__, "task": "weather", "metric": "val_mae_degC",
                                "value": 3.4})
    results.record(reviews, tmp_path)
    results.record(weather, tmp_path)
    recorded = results.load_results(tmp_path)
    assert [(r.task, r.value) for r in recorded] == [("reviews", 0.8), ("weather", 3.4)]
    assert [r.model for r in rows(recorded, "reviews")] == ["Conv1D"]
    assert [r.model for r in rows(recorded, "weather")] == ["Conv1D"]


def test_other_settings_are_another_experiment_and_kept_beside(tmp_path):
    results.record(_result(settings={"units": 32}), tmp_path)
    results.record(_result(value=0.6, settings={"units": 64}), tmp_path)
    assert sorted(r.value for r in results.load_results(tmp_path)) == [0.6, 0.8]


def test_recall_needs_equal_settings_and_otherwise_computes(tmp_path):
    results.record(_result(settings={"maxlen": 100}), tmp_path)
    assert results.recall("05_lstm", "reviews", "LSTM", {"maxlen": 100}, tmp_path).value == 0.8
    assert results.recall("05_lstm", "reviews", "LSTM", {"maxlen": 500}, tmp_path) is None
    assert results.recall("05_lstm", "weather", "LSTM", {"maxlen": 100}, tmp_path) is None
    computed = results.recall_or_record("05_lstm", "reviews", "LSTM", {"maxlen": 500},
                                        lambda: _result(value=0.6, settings={"maxlen": 500}),
                                        tmp_path)
    assert computed.value == 0.6
    # the chapter's own experiment is kept, and another chapter's variant is not added to it
    assert results.recall("05_lstm", "reviews", "LSTM", {"maxlen": 100}, tmp_path).value == 0.8
    assert results.recall("05_lstm", "reviews", "LSTM", {"maxlen": 500}, tmp_path) is None
    fresh = results.recall_or_record("05_lstm", "reviews", "GRU", {"maxlen": 500},
                                     lambda: _result(model="GRU", value=0.7,
                                                     settings={"maxlen": 500}), tmp_path)
    # nothing there: recorded for the chapters that come later in the run
    assert results.recall("05_lstm", "reviews", "GRU", {"maxlen": 500}, tmp_path) == fresh


@pytest.mark.parametrize("run_folder", ["", None])
def test_without_a_run_folder_nothing_is_recorded_or_recalled(run_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert results.record(_result(), run_folder) is None
    calls = []
    value = results.recall_or_record("05_lstm", "reviews", "LSTM", {"maxlen": 100},
                                     lambda: calls.append(1) or _result(), run_folder)
    again = results.recall_or_record("05_lstm", "reviews", "LSTM", {"maxlen": 100},
                                     lambda: calls.append(1) or _result(), run_folder)
    assert value == again and len(calls) == 2  # computed each time, never recalled
    assert not any(tmp_path.rglob("*.json"))  # and nothing written anywhere


def test_under_make_nbval_another_chapters_model_is_recalled_from_the_committed_run(
        tmp_path, monkeypatch):
    """``make nbval`` sets COURSE_LIB_RECALL_FROM: a chapter without a run folder then takes a
    model another chapter trained from the committed run, and still records nothing."""
    committed = tmp_path / "recorded_run"
    results.record(_result(settings={"maxlen": 100}), committed)
    before = sorted(p.read_bytes() for p in committed.rglob("*.json"))
    monkeypatch.setenv(results.RECALL_VARIABLE, str(committed))
    calls = []
    compute = lambda: calls.append(1) or _result(value=0.6, settings={"maxlen": 100})  # noqa: E731
    assert results.recall_or_record("05_lstm", "reviews", "LSTM", {"maxlen": 100}, compute,
                                    "").value == 0.8
    assert calls == []  # recalled, not trained
    other = results.recall_or_record("05_lstm", "reviews", "LSTM", {"maxlen": 500}, compute, "")
    assert other.value == 0.6 and calls == [1]  # other settings: trained
    assert sorted(p.read_bytes() for p in committed.rglob("*.json")) == before


def test_a_recall_folder_that_is_not_a_run_folder_is_refused(tmp_path, monkeypatch):
    assert results.recall_folder({}) == ""  # a reader's kernel: nothing to recall from
    monkeypatch.setenv(results.RECALL_VARIABLE, str(tmp_path / "recorded_rnu"))
    with pytest.raises(OSError, match=r"`COURSE_LIB_RECALL_FROM` must name a run folder with a "
                                      r"results/ folder .* Received: COURSE_LIB_RECALL_FROM='"):
        results.recall_or_record("05_lstm", "reviews", "LSTM", {}, _result, "")


def test_every_model_a_chapter_reuses_is_in_the_committed_run():
    """What lets `make nbval` execute each chapter's training once: for every model a chapter
    takes from another (``reuse_or_train``), the committed run holds a result of that model
    (with the settings it is asked for, unless a chapter trains it differently on purpose:
    chapter 9's single GRU trains 10 epochs, chapter 8's 20)."""
    committed = results.load_results(ROOT / "book" / "recorded_run")
    recorded = {(r.chapter, r.model) for r in committed}
    call = re.compile(r'reuse_or_train\(\s*(?:#.*)?\s*"(\d\d_\w+)",\s*"([^"]+)"')
    reused = set()
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        source = "".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        reused.update(call.findall(source))
    assert len(reused) >= 3 and reused <= recorded, reused - recorded


@pytest.mark.parametrize("kwargs, message", [
    (dict(task="speech"), r"`task` must be one of \('reviews', 'weather'\). Received: task='speech'"),
    (dict(value=float("nan")), r"`value` must be a finite number. Received: value=nan"),
])
def test_bad_results_are_refused(tmp_path, kwargs, message):
    result = results.Result(**{**_result().__dict__, **kwargs})
    with pytest.raises(ValueError, match=message):
        results.record(result, tmp_path)


def test_nearest_words_by_l2_and_cosine():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [10.0, 0.5]])
    vocab = {"good": 0, "great": 1, "plot": 2, "superb": 3}
    assert nearest_words(vectors, vocab, "good", k=1, metric="l2") == ["great"]
    assert nearest_words(vectors, vocab, "good", k=2, metric="cosine") == ["superb", "great"]
    assert nearest_words(vectors, vocab, np.array([0.0, 2.0]), k=1) == ["plot"]
    with pytest.raises(ValueError, match=r"`query` is not in the vocabulary. Received: query='bad'"):
        nearest_words(vectors, vocab, "bad")
    with pytest.raises(ValueError, match=r"`metric` must be one of \('l2', 'cosine'\). Received: metric='dot'"):
        nearest_words(vectors, vocab, "good", metric="dot")


def test_principal_components_find_the_spread():
    points = np.array([[0.0, 0.0, 1.0], [10.0, 0.1, 1.0], [-10.0, -0.1, 1.0]])
    projected = principal_components(points, 1)
    assert projected.shape == (3, 1)
    assert abs(projected[1, 0]) == pytest.approx(10.0005, rel=1e-3)


def test_gradient_norm_by_position_has_one_value_per_word():
    norms = gradient_norm_by_position(recurrent_classifier("LSTM", num_words=20, units=3), np.ones((2, 9), int))
    assert norms.shape == (9,) and (norms > 0).all()
    with pytest.raises(TypeError, match="must start with an Embedding layer"):
        gradient_norm_by_position(keras.Sequential([keras.Input((3, 2)), keras.layers.GRU(2)]), np.ones((1, 3, 2)))


def test_padded_reviews_keep_review_ends():
    (x_train, y_train), (x_test, _) = load_padded_imdb(maxlen=50, train_samples=300)
    assert x_train.shape == (300, 50) and len(y_train) == 300 and x_test.shape == (10_000, 50)
    assert (x_train[:, -1] != 0).all()  # pre-padding: the last column is always a word
    with pytest.raises(ValueError, match=r"`train_samples` must be a positive integer or None. Received: train_samples=0"):
        load_padded_imdb(train_samples=0)


def test_weather_models_have_the_lecture_shapes():
    from course_lib.models import recurrent_regressor

    gru = 3 * 32 * (14 + 32 + 2)
    assert recurrent_regressor(14).count_params() == gru + 33
    regularised = recurrent_regressor(14, dropout=0.2, recurrent_dropout=0.3).layers[0]
    assert (regularised.dropout, regularised.recurrent_dropout) == (0.2, 0.3)


def test_architecture_tells_models_apart_by_layers_settings_and_training_setup():
    def lstm(units=32, optimizer="rmsprop", name=None):
        model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                                  keras.layers.Embedding(10_000, 32), keras.layers.LSTM(units),
                                  keras.layers.Dense(1, activation="sigmoid")], name=name)
        model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
        return model

    built = architecture(recurrent_classifier("LSTM"))
    assert architecture(lstm()) == built
    assert architecture(lstm(name="another_name")) == built  # names do not count
    assert architecture(lstm(units=16)) != built
    assert architecture(lstm(optimizer="adam")) != built
    assert architecture(recurrent_classifier("LSTM", maxlen=100)) != built  # the input shape
    assert architecture(recurrent_classifier("GRU")) != built
    compiled_otherwise = lstm()  # with XLA where it was not, or without where it was (JAX)
    compiled_otherwise._jit_compile = not compiled_otherwise.jit_compile  # what Keras keeps
    assert architecture(compiled_otherwise) != built


def test_fastest_training_steps_trains_each_model_in_turn_and_refuses_bad_input():
    from course_lib.models import recurrent_regressor
    from course_lib.training import fastest_training_steps

    models = {"small": recurrent_regressor(3, units=2), "large": recurrent_regressor(3, units=8)}
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    before = {name: [w.copy() for w in model.get_weights()] for name, model in models.items()}
    seconds = fastest_training_steps(models, x, y, repeats=2)
    assert set(seconds) == {"small", "large"} and all(0 < s < 60 for s in seconds.values())
    for name, model in models.items():  # every model took its steps
        assert any((a != b).any() for a, b in zip(before[name], model.get_weights()))
    with pytest.raises(ValueError, match="repeats"):
        fastest_training_steps(models, x, y, repeats=0)
    with pytest.raises(ValueError, match="at least one model"):
        fastest_training_steps({}, x, y)



@pytest.mark.parametrize("kwargs, message", [
    (dict(dropout=1.0), r"`dropout` must be in \[0, 1\). Received: dropout=1.0"),
    (dict(recurrent_dropout=-0.1), r"`recurrent_dropout` must be in \[0, 1\). Received: recurrent_dropout=-0.1"),
    (dict(kind="RNN"), r"Received: kind='RNN'"),
])
def test_bad_weather_model_arguments(kwargs, message):
    from course_lib.models import recurrent_regressor

    with pytest.raises(ValueError, match=message):
        recurrent_regressor(14, **kwargs)


def test_ctrl_c_while_recording_keeps_the_old_results_whole(tmp_path, monkeypatch):
    import os

    results.record(_result(value=0.7), tmp_path)
    path = tmp_path / "results" / "05_lstm.json"
    before = path.read_text()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        results.record(_result(value=0.9), tmp_path)
    assert path.read_text() == before  # the old figures, whole
    assert not list(path.parent.glob("*.tmp"))  # and nothing half-written beside them


def test_a_run_needs_the_timer_its_fit_used():
    import keras
    import numpy as np

    from course_lib.training import EpochTimer, TrainingRun

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    history = model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=2, verbose=0)
    with pytest.raises(ValueError, match="`timer` must be the EpochTimer passed to the `fit`.*"
                                         "Received: a timer of 0 epochs for a history of 2"):
        TrainingRun.from_fit("x", history, EpochTimer())


@pytest.fixture
def chapter_set_up():
    """Run ``reproducible`` as a chapter does, then give this process back the set-up it had:
    the XLA choice and op determinism outlive the call, and later tests build models too."""
    from tensorflow.python.framework import config

    before = (training._chapter_jit_compile, config.is_op_determinism_enabled())
    yield training.reproducible
    training._chapter_jit_compile = before[0]
    (config.enable_op_determinism if before[1] else config.disable_op_determinism)()


def _models_as_chapters_compile_them():
    """A plain ``model.compile`` as the pages write it, and each builder, none naming
    ``jit_compile``: a GRU with dropout, an LSTM over an embedding, a convnet, a dense model."""
    from course_lib.models import conv_regressor, recurrent_regressor

    dense = keras.Sequential([keras.Input((4, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    dense.compile(optimizer="rmsprop", loss="mae")
    return [dense, recurrent_classifier("LSTM", num_words=50),
            recurrent_regressor(3, dropout=0.2, recurrent_dropout=0.2), conv_regressor(3)]


@pytest.mark.parametrize("jit_compile", [False, True])
def test_models_compiled_on_the_page_follow_the_chapters_xla_setting(
        monkeypatch, chapter_set_up, jit_compile):
    """The chapter states its XLA choice once (``reproducible(seed, jit_compile=...)``), and
    every model it compiles without naming ``jit_compile`` follows it: XLA steps in the full
    profile on a CPU, where Keras' own "auto" never picks XLA, and none in the quick one."""
    monkeypatch.setattr(training.backends, "has_gpu", lambda: False)
    chapter_set_up(0, jit_compile=jit_compile)
    assert [bool(model.jit_compile) for model in _models_as_chapters_compile_them()] == \
        [training.backends.compiles_steps(jit_compile)] * 4  # JAX: always
    if jit_compile:  # a compile call that names it wins (without XLA, op determinism is on,
        # and Keras refuses an explicit jit_compile=True under it)
        explicit = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        explicit.compile(optimizer="rmsprop", loss="mae", jit_compile=False)
        assert explicit.jit_compile is False


@ON_TENSORFLOW
def test_xla_stays_off_while_op_determinism_is_on_as_keras_requires(monkeypatch, chapter_set_up):
    """On a GPU the chapter keeps op determinism, and Keras compiles nothing with XLA under
    it: "auto" following the chapter must not force XLA there."""
    from tensorflow.python.framework import config

    monkeypatch.setattr(training.backends, "has_gpu", lambda: True)
    chapter_set_up(0, jit_compile=True)
    assert config.is_op_determinism_enabled()
    assert not any(model.jit_compile for model in _models_as_chapters_compile_them())


def test_before_any_chapter_set_up_keras_resolves_auto_itself(monkeypatch, chapter_set_up):
    chapter_set_up(0)  # installs the chapter's rule
    monkeypatch.setattr(training, "_chapter_jit_compile", None)
    from keras.src.trainers import trainer

    asked = []
    rule = trainer.Trainer._resolve_auto_jit_compile
    monkeypatch.setattr(trainer.Trainer, "_resolve_auto_jit_compile",
                        lambda model: (asked.append(model.name), rule(model))[1])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="plain")
    model.compile(optimizer="rmsprop", loss="mae")
    # Keras: no XLA on a CPU on TensorFlow, XLA always on JAX
    assert "plain" in asked and model.jit_compile is (keras.backend.backend() == "jax")


def test_every_fit_after_the_set_up_starts_from_the_chapters_seed_under_a_build_wrapper(
        chapter_set_up):
    """``reproducible`` reseeds every later ``fit``; a build tool's wrapper (the rehearsal's cap,
    the estimate's timing) sits under it without dropping the seeding."""
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def weights_after_fit():
        keras.utils.set_random_seed(5)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dropout(0.5),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="rmsprop", loss="mae")
        keras.random.uniform((7,), seed=keras.random.SeedGenerator(11))  # other work
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        return [w.copy() for w in model.get_weights()]

    chapter_set_up(5)
    first, second = weights_after_fit(), weights_after_fit()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    seen = []
    training.wrap_fit(lambda fit, model, *a, **k: (seen.append(1), fit(model, *a, **k))[1])
    under_wrapper = weights_after_fit()
    assert seen == [1] and all(np.array_equal(a, b) for a, b in zip(first, under_wrapper))
