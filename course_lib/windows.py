"""Windows of a time series for forecasting: the lecture's generator, done properly.

:func:`generator` keeps the lecture's arguments and semantics (random reference rows for
training, chronological batches that wrap around for validation and test, inputs
``data[row - lookback : row : step]``, target ``data[row + delay][target_column]``) and yields
exactly its batches for the same random draws, but gathers each batch with one fancy-indexing
operation instead of a Python loop over samples, and never builds all windows at once.

The lecture's alignment has a quirk: its last input row is ``row - step``, so the target lies
``delay + step`` rows after the last observation (25 h, not 24 h, on Jena).
``alignment="corrected"`` shifts the inputs to end at ``row`` itself, the convention of
``keras.utils.timeseries_dataset_from_array``, so the horizon is exactly ``delay``.

:meth:`ForecastSplits.dataset` is what ``fit`` reads: the same windows, gathered by TensorFlow
inside the input pipeline (one ``tf.gather`` per batch, prepared while the previous batch
trains) instead of by a Python generator, and the validation and test windows served once, in
larger batches (evaluating needs no gradients, so a batch of 1,024 windows costs less per
window than eight of 128, and the mean error over the same windows is the same). On Keras'
other backends, which need no TensorFlow, NumPy gathers the same windows in the same order.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import keras
import numpy as np

from course_lib import backends
from course_lib._checks import check_positive_int

ALIGNMENTS = ("lecture", "corrected")
EVALUATION_BATCH_SIZE = 1024  # windows per validation/test batch given to `fit`
ROW_DRAWS_PER_CALL = 64  # training batches whose reference rows are drawn in one call


def window_offsets(lookback: int, step: int, alignment: str = "lecture") -> np.ndarray:
    """Row offsets, relative to the reference row, of one input window."""
    if alignment not in ALIGNMENTS:
        raise ValueError(f"`alignment` must be one of {ALIGNMENTS}. Received: alignment={alignment!r}")
    offsets = np.arange(-lookback, 0, step)
    return offsets + step if alignment == "corrected" else offsets


def check_window_arguments(
    data: np.ndarray, *, lookback: int, delay: int, min_index: int, max_index: int | None,
    step: int, batch_size: int, target_column: int,
) -> int:
    """Validate the generator's arguments up front; returns the resolved ``max_index``."""
    if not isinstance(data, np.ndarray) or data.ndim != 2 or len(data) == 0:
        raise ValueError(
            "`data` must be a non-empty 2-D array (rows, features). Received: "
            f"{type(data).__name__} of shape {getattr(data, 'shape', None)}"
        )
    check_positive_int(lookback=lookback, step=step, batch_size=batch_size)
    if not np.isfinite(data).all():
        bad = np.argwhere(~np.isfinite(data))[0]
        raise ValueError(
            f"`data` must hold finite numbers: a NaN or infinite value would silently turn every "
            f"loss into NaN. Received: data[{bad[0]}, {bad[1]}]={data[tuple(bad)]}"
        )
    if not isinstance(delay, (int, np.integer)) or delay < 0:
        raise ValueError(f"`delay` must be a non-negative integer. Received: delay={delay!r}")
    if lookback % step:
        raise ValueError(
            f"`lookback` must be a multiple of `step` (the lecture sizes windows as lookback // step). "
            f"Received: lookback={lookback}, step={step}"
        )
    if not 0 <= target_column < data.shape[1]:
        raise ValueError(
            f"`target_column` must index one of the {data.shape[1]} columns. "
            f"Received: target_column={target_column}"
        )
    if max_index is None:
        max_index = len(data) - delay - 1
    if not 0 <= min_index < max_index:
        raise ValueError(
            "`min_index` must be at least 0 and below `max_index`. Received: "
            f"min_index={min_index}, max_index={max_index}"
        )
    if max_index + delay > len(data):
        raise ValueError(
            f"`max_index` + `delay` must not exceed the data's {len(data)} rows (the last target "
            f"would not exist). Received: max_index={max_index}, delay={delay}"
        )
    if min_index + lookback >= max_index:
        raise ValueError(
            f"No window fits between `min_index` and `max_index`: the first reference row is "
            f"min_index + lookback = {min_index + lookback}, which must be below max_index={max_index}. "
            f"Received: min_index={min_index}, max_index={max_index}, lookback={lookback}"
        )
    return int(max_index)


def generator(
    data: np.ndarray,
    lookback: int,
    delay: int,
    min_index: int,
    max_index: int | None,
    shuffle: bool = False,
    batch_size: int = 128,
    step: int = 6,
    *,
    target_column: int = 1,
    alignment: str = "lecture",
    rng: np.random.RandomState | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Endless ``(samples, targets)`` batches, as the lecture's generator yields them.

    ``samples`` has shape ``(batch, lookback // step, features)``. With ``shuffle`` the
    reference rows are drawn with ``rng.randint`` (``np.random`` when ``rng`` is None, as in
    the lecture); otherwise they run in order from ``min_index + lookback`` and start over
    when the next batch would reach ``max_index``.
    """
    max_index = check_window_arguments(
        data, lookback=lookback, delay=delay, min_index=min_index, max_index=max_index,
        step=step, batch_size=batch_size, target_column=target_column,
    )
    offsets = window_offsets(lookback, step, alignment)
    windows, first_window = _strided_windows(data, step, len(offsets))
    draw = (rng or np.random).randint
    i = min_index + lookback
    while True:
        if shuffle:
            rows = draw(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        yield windows[first_window(rows + offsets[0])], data[rows + delay, target_column]


def _strided_windows(data: np.ndarray, step: int, timesteps: int):
    """Every window of ``timesteps`` rows taken one every ``step``, as a view, and a function
    from a window's first row to its index in that view.

    The rows are first regrouped by their remainder modulo ``step`` (one copy of the data), so
    that the rows of any window lie next to each other: gathering a batch is then one contiguous
    block per sample instead of ``timesteps`` scattered rows, which is what makes the generator
    fast without building all windows in memory.
    """
    if step == 1:
        regrouped, phase_start = np.ascontiguousarray(data), np.zeros(1, dtype=np.int64)
    else:
        phases = [data[phase::step] for phase in range(step)]
        regrouped = np.ascontiguousarray(np.concatenate(phases))
        phase_start = np.cumsum([0] + [len(p) for p in phases[:-1]])
    windows = np.lib.stride_tricks.sliding_window_view(regrouped, timesteps, axis=0).transpose(0, 2, 1)

    def first_window(first_rows: np.ndarray) -> np.ndarray:
        return phase_start[first_rows % step] + first_rows // step

    return windows, first_window


def steps_to_cover(min_index: int, max_index: int, lookback: int, batch_size: int) -> int:
    """Batches needed to see a whole split once, by the lecture's formula
    ``(max_index - min_index - lookback) // batch_size`` (769 and 930 on Jena)."""
    check_positive_int(batch_size=batch_size)
    steps = (max_index - min_index - lookback) // batch_size
    if steps <= 0:
        raise ValueError(
            f"The split holds less than one batch. Received: min_index={min_index}, "
            f"max_index={max_index}, lookback={lookback}, batch_size={batch_size}"
        )
    return steps


def dataset(batches: Iterator[tuple[np.ndarray, np.ndarray]], *, lookback: int, step: int, features: int):
    """Wrap a batch generator as a ``tf.data.Dataset`` for ``model.fit`` (Keras 3 has no
    ``fit_generator``); float32, endless, so ``fit`` needs ``steps_per_epoch``.

    This is how the lecture's own generator can be fed to ``fit``; the chapters use
    :meth:`ForecastSplits.dataset`, which yields the same windows without Python on the hot
    path. On a backend other than TensorFlow, ``fit`` reads the generator itself."""
    as_float = ((x.astype(np.float32), y.astype(np.float32)) for x, y in batches)
    if backends.name() != "tensorflow":
        return as_float
    import tensorflow as tf

    signature = (
        tf.TensorSpec(shape=(None, lookback // step, features), dtype=tf.float32),
        tf.TensorSpec(shape=(None,), dtype=tf.float32),
    )
    return tf.data.Dataset.from_generator(lambda: as_float, output_signature=signature).prefetch(2)


def naive_mae(batches: Iterator[tuple[np.ndarray, np.ndarray]], steps: int, target_column: int = 1) -> float:
    """The common-sense baseline: predict that the target equals its last observed value.

    Averages the per-batch MAEs over ``steps`` batches, as the lecture does.
    """
    check_positive_int(steps=steps)
    maes = []
    for _ in range(steps):
        samples, targets = next(batches)
        maes.append(np.mean(np.abs(samples[:, -1, target_column] - targets)))
    return float(np.mean(maes))


def normalize(values: np.ndarray, train_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale every column to mean 0 and standard deviation 1, with statistics of the first
    ``train_rows`` rows only, so no information leaks from validation or test into training.
    Returns ``(normalised float32, mean, std)``."""
    if not 1 < train_rows <= len(values):
        raise ValueError(
            f"`train_rows` must be between 2 and the {len(values)} rows. Received: train_rows={train_rows}"
        )
    if not np.isfinite(values[:train_rows]).all():
        raise ValueError("`values` holds NaN or infinite numbers in its training rows.")
    mean = values[:train_rows].mean(axis=0)
    std = values[:train_rows].std(axis=0)
    if (std == 0).any():
        raise ValueError(f"Columns {np.flatnonzero(std == 0).tolist()} are constant in the training rows.")
    return ((values - mean) / std).astype(np.float32), mean, std


SPLITS = ("train", "val", "test")


class ForecastSplits:
    """The lecture's three generators over one normalised series, set up once.

    Training draws random reference rows from ``[0, train_end)``; validation and test read
    ``[train_end + 1, val_end)`` and ``[val_end + 1, end)`` in order, as in the lecture.
    ``evaluation_batch_size`` is how many validation or test windows :meth:`dataset` serves
    at a time; it changes neither which windows are evaluated nor their mean error.
    """

    def __init__(
        self, data: np.ndarray, *, lookback: int, delay: int, step: int, batch_size: int,
        train_end: int, val_end: int, target_column: int = 1, alignment: str = "lecture",
        evaluation_batch_size: int = EVALUATION_BATCH_SIZE,
    ):
        check_positive_int(evaluation_batch_size=evaluation_batch_size)
        if not 0 < train_end < val_end < len(data):
            raise ValueError(
                f"`train_end` and `val_end` must satisfy 0 < train_end < val_end < {len(data)} "
                f"(the data's rows). Received: train_end={train_end}, val_end={val_end}"
            )
        self.data, self.lookback, self.delay, self.step = data, lookback, delay, step
        self.batch_size, self.target_column, self.alignment = batch_size, target_column, alignment
        self.evaluation_batch_size = evaluation_batch_size
        self.bounds = {"train": (0, train_end), "val": (train_end + 1, val_end),
                       "test": (val_end + 1, len(data) - delay - 1)}
        for split in SPLITS:  # validate every split now, not at the first batch
            low, high = self.bounds[split]
            check_window_arguments(data, lookback=lookback, delay=delay, min_index=low, max_index=high,
                                   step=step, batch_size=batch_size, target_column=target_column)

    @property
    def timesteps(self) -> int:
        return self.lookback // self.step

    @property
    def features(self) -> int:
        return self.data.shape[1]

    def reference_rows(self, split: str) -> tuple[int, int]:
        """The lecture's tau_min and tau_max: first and last row a sample can be anchored at."""
        low, high = self._bounds(split)
        return low + self.lookback, high - 1

    def steps(self, split: str) -> int:
        low, high = self._bounds(split)
        return steps_to_cover(low, high, self.lookback, self.batch_size)

    def batches(self, split: str, *, seed: int = 0):
        low, high = self._bounds(split)
        return generator(self.data, self.lookback, self.delay, low, high, split == "train",
                         self.batch_size, self.step, target_column=self.target_column,
                         alignment=self.alignment, rng=np.random.RandomState(seed))

    def dataset(self, split: str, *, seed: int = 0):
        """What ``fit`` reads: the windows of :meth:`batches`, gathered by TensorFlow.

        ``"train"``: endless batches of ``batch_size`` random windows, the very windows
        ``batches("train", seed=seed)`` yields (the same ``RandomState`` draws, made
        ``ROW_DRAWS_PER_CALL`` batches at a time: the only Python left in the pipeline). Like
        the generator, one dataset is one stream: a second iterator over it continues the
        draws where the first left them, so build one per ``fit``.
        ``"val"``/``"test"``: the windows of the lecture's first ``steps(split)`` batches, in
        order, ``evaluation_batch_size`` at a time, and then the dataset ends. The lecture's
        generator starts over right after those batches, so its every epoch evaluates the
        same windows; a dataset that ends after them is read whole by ``fit`` each epoch and
        needs no ``validation_steps``. (One exception: when the split's reference rows are an
        exact multiple of ``batch_size``, the generator starts over one batch early, so its
        last batch repeats its first and its epochs drift; the dataset then holds every
        window once. No profile of the course has such a split.)
        """
        low, high = self._bounds(split)
        first = low + self.lookback
        draw = np.random.RandomState(seed).randint
        shape = (ROW_DRAWS_PER_CALL, self.batch_size)

        def row_draws():
            while True:
                yield draw(first, high, size=shape)

        count = self.steps(split) * self.batch_size
        if backends.name() != "tensorflow":
            if split == "train":
                return (self._gather_in_numpy(rows) for draws in row_draws() for rows in draws)
            return EvaluationWindows(self._gather_in_numpy, np.arange(first, first + count),
                                     self.evaluation_batch_size)
        import tensorflow as tf

        if split == "train":
            rows = tf.data.Dataset.from_generator(
                row_draws, output_signature=tf.TensorSpec(shape, tf.int64)).unbatch()
        else:
            rows = tf.data.Dataset.range(first, first + count).batch(self.evaluation_batch_size)
        return rows.map(self._gather_windows).prefetch(tf.data.AUTOTUNE)

    @functools.cached_property
    def _gather_windows(self):
        """A TensorFlow function from a batch of reference rows to ``(samples, targets)``:
        one gather of every window's rows from the series held as a tensor, built once from
        ``data`` as it is at the first call of :meth:`dataset`."""
        import tensorflow as tf

        table = tf.constant(self.data, dtype=tf.float32)
        targets = tf.constant(self.data[:, self.target_column], dtype=tf.float32)
        offsets = tf.constant(window_offsets(self.lookback, self.step, self.alignment), tf.int64)
        delay = self.delay

        def gather(rows):
            return tf.gather(table, rows[:, None] + offsets), tf.gather(targets, rows + delay)

        return gather

    @functools.cached_property
    def _gather_in_numpy(self):
        """:attr:`_gather_windows` without TensorFlow: the same gather in NumPy, its table and
        offsets made once, at the first call of :meth:`dataset`."""
        table = np.asarray(self.data, dtype=np.float32)
        offsets = window_offsets(self.lookback, self.step, self.alignment)
        delay, column = self.delay, self.target_column

        def gather(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return table[rows[:, None] + offsets], table[rows + delay, column]

        return gather

    def naive_mae(self, split: str = "val") -> float:
        return naive_mae(self.batches(split), self.steps(split), self.target_column)

    def fit_arguments(self, *, steps_per_epoch: int, seed: int = 0) -> dict:
        """Keyword arguments for :func:`course_lib.training.train` on these splits."""
        return dict(x=self.dataset("train", seed=seed), batch_size=None, steps_per_epoch=steps_per_epoch,
                    validation_data=self.dataset("val"), seed=seed)

    def _bounds(self, split: str) -> tuple[int, int]:
        if split not in SPLITS:
            raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}")
        return self.bounds[split]


class EvaluationWindows(keras.utils.PyDataset):
    """Validation or test windows for ``fit`` on a backend other than TensorFlow: the windows
    at ``rows``, ``batch_size`` at a time, in order, read whole at every epoch.

    ``cardinality`` and ``take`` are the two methods of a ``tf.data.Dataset`` that the build
    tools call on validation data (:func:`course_lib.training.cap_validation`)."""

    def __init__(self, gather, rows: np.ndarray, batch_size: int):
        super().__init__()
        self._gather, self._rows, self._batch_size = gather, rows, batch_size

    def __len__(self) -> int:
        return -(-len(self._rows) // self._batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self._gather(self._rows[index * self._batch_size:(index + 1) * self._batch_size])

    def cardinality(self) -> int:
        return len(self)

    def take(self, batches: int) -> EvaluationWindows:
        return EvaluationWindows(self._gather, self._rows[:batches * self._batch_size],
                                 self._batch_size)
