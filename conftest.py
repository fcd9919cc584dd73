"""Test harness shared by the unit tests and nbval.

TensorFlow writes C++ log lines (CUDA probing, oneDNN notices) to stderr, and their text
depends on the machine. nbval never compares stderr streams in any chapter: this one hook
does it for the whole book, so no notebook needs its own workaround.

nbval's two workers start their first kernels at the same moment, and two kernels started
at once by separate processes can race for one free port: the loser dies before it replies
(``Kernel died before replying to kernel_info``) without having run a line. nbval has no
retry of its own, so its kernel start is wrapped in the runner's retry policy,
``course_lib.build.kernel.retried_start``: the same attempts, the same failures retried.

nbval's workers take whole notebooks (``--dist loadfile``) in the order they were collected,
so the run ends when the last long chapter does. The chapters are therefore handed out longest
first, by the times the refresh recorded (``book/recorded_run/timings.json``): a short chapter
fills the gap while the other worker is still busy with a long one. ``make nbval`` passes
``--no-loadscope-reorder`` so that xdist keeps this order instead of sorting by cell count.
"""

import functools


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(config, items):
    notebooks = {item.path for item in items if item.path.suffix == ".ipynb"}
    if len(notebooks) < 2:
        return
    from course_lib.build.planner import expected_seconds, find_root

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
    from course_lib.build.kernel import retried_start

    @functools.wraps(start_new_kernel)
    def start(*args, **kwargs):  # a kernel that failed to start has run no cell
        return retried_start(lambda: start_new_kernel(*args, **kwargs))

    start.retried = True
    return start
