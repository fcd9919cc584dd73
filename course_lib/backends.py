"""What differs between Keras' backends, each behind one function.

The chapters are Keras code and run on TensorFlow (the default, and the backend of the
committed outputs) or on JAX, chosen as Keras chooses: the ``KERAS_BACKEND`` environment
variable (``make book BACKEND=jax``). Keras leaves a few things to the backend; the course
reaches each of those it needs through one function:

* :func:`gradient_of_sum`: a gradient with respect to an input (the gradient probe, the
  errata's loss check);
* :func:`make_ops_deterministic`: the same figures from the same seed;
* :func:`compiles_steps`: whether a model's training step is compiled with XLA;
* :func:`has_gpu`.

Two more live beside the data they serve: the weather windows' input pipeline
(:meth:`course_lib.windows.ForecastSplits.dataset`) and the review tokenizer, which is plain
Python (:func:`course_lib.datasets.imdb_sample.review_words`).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from course_lib.run_folder import BACKENDS as SUPPORTED


def name() -> str:
    """The Keras backend of this process, refused when the course was never run on it."""
    backend = keras.backend.backend()
    if backend not in SUPPORTED:
        raise ValueError(
            f"The course runs on Keras' backends {SUPPORTED}. Received: KERAS_BACKEND={backend!r}")
    return backend


def gradient_of_sum(function: Callable, x) -> np.ndarray:
    """d(sum of ``function(x)``)/d``x``, as a NumPy array of ``x``'s shape.

    Keras has no backend-neutral gradient: a training step asks its backend (TensorFlow's
    ``GradientTape``, ``jax.grad``), and so does this."""
    if name() == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(function(x))
        return tape.gradient(total, x).numpy()
    import jax
    import jax.numpy as jnp

    return np.asarray(jax.grad(lambda value: jnp.sum(function(value)))(jnp.asarray(x)))


def make_ops_deterministic(deterministic: bool) -> None:
    """Make the backend's kernels repeat to the bit (``deterministic``), or let them choose.

    TensorFlow's multi-threaded kernels differ from run to run unless op determinism is on
    (and Keras compiles no step with XLA while it is). JAX compiles every step with XLA,
    whose CPU code repeats to the bit, so there is nothing to switch; on a GPU, XLA's
    deterministic kernels are chosen with ``XLA_FLAGS=--xla_gpu_deterministic_ops=true``
    before JAX starts (docs/maintaining.md)."""
    if name() != "tensorflow":
        return
    import tensorflow as tf
    from tensorflow.python.framework import config  # TensorFlow has no public switch back

    if deterministic:
        tf.config.experimental.enable_op_determinism()
    elif config.is_op_determinism_enabled():
        config.disable_op_determinism()


def compiles_steps(chapter_asks: bool) -> bool:
    """Whether a model compiled with Keras' ``jit_compile="auto"`` compiles its step with XLA,
    given the chapter's ``jit_compile`` switch.

    TensorFlow runs an uncompiled step as a graph of its own kernels, fast enough for the quick
    profile, so the chapter's switch decides. JAX has no such graph: an uncompiled step runs
    one operation at a time from Python, tens of times slower for a recurrent layer, so on JAX
    every step is compiled, as Keras' own "auto" does there."""
    return True if name() == "jax" else bool(chapter_asks)


def has_gpu() -> bool:
    if name() == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    import jax

    return any(device.platform == "gpu" for device in jax.devices())
