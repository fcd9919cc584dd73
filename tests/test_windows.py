"""The vectorised generator yields exactly the lecture's batches, and refuses bad windows."""

import itertools

import numpy as np
import pytest

from course_lib.windows import (
    dataset, generator, naive_mae, normalize, steps_to_cover, window_offsets,
)


def lecture_generator(data, lookback, delay, min_index, max_index, shuffle=False,
                      batch_size=128, step=6, rng=None):
    """The lecture's generator, loop and all (Keras 2 era), as the reference to match."""
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = rng.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        samples = np.zeros((len(rows), lookback // step, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets


DATA = np.random.default_rng(0).normal(size=(3000, 4))


@pytest.mark.parametrize("lookback, step, delay", [(240, 1, 24), (144, 6, 24), (60, 3, 0), (12, 12, 5)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("min_index, max_index", [(0, 1500), (1501, 2400), (2401, None)])
def test_generator_matches_lecture_batches(lookback, step, delay, shuffle, min_index, max_index):
    ours = generator(DATA, lookback, delay, min_index, max_index, shuffle, 64, step,
                     rng=np.random.RandomState(7))
    theirs = lecture_generator(DATA, lookback, delay, min_index, max_index, shuffle, 64, step,
                               rng=np.random.RandomState(7))
    for (x, y), (rx, ry) in itertools.islice(zip(ours, theirs), 40):
        np.testing.assert_array_equal(x, rx)
        np.testing.assert_array_equal(y, ry)


def test_chronological_batches_wrap_around_and_respect_the_edges():
    rows = np.arange(100, dtype=float)[:, None] * np.ones((1, 2))
    batches = generator(rows, lookback=10, delay=3, min_index=0, max_index=40, batch_size=8, step=1)
    targets = [next(batches)[1] for _ in range(5)]
    first_refs = [t[0] - 3 for t in targets]
    assert first_refs == [10, 18, 26, 10, 18]  # 34 + 8 >= 40: start over, as the lecture does
    x, y = next(generator(rows, 10, 3, 0, 40, batch_size=8, step=1))
    assert x[0, 0, 0] == 0 and x[0, -1, 0] == 9 and y[0] == 13  # tau_min = min_index + lookback
    shuffled = generator(rows, 10, 3, 0, 40, shuffle=True, batch_size=500, step=1, rng=np.random.RandomState(0))
    refs = next(shuffled)[1] - 3
    assert refs.min() == 10 and refs.max() == 39  # tau_max = max_index - 1, included


def test_corrected_alignment_makes_the_horizon_exactly_delay():
    rows = np.arange(50, dtype=float)[:, None] * np.ones((1, 2))
    lecture = next(generator(rows, 12, 4, 0, 40, batch_size=1, step=3))
    corrected = next(generator(rows, 12, 4, 0, 40, batch_size=1, step=3, alignment="corrected"))
    assert lecture[1][0] - lecture[0][0, -1, 1] == 4 + 3  # delay + step
    assert corrected[1][0] - corrected[0][0, -1, 1] == 4  # delay
    np.testing.assert_array_equal(window_offsets(12, 3, "corrected"), [-9, -6, -3, 0])


def test_corrected_alignment_equals_keras_timeseries_dataset():
    import keras

    lookback, step, delay = 12, 3, 4
    data = np.random.default_rng(1).normal(size=(60, 2)).astype("float32")
    # our first reference row is lookback; its corrected window covers rows step .. lookback
    reference = keras.utils.timeseries_dataset_from_array(
        data[step:], targets=data[lookback + delay:, 1], sequence_length=lookback // step,
        sampling_rate=step, batch_size=5, shuffle=False)
    keras_x, keras_y = next(iter(reference))
    ours_x, ours_y = next(generator(data, lookback, delay, 0, None, batch_size=5, step=step,
                                    alignment="corrected"))
    np.testing.assert_array_equal(ours_x, np.asarray(keras_x))
    np.testing.assert_array_equal(ours_y, np.asarray(keras_y))


def test_naive_baseline_is_exact_on_a_persistent_series():
    constant_target = np.ones((500, 3))
    assert naive_mae(generator(constant_target, 24, 6, 0, 300, step=1), steps=3) == 0.0
    ramp = np.arange(500, dtype=float)[:, None] * np.ones((1, 3))
    assert naive_mae(generator(ramp, 24, 6, 0, 300, step=2), steps=2) == pytest.approx(6 + 2)


def test_lecture_step_counts_for_jena_sizes():
    assert steps_to_cover(200001, 300000, 1440, 128) == 769
    assert steps_to_cover(300001, 420551, 1440, 128) == 930


def test_normalize_uses_training_rows_only():
    values = np.concatenate([np.zeros((10, 2)), np.full((10, 2), 100.0)])
    values[:10, :] = np.arange(10)[:, None]
    scaled, mean, std = normalize(values, 10)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(mean, [4.5, 4.5])
    np.testing.assert_allclose(scaled[:10].mean(axis=0), 0, atol=1e-6)
    assert scaled[10:].mean() > 10  # the later rows were not used for the statistics


def test_dataset_feeds_fit_with_float32_batches():
    batches = generator(DATA, 24, 6, 0, 1000, shuffle=True, batch_size=16, step=6, rng=np.random.RandomState(0))
    x, y = next(iter(dataset(batches, lookback=24, step=6, features=4)))
    assert tuple(x.shape) == (16, 4, 4) and tuple(y.shape) == (16,) and x.dtype.name == "float32"


@pytest.mark.parametrize("kwargs, message", [
    (dict(lookback=0), r"`lookback` must be a positive integer. Received: lookback=0"),
    (dict(step=-1), r"`step` must be a positive integer. Received: step=-1"),
    (dict(batch_size=0), r"`batch_size` must be a positive integer. Received: batch_size=0"),
    (dict(delay=-2), r"`delay` must be a non-negative integer. Received: delay=-2"),
    (dict(lookback=10, step=3), r"`lookback` must be a multiple of `step`.*Received: lookback=10, step=3"),
    (dict(min_index=500, max_index=500), r"`min_index` must be at least 0 and below `max_index`. Received: min_index=500, max_index=500"),
    (dict(max_index=2990, delay=24), r"`max_index` \+ `delay` must not exceed the data's 3000 rows.*max_index=2990, delay=24"),
    (dict(min_index=0, max_index=100, lookback=120), r"No window fits.*min_index \+ lookback = 120.*max_index=100"),
    (dict(target_column=4), r"`target_column` must index one of the 4 columns. Received: target_column=4"),
    (dict(alignment="keras"), r"`alignment` must be one of \('lecture', 'corrected'\). Received: alignment='keras'"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    arguments = dict(lookback=24, delay=6, min_index=0, max_index=1000, step=6, batch_size=8)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        next(generator(DATA, **arguments))


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match=r"`data` must be a non-empty 2-D array \(rows, features\). Received: ndarray of shape \(10,\)"):
        next(generator(np.zeros(10), 2, 1, 0, 5, step=1))
    with pytest.raises(ValueError, match="NaN or infinite"):
        normalize(np.array([[1.0], [np.nan], [2.0]]), 3)
    with pytest.raises(ValueError, match=r"Columns \[0\] are constant"):
        normalize(np.ones((5, 1)), 5)


def test_forecast_splits_follow_the_lecture_layout():
    from course_lib.windows import ForecastSplits

    splits = ForecastSplits(DATA, lookback=240, delay=24, step=1, batch_size=128, train_end=1500, val_end=2200)
    assert splits.reference_rows("train") == (240, 1499)
    assert splits.reference_rows("val") == (1501 + 240, 2199)
    assert splits.steps("val") == (2200 - 1501 - 240) // 128
    assert splits.bounds["test"] == (2201, 3000 - 24 - 1)
    x, y = next(splits.batches("train"))
    assert x.shape == (128, 240, 4) and y.shape == (128,)
    assert splits.naive_mae("val") > 0
    with pytest.raises(ValueError, match=r"`split` must be one of \('train', 'val', 'test'\). Received: split='dev'"):
        splits.steps("dev")
    with pytest.raises(ValueError, match=r"Received: train_end=2500, val_end=2200"):
        ForecastSplits(DATA, lookback=24, delay=6, step=1, batch_size=8, train_end=2500, val_end=2200)
    with pytest.raises(ValueError, match="No window fits"):
        ForecastSplits(DATA, lookback=240, delay=24, step=1, batch_size=8, train_end=1500, val_end=1600)


@pytest.mark.parametrize("alignment", ["lecture", "corrected"])
def test_the_training_dataset_holds_the_generators_random_windows(alignment):
    """`fit` reads `splits.dataset`; the page shows the generator: the very same windows."""
    from course_lib.windows import ROW_DRAWS_PER_CALL, ForecastSplits

    splits = ForecastSplits(DATA, lookback=144, delay=24, step=6, batch_size=16, train_end=1500,
                            val_end=2200, target_column=2, alignment=alignment)
    pairs = zip(splits.dataset("train", seed=5), splits.batches("train", seed=5))
    for (x, y), (gx, gy) in itertools.islice(pairs, 2 * ROW_DRAWS_PER_CALL + 3):
        assert x.dtype.name == "float32" and tuple(x.shape) == (16, 24, 4)
        np.testing.assert_array_equal(np.asarray(x), gx.astype(np.float32))
        np.testing.assert_array_equal(np.asarray(y), gy.astype(np.float32))


@pytest.mark.parametrize("split", ["val", "test"])
def test_the_evaluation_dataset_holds_the_lectures_windows_once_in_larger_batches(split):
    """The lecture evaluates `steps(split)` batches of its endless generator, which starts over
    right after them; the dataset holds exactly those windows, in order, and then ends."""
    from course_lib.windows import ForecastSplits

    splits = ForecastSplits(DATA, lookback=240, delay=24, step=6, batch_size=32, train_end=1500,
                            val_end=2200, evaluation_batch_size=100)
    ours = list(splits.dataset(split))
    assert [len(y) for _, y in ours[:-1]] == [100] * (len(ours) - 1)
    lecture = splits.batches(split)
    theirs = [next(lecture) for _ in range(splits.steps(split))]
    for index in (0, 1):
        np.testing.assert_array_equal(
            np.concatenate([batch[index] for batch in ours]),
            np.concatenate([batch[index] for batch in theirs]).astype(np.float32))
    # the next batch of the lecture's generator is its first again: every epoch, the same windows
    np.testing.assert_array_equal(next(lecture)[1], theirs[0][1])


def test_validating_on_larger_batches_reports_the_same_error():
    """Keras weights each batch's loss by its size, so the mean over the same windows is the
    same whether they come 128 or 1,024 at a time, up to float round-off."""
    import keras

    from course_lib.windows import ForecastSplits

    data = np.random.default_rng(1).normal(size=(6000, 3)).astype(np.float32)
    splits = ForecastSplits(data, lookback=120, delay=24, step=6, batch_size=32, train_end=2500,
                            val_end=5000)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.GRU(4), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mae")
    lecture = dataset(splits.batches("val"), lookback=120, step=6, features=3)
    by_128 = model.evaluate(lecture, steps=splits.steps("val"), verbose=0)
    by_1024 = model.evaluate(splits.dataset("val"), verbose=0)
    assert splits.steps("val") * 32 > splits.evaluation_batch_size  # more than one batch of 1,024
    np.testing.assert_allclose(by_1024, by_128, rtol=1e-5)


def test_a_bad_evaluation_batch_size_is_refused():
    from course_lib.windows import ForecastSplits

    with pytest.raises(ValueError, match="`evaluation_batch_size` must be a positive integer. "
                                         "Received: evaluation_batch_size=0"):
        ForecastSplits(DATA, lookback=24, delay=6, step=6, batch_size=8, train_end=1500,
                       val_end=2200, evaluation_batch_size=0)


def test_a_split_of_whole_batches_is_held_once_where_the_lecture_starts_over_early():
    """The generator starts over when the next batch would reach `max_index`, so on a split
    of exactly `steps` whole batches it repeats its first batch in place of its last; the
    dataset holds every window of the split once (a case no profile of the course has)."""
    from course_lib.windows import ForecastSplits

    splits = ForecastSplits(DATA, lookback=60, delay=24, step=6, batch_size=16, train_end=1000,
                            val_end=1861, evaluation_batch_size=100)
    first, last = splits.reference_rows("val")
    assert (last + 1 - first) % 16 == 0  # 800 rows: 50 whole batches
    lecture = splits.batches("val")
    theirs = [next(lecture)[1] for _ in range(splits.steps("val"))]
    np.testing.assert_array_equal(theirs[-1], theirs[0])  # the lecture's quirk
    ours = np.concatenate([y for _, y in splits.dataset("val")])
    expected = DATA[np.arange(first, last + 1) + 24, 1].astype(np.float32)
    np.testing.assert_array_equal(ours, expected)
