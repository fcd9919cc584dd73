"""Benchmark: how long the offline data takes to load, the figures the data tests used to assert.

    python scripts/bench_data.py            # or: make bench

Speed is measured here, with numbers, and not asserted in the tests, where a busy machine
would fail them without a bug. Each loader runs in a fresh process with an empty data home, so
the first (cold) call includes everything a student's first run pays for.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

CASES = {
    "shipped review sample, load_imdb(num_words=10000)":
        "from course_lib.datasets import load_imdb; load_imdb(num_words=10_000)",
    "shipped weather, load_jena(source='nyc')":
        "from course_lib.datasets import load_jena; load_jena(source='nyc')",
    "offline word vectors, load_glove(50, source='package')":
        "from course_lib.datasets.word_vectors import load_glove; load_glove(50, source='package')",
    "Jena-dialect parser, 21,027 rows":
        "from tests.conftest import jena_csv; from course_lib.datasets.weather import "
        "JENA_HEADER, parse_weather_csv; text = jena_csv(21_027); import time; t = time.perf_counter();"
        " parse_weather_csv(text, expected_header=JENA_HEADER, name='jena.csv'); "
        "print(time.perf_counter() - t)",
}
TIMED = "import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"


def main() -> None:
    for label, code in CASES.items():
        with tempfile.TemporaryDirectory() as home:
            program = code if code.endswith("print(time.perf_counter() - t)") else TIMED.format(code=code)
            result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                                    env={"COURSE_LIB_DATA": home, "PATH": ""}, check=True)
        print(f"{label:<56} {float(result.stdout.split()[-1]):6.2f} s")


if __name__ == "__main__":
    main()
