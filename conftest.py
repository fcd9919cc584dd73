"""Test harness shared by the unit tests and nbval.

TensorFlow writes C++ log lines (CUDA probing, oneDNN notices) to stderr, and their text
depends on the machine. nbval never compares stderr streams in any chapter: this one hook
does it for the whole book, so no notebook needs its own workaround.

nbval's two workers start their first kernels at the same moment, and two kernels started
at once by separate processes can race for one free port: the loser dies before it replies
(``Kernel died before replying to kernel_info``) without having run a line. nbval has no
retry of its own, so a kernel start that fails that way is tried again, as the runner does
(``course_lib.build.runner.execute_with_retried_start``).

nbval's workers take whole notebooks (``--dist loadfile``) in the order they were collected,
so the run ends when the last long chapter does. The chapters are therefore handed out longest
first, by the times the refresh recorded (``book/recorded_run/timings.json``): a short chapter
fills the gap while the other worker is still busy with a long one. ``make nbval`` passes
``--no-loadscope-reorder`` so that xdist keeps this order instead of sorting by cell count.
"""

import functools

KERNEL_START_ATTEMPTS = 3


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(config, items):
    notebooks = {item.path for item in items if item.path.suffix == ".ipynb"}
    if len(notebooks) < 2:
        return
    from course_lib.build.runner import expected_seconds, find_root

    seconds = expected_seconds(find_root(next(iter(notebooks))), [p.stem for p in notebooks])
    # a stable sort: each notebook's cells stay together and in order
    items.sort(key=lambda item: -seconds.get(item.path.stem, 0.0))


def pytest_configure(config):
    try:
        from nbval import kernel
    except ImportError:  # nbval is a test extra; the unit tests do not need it
        return
    if not getattr(kernel.start_new_kernel, "retried", False):
        kernel.start_new_kernel = _retrying(kernel.start_new_kernel)


def _retrying(start_new_kernel):
    @functools.wraps(start_new_kernel)
    def start(*args, **kwargs):
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                return start_new_kernel(*args, **kwargs)
            except RuntimeError:  # died or silent before its first cell: nothing ran
                if attempt == KERNEL_START_ATTEMPTS:
                    raise

    start.retried = True
    return start
