"""A synthetic, controlled memory task: one signal token among blanks; which one was it?

Real data (reviews, weather) mixes many effects, so a difference between two recurrent layers
there cannot be pinned on memory alone. Here everything but memory is held fixed: each sequence
holds exactly one *signal* token, ``A`` or ``B``, and ``distance`` *blank* tokens; the label says
which signal it was. Nothing else in the sequence carries information, so a model that answers
better than chance must have carried the signal from where it appeared to the end.

One knob, ``position``, says where the signal sits:

* ``"start"``: always first, so it must be carried exactly ``distance`` steps, in every sequence.
* ``"random"``: anywhere, so the number of steps it must be carried varies from ``0`` to
  ``distance``, from one sequence to the next.

With the signal at the start, a distance of 100 separates the layers (measured for chapter 05):
Keras' default ``SimpleRNN`` holds it, since its orthogonal recurrent matrix keeps the state's
size and blanks can be given a near-zero embedding, so the signal's trace survives 100 steps
(and always the same 100, so one readout decodes it); the default ``LSTM``
starts with a leaky forget gate (sigmoid(1) = 0.73 kept per step, 0.73**100 ~ 1e-14 after 100),
so the signal, and with it the gradient that could teach the gate to keep, is gone.
``"random"`` is the control: some signals arrive close to the end, so every layer gets a
gradient and the verdict becomes a race between learning speeds rather than a yes or no.

The opposite verdict needs a different task, ``marked_value_sequences``: real-valued inputs on
two channels, Gaussian noise on channel 0 at every step except one *marked* step (channel 1 is 1
there, 0 elsewhere), where channel 0 holds the signal, -1 or +1; the label says which. The marked
step falls among the first ``window`` steps, so the signal must be carried past the noise that
follows. Measured for chapter 05 (``length=100``, ``noise=1``, ``window=10``, 4000 sequences, 20%
held out, ``Input((100, 2))`` -> layer(32) -> ``Dense(1, sigmoid)``, RMSprop, batch 64, 8 epochs,
seeds 0..5, on the default and the single-thread oneDNN-off kernel paths; best validation
accuracy over the epochs): Keras' default ``SimpleRNN`` stays at chance (0.49 to 0.53), and so do
Keras' default ``LSTM`` (0.48 to 0.52) and ``GRU`` (0.48 to 0.53), while an ``LSTM`` whose
forget-gate bias starts at 4 reaches 1.0 for 11 of the 12 runs and 0.96 for the last (seed 4,
default path, a one-epoch peak between 0.67 and 0.66: its training is jumpy, so judge it by the
best epoch). A gate multiplies: that LSTM can open its input gate where the marker is, shut it
at every other step, and keep its cell with a forget gate near 1 (sigmoid(4) = 0.982 per step).
A ``SimpleRNN`` has no product of inputs, so the noise it reads at every step is added to its
state at every step, and the signal drowns. The default LSTM (sigmoid(1) = 0.73 kept per step)
and GRU (update gate sigmoid(0) = 0.5) forget the signal within a few dozen noisy steps, so
the gradient that could teach their gates to keep never arrives, as in the token task above.

The module is NumPy only, so it can be tested and used without a deep-learning backend.
"""

from __future__ import annotations

import numpy as np

from course_lib._checks import check_positive_int

PADDING = 0  # Keras' convention: id 0 is reserved for padding; the task never uses it
SIGNAL_A = 1  # label 1
SIGNAL_B = 2  # label 0
FIRST_BLANK = 3  # ids 3 .. vocabulary - 1 are blanks
POSITIONS = ("start", "random")
MIN_VOCABULARY = FIRST_BLANK + 1  # padding, A, B and at least one blank


def memory_sequences(
    num_sequences: int, distance: int, *, position: str = "start",
    vocabulary: int = 20, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``num_sequences`` sequences of ``distance + 1`` token ids and their labels.

    Each sequence holds one signal token, ``SIGNAL_A`` (label 1.0) or ``SIGNAL_B`` (label 0.0),
    and ``distance`` blanks drawn uniformly from ids ``FIRST_BLANK`` to ``vocabulary - 1``.
    ``position="start"`` puts the signal first, so ``distance`` blanks follow it;
    ``position="random"`` puts it at a uniformly random index from 0 to ``distance``.

    The labels are balanced exactly (half of each, one more 0.0 when the count is odd) and
    shuffled, so chance accuracy is 0.5 and no split of the data can lean to one answer.
    The same arguments give the same arrays (``seed`` feeds ``numpy.random.default_rng``).

    Returns ``(x, y)``: ``x`` int32 of shape ``(num_sequences, distance + 1)``, ready for an
    ``Embedding(vocabulary, ...)`` layer; ``y`` float32 of shape ``(num_sequences,)``, for a
    ``Dense(1, activation="sigmoid")`` output and binary cross-entropy.
    """
    check_positive_int(num_sequences=num_sequences)
    if not _is_int(distance) or distance <= 0:
        raise ValueError(f"`distance` must be positive. Received: distance={distance!r}")
    if position not in POSITIONS:
        raise ValueError(f"`position` must be one of {POSITIONS}. "
                         f"Received: position={position!r}")
    if not _is_int(vocabulary) or vocabulary < MIN_VOCABULARY:
        raise ValueError(f"`vocabulary` must be an integer of at least {MIN_VOCABULARY} "
                         "(padding, two signals and a blank). "
                         f"Received: vocabulary={vocabulary!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")

    rng = np.random.default_rng(seed)
    # exactly balanced, then shuffled
    labels = rng.permutation(np.arange(num_sequences) % 2)
    x = rng.integers(FIRST_BLANK, vocabulary, size=(num_sequences, distance + 1))
    if position == "start":
        where = np.zeros(num_sequences, dtype=np.int64)
    else:
        where = rng.integers(0, distance + 1, size=num_sequences)
    x[np.arange(num_sequences), where] = np.where(labels == 1, SIGNAL_A, SIGNAL_B)
    return x.astype(np.int32), labels.astype(np.float32)


def marked_value_sequences(
    num_sequences: int, length: int, *, noise: float = 1.0, window: int = 10, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``num_sequences`` real-valued sequences of ``length`` steps, 2 channels, and their labels.

    Why this task: it asks a layer to let an input in at one step and shut the same input out at
    every other step. Channel 0 carries Gaussian noise (standard deviation ``noise``) at every
    step but one, the *marked* step, where it carries the signal, ``+1.0`` (label 1.0) or
    ``-1.0`` (label 0.0); channel 1 is the *marker*, 1.0 at the marked step and 0.0 elsewhere.
    The marked step is uniformly random among the first ``window`` steps, so at least
    ``length - window`` noisy steps follow it. A gated layer (an LSTM with its forget-gate bias
    started at 4) can open its input gate at the marker and close it elsewhere; a ``SimpleRNN``
    has no multiplicative gate, so the noise keeps being added to its state and drowns the
    signal (measured: see the module docstring).

    The labels are balanced exactly (half of each, one more 0.0 when the count is odd) and
    shuffled, so chance accuracy is 0.5. The same arguments give the same arrays (``seed``
    feeds ``numpy.random.default_rng``).

    Returns ``(x, y)``: ``x`` float32 of shape ``(num_sequences, length, 2)``, ready for
    ``keras.Input((length, 2))``; ``y`` float32 of shape ``(num_sequences,)``, for a
    ``Dense(1, activation="sigmoid")`` output and binary cross-entropy.
    """
    check_positive_int(num_sequences=num_sequences, length=length)
    if (not isinstance(noise, (int, float, np.integer, np.floating)) or isinstance(noise, bool)
            or not np.isfinite(noise) or noise < 0):
        raise ValueError("`noise` must be a non-negative number (a standard deviation). "
                         f"Received: noise={noise!r}")
    if not _is_int(window) or not 0 < window <= length:
        raise ValueError(f"`window` must be an integer from 1 to `length` ({length}). "
                         f"Received: window={window!r}")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(num_sequences) % 2)  # exactly balanced, then shuffled
    x = np.zeros((num_sequences, length, 2), dtype=np.float32)
    x[:, :, 0] = rng.normal(0.0, float(noise), size=(num_sequences, length))
    where = rng.integers(0, window, size=num_sequences)
    rows = np.arange(num_sequences)
    x[rows, where, 0] = np.where(labels == 1, 1.0, -1.0)
    x[rows, where, 1] = 1.0
    return x, labels.astype(np.float32)


def _is_int(value) -> bool:
    """An int or NumPy integer, but not a bool (``True`` is an int to Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
