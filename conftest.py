"""Test harness shared by the unit tests and nbval.

TensorFlow writes C++ log lines (CUDA probing, oneDNN notices) to stderr, and their text
depends on the machine. nbval never compares stderr streams in any chapter: this one hook
does it for the whole book, so no notebook needs its own workaround.
"""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
