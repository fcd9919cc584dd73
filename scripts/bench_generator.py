"""Benchmark: batches per second and peak memory of three ways to cut Jena-sized windows.

    python scripts/bench_generator.py            # or: make bench

On a random array of Jena's size (420,551 x 14 float32) with the lecture's settings (lookback
1440, step 6, batch 128, shuffled training batches), it times

* ``vectorized``: course_lib.windows.generator (one fancy-indexing gather per batch);
* ``loop``: the lecture's generator, a Python loop over the samples of each batch;
* ``keras``: keras.utils.timeseries_dataset_from_array, iterated batch by batch;

each in a fresh process, so that each peak resident memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

ROWS, FEATURES = 420_551, 14
LOOKBACK, STEP, DELAY, BATCH = 1440, 6, 144, 128
TRAIN_END = 200_000


def lecture_loop(data, rng):
    while True:
        rows = rng.randint(LOOKBACK, TRAIN_END, size=BATCH)
        samples = np.zeros((len(rows), LOOKBACK // STEP, data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            samples[j] = data[range(rows[j] - LOOKBACK, rows[j], STEP)]
            targets[j] = data[rows[j] + DELAY][1]
        yield samples, targets


def batches(method: str, data: np.ndarray):
    if method == "vectorized":
        from course_lib.windows import generator

        return generator(data, LOOKBACK, DELAY, 0, TRAIN_END, shuffle=True, batch_size=BATCH,
                         step=STEP, rng=np.random.RandomState(0))
    if method == "loop":
        return lecture_loop(data, np.random.RandomState(0))
    import keras

    ds = keras.utils.timeseries_dataset_from_array(
        data[:TRAIN_END], targets=data[LOOKBACK + DELAY:TRAIN_END + LOOKBACK + DELAY, 1],
        sequence_length=LOOKBACK // STEP, sampling_rate=STEP, batch_size=BATCH, shuffle=True, seed=0)
    return (tuple(np.asarray(t) for t in batch) for batch in ds)


def measure(method: str, seconds: float = 8.0) -> dict:
    data = np.random.default_rng(0).normal(size=(ROWS, FEATURES)).astype(np.float32)
    stream = batches(method, data)
    next(stream)  # warm-up: imports, graph tracing
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        x, y = next(stream)
        assert x.shape == (BATCH, LOOKBACK // STEP, FEATURES)
        count += 1
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "batches_per_s": count / elapsed, "peak_rss_mib": peak_mib}


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1])))
        return
    rows = {}
    for method in ("vectorized", "loop", "keras"):
        out = subprocess.run([sys.executable, __file__, method], capture_output=True, text=True, check=True)
        rows[method] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{'method':<11} {'batches/s':>10} {'peak RSS (MiB)':>15}")
    for method, row in rows.items():
        print(f"{method:<11} {row['batches_per_s']:>10.1f} {row['peak_rss_mib']:>15.0f}")
    speed = rows["vectorized"]["batches_per_s"]
    print(f"vectorized vs loop: {speed / rows['loop']['batches_per_s']:.1f}x; "
          f"vs keras: {speed / rows['keras']['batches_per_s']:.2f}x")


if __name__ == "__main__":
    main()
