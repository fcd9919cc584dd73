"""The controlled memory task: shapes, balance, where the signal sits, argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.memory_task import (FIRST_BLANK, PADDING, SIGNAL_A, SIGNAL_B,
                                    marked_value_sequences, memory_sequences)


@pytest.mark.parametrize("position", ["start", "random"])
def test_shapes_and_dtypes(position):
    x, y = memory_sequences(30, 7, position=position)
    assert x.shape == (30, 8) and x.dtype == np.int32
    assert y.shape == (30,) and y.dtype == np.float32


@pytest.mark.parametrize("count", [1, 2, 101, 1000])
def test_labels_are_balanced(count):
    _, y = memory_sequences(count, 5, position="random")
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert int(y.sum()) == count // 2  # exactly half ones; the odd one out is a zero


def test_labels_are_shuffled():
    _, y = memory_sequences(1000, 5)
    assert not np.array_equal(y, np.arange(1000) % 2)


@pytest.mark.parametrize("position", ["start", "random"])
def test_exactly_one_signal_and_it_gives_the_label(position):
    x, y = memory_sequences(500, 12, position=position, vocabulary=9, seed=3)
    signals = np.isin(x, (SIGNAL_A, SIGNAL_B))
    assert (signals.sum(axis=1) == 1).all()
    found = x[signals]  # one per row, in row order
    assert np.array_equal(found == SIGNAL_A, y == 1.0)
    blanks = x[~signals]
    assert blanks.min() >= FIRST_BLANK and blanks.max() <= 8
    assert not (x == PADDING).any()


def test_start_puts_the_signal_first():
    x, _ = memory_sequences(200, 9, position="start")
    assert np.isin(x[:, 0], (SIGNAL_A, SIGNAL_B)).all()


def test_random_spreads_the_signal_over_every_index():
    x, _ = memory_sequences(2000, 9, position="random")
    where = np.argmax(np.isin(x, (SIGNAL_A, SIGNAL_B)), axis=1)
    counts = np.bincount(where, minlength=10)
    assert len(counts) == 10 and counts.min() > 100  # about 200 each


def test_every_blank_is_used():
    x, _ = memory_sequences(300, 20, vocabulary=8)
    assert set(np.unique(x)) == {SIGNAL_A, SIGNAL_B, *range(FIRST_BLANK, 8)}


@pytest.mark.parametrize("position", ["start", "random"])
def test_same_seed_same_data_other_seed_other_data(position):
    first = memory_sequences(50, 10, position=position, seed=4)
    again = memory_sequences(50, 10, position=position, seed=4)
    other = memory_sequences(50, 10, position=position, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_numpy_integers_are_accepted():
    x, _ = memory_sequences(np.int64(4), np.int32(3), vocabulary=np.int64(5), seed=np.int64(1))
    assert x.shape == (4, 4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(distance=0), r"`distance` must be positive. Received: distance=0"),
    (dict(distance=-3), r"`distance` must be positive. Received: distance=-3"),
    (dict(distance=2.5), r"`distance` must be positive. Received: distance=2.5"),
    (dict(distance=True), r"`distance` must be positive. Received: distance=True"),
    (dict(num_sequences=0),
     r"`num_sequences` must be a positive integer. Received: num_sequences=0"),
    (dict(num_sequences=10.0),
     r"`num_sequences` must be a positive integer. Received: num_sequences=10.0"),
    (dict(position="end"),
     r"`position` must be one of \('start', 'random'\). Received: position='end'"),
    (dict(vocabulary=3),
     r"`vocabulary` must be an integer of at least 4 .*Received: vocabulary=3"),
    (dict(vocabulary="20"), r"`vocabulary` must be an integer .*Received: vocabulary='20'"),
    (dict(seed=-1), r"`seed` must be a non-negative integer. Received: seed=-1"),
    (dict(seed=None), r"`seed` must be a non-negative integer. Received: seed=None"),
])
def test_bad_inputs_name_the_argument(kwargs, message):
    arguments = dict(num_sequences=10, distance=5) | kwargs
    with pytest.raises(ValueError, match=message):
        memory_sequences(**arguments)


# --- marked_value_sequences: one marked value among noise --------------------------------------

def test_marked_shapes_and_dtypes():
    x, y = marked_value_sequences(30, 7, window=3)
    assert x.shape == (30, 7, 2) and x.dtype == np.float32
    assert y.shape == (30,) and y.dtype == np.float32


@pytest.mark.parametrize("count", [1, 2, 101, 1000])
def test_marked_labels_are_balanced_and_shuffled(count):
    _, y = marked_value_sequences(count, 5, window=5)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert int(y.sum()) == count // 2
    if count == 1000:
        assert not np.array_equal(y, np.arange(1000) % 2)


def test_exactly_one_marker_and_its_value_gives_the_label():
    x, y = marked_value_sequences(500, 20, noise=2.0, window=6, seed=3)
    marker = x[:, :, 1]
    assert set(np.unique(marker)) == {0.0, 1.0}
    assert (marker.sum(axis=1) == 1).all()
    where = np.argmax(marker, axis=1)
    assert where.max() < 6
    values = x[np.arange(500), where, 0]
    assert np.array_equal(values, np.where(y == 1.0, 1.0, -1.0))


def test_marked_step_spreads_over_the_window():
    x, _ = marked_value_sequences(2000, 30, window=10)
    counts = np.bincount(np.argmax(x[:, :, 1], axis=1), minlength=10)
    assert len(counts) == 10 and counts.min() > 100  # about 200 each


def test_channel_0_is_noise_of_the_given_size_elsewhere():
    x, _ = marked_value_sequences(2000, 50, noise=3.0, window=10, seed=1)
    noise = x[:, :, 0][x[:, :, 1] == 0]
    assert abs(noise.mean()) < 0.05 and abs(noise.std() - 3.0) < 0.05


def test_zero_noise_leaves_only_the_signal():
    x, _ = marked_value_sequences(20, 8, noise=0.0, window=8)
    assert np.array_equal(np.abs(x[:, :, 0]), x[:, :, 1])


def test_marked_same_seed_same_data_other_seed_other_data():
    first = marked_value_sequences(50, 10, seed=4)
    again = marked_value_sequences(50, 10, seed=4)
    other = marked_value_sequences(50, 10, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_marked_numpy_numbers_are_accepted():
    x, _ = marked_value_sequences(np.int64(4), np.int32(6), noise=np.float32(0.5),
                                  window=np.int64(2), seed=np.int64(1))
    assert x.shape == (4, 6, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_sequences=0),
     r"`num_sequences` must be a positive integer. Received: num_sequences=0"),
    (dict(length=0), r"`length` must be a positive integer. Received: length=0"),
    (dict(length=3.0), r"`length` must be a positive integer. Received: length=3.0"),
    (dict(noise=-1.0), r"`noise` must be a non-negative number .*Received: noise=-1.0"),
    (dict(noise=float("nan")), r"`noise` must be a non-negative number .*Received: noise=nan"),
    (dict(noise="1"), r"`noise` must be a non-negative number .*Received: noise='1'"),
    (dict(noise=True), r"`noise` must be a non-negative number .*Received: noise=True"),
    (dict(window=0), r"`window` must be an integer from 1 to `length` \(20\). Received: window=0"),
    (dict(window=21), r"`window` must be an integer from 1 to `length` \(20\). Received: window=21"),
    (dict(window=2.0), r"`window` must be an integer .*Received: window=2.0"),
    (dict(seed=-1), r"`seed` must be a non-negative integer. Received: seed=-1"),
    (dict(seed=None), r"`seed` must be a non-negative integer. Received: seed=None"),
])
def test_marked_bad_inputs_name_the_argument(kwargs, message):
    arguments = dict(num_sequences=10, length=20) | kwargs
    with pytest.raises(ValueError, match=message):
        marked_value_sequences(**arguments)
