# The course's two commands: `make book` (execute every chapter, render _build/html) and
# `make test` (everything the project tests). Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
PROFILE ?= quick
FORCE ?=
# `make test` sets it to `nice -n 10` for the suites that run beside nbval
YIELD_TO_NBVAL ?=
# Keeps each suite's output together when `make test` runs them at once (GNU make 4.0 and later;
# macOS' make 3.81 has no --output-sync, and there the outputs interleave).
OUTPUT_SYNC := $(if $(filter 3.%,$(MAKE_VERSION)),,--output-sync=target)
# The Keras backend the chapters run on: tensorflow (the committed outputs') or jax. Unnamed, it is
# tensorflow, unless only a Python that TensorFlow has no wheels for is at hand (3.14; then jax,
# and scripts/find_python.sh says so in one line). `make book BACKEND=jax` adds JAX to .venv.
ifndef BACKEND
BACKEND := $(shell sh scripts/find_python.sh --backend "$(PYTHON)" "$(VENV)")
endif
BACKENDS := tensorflow jax
ifeq ($(filter $(BACKEND),$(BACKENDS)),)
$(error BACKEND must be one of: $(BACKENDS). Received: BACKEND=$(BACKEND))
endif
export KERAS_BACKEND := $(BACKEND)
comma := ,
EXTRAS := book,test$(if $(filter jax,$(BACKEND)),$(comma)jax)
RUN_NAME := $(PROFILE)$(if $(filter-out tensorflow,$(BACKEND)),-$(BACKEND))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(BACKEND)
LOCK_VENV := _build/lockenv
LOCK_HEADER := '\# The exact versions `make install` installs (a pip constraints file, used as' \
	'\# `pip install -c constraints.txt`): those that produced the committed outputs.' \
	'\# `make lock` refreshes it from the index (newest versions pyproject.toml allows).'
# The lock's last header line: the Python and platform it was resolved for (tests/test_environment.py).
export LOCKED_ON := import platform, sys; print(f'\# Locked with Python {sys.version_info[0]}.{sys.version_info[1]} on {platform.system()} {platform.machine()}.')
JB_FLAGS := -W -n --keep-going
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout 600 -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder
# nbval re-executes the chapters on another kernel path than `make refresh` used (oneDNN's
# kernels off, one thread per kernel): an output that depends on float round-off or on training
# differs there, so it fails here instead of on a reader's machine. Its settings come from the
# one table of kernel paths, course_lib.lessons.KERNEL_PATHS, which `make lessons` also runs.
OTHER_KERNEL_PATH = $$($(BIN)/course-lib kernel-path onednn-off)

# The runner sets these for the kernels it starts (course_lib/run_context.py); one left in a
# shell must not turn make test's enforced lessons into reported ones.
unexport COURSE_LIB_RUN_FOLDER COURSE_LIB_REPORT_LESSONS

.PHONY: install lock lab book test unit-test nbval book-check browser-check refresh lessons rehearse \
	fetch bench clean

# .venv is created by $(PYTHON) when the backend has wheels for it (tensorflow: Python 3.11-3.13;
# jax: 3.11-3.14), else by the newest such python3.X on the PATH (scripts/find_python.sh says
# which, or stops with one line). It installs the versions locked in constraints.txt (see `make
# lock`), and the backend's extra; one stamp per backend, so a second backend adds to .venv.
# pip byte-compiles what it installs one file after another; compileall does it on every core
# (14 s instead of 25 on 2 cores), skipping files already compiled. Like pip, it leaves a file
# that does not compile (some packages ship such test data) to be reported on import.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || { python=$$(BACKEND=$(BACKEND) sh scripts/find_python.sh "$(PYTHON)") && \
		echo "$$python -m venv $(VENV)" && $$python -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -c constraints.txt -e ".[$(EXTRAS)]"
	$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	touch $(STAMP)

install: $(STAMP)

## make lock: refresh constraints.txt, the exact versions `make install` installs: a scratch venv
## gets the newest versions pyproject.toml's ranges allow (extras book, test, lab and jax), on a
## Python TensorFlow has wheels for, then `pip freeze`; review the diff, run `make test`, commit both
lock:
	@python=$$(BACKEND=tensorflow sh scripts/find_python.sh "$(PYTHON)") && rm -rf $(LOCK_VENV) && \
		echo "$$python -m venv $(LOCK_VENV)" && $$python -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e ".[book,test,lab,jax]"
	$(LOCK_VENV)/bin/python -m pip check
	$(LOCK_VENV)/bin/python -m pip freeze --exclude-editable > $(LOCK_VENV)/freeze.txt
	{ printf '%s\n' $(LOCK_HEADER); $(LOCK_VENV)/bin/python -c "$$LOCKED_ON"; \
		grep -Eiv '^(pip|setuptools|wheel)==' $(LOCK_VENV)/freeze.txt | LC_ALL=C sort -f; } > constraints.txt
	rm -rf $(LOCK_VENV)

## make lab: open the chapters in JupyterLab on the course's kernel (.venv's python3), installing
## the `lab` extra on first use; the copies in _build/lab carry the committed run's numbers in
## their text; a chapter run there uses its parameters cell, the quick profile
lab: $(STAMP)
	@$(BIN)/python -c 'import jupyterlab, ipykernel' 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS),lab]"
	$(BIN)/course-lib lab
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=_build/lab

## make book [PROFILE=full] [FORCE=1] [BACKEND=jax]: execute into _build/runs/$(PROFILE) (on JAX:
## _build/runs/$(PROFILE)-jax) every chapter whose inputs changed since the last run (all of them
## with FORCE=1), render _build/html. The full profile first prints its projected training time
## here (the last `course-lib estimate`, or a new one: about 8 minutes on 2 cores)
book: $(STAMP)
	$(if $(filter full,$(PROFILE)),-$(BIN)/course-lib estimate --profile full --reuse)
	$(BIN)/course-lib run --profile $(PROFILE) $(if $(FORCE),--force)
	$(BIN)/jupyter-book build _build/runs/$(RUN_NAME) --path-output . $(JB_FLAGS) $(if $(FORCE),--all)
	@echo "Book: $(CURDIR)/_build/html/index.html"

## make test: unit tests, nbval over every chapter, papermill smoke runs, book build from committed
## outputs, and that book in a real browser (Chromium or Chrome; without one, the browser checks
## are skipped and the last line says so, except under CI=true, where they fail). The three suites
## run at once: none keeps both cores busy alone (kernels wait on data, the browser on pages), so
## together they finish sooner. nbval, the longest, keeps the processor first; the others, niced,
## take what it leaves. Each suite's output is printed whole when it ends.
test: $(STAMP)
	@echo "make test: unit tests, nbval and the browser test run at once; each one's output follows when it ends"
	@$(MAKE) --no-print-directory -j 3 $(OUTPUT_SYNC) unit-test nbval browser-check \
		YIELD_TO_NBVAL="nice -n 10" BACKEND=$(BACKEND)
	@$(BIN)/python tests/browser/chromium.py --skip-notice

# Each test file stays on one worker (--dist loadfile), so a module's expensive fixtures (the
# rehearsal's stand-ins at full size) are built once, not on both workers: 7 CPU-seconds less.
unit-test: $(STAMP)
	COURSE_LIB_DETERMINISTIC=1 $(YIELD_TO_NBVAL) $(BIN)/python -m pytest -n 2 --dist loadfile tests --ignore=tests/browser

# A chapter that compares with another chapter's model recalls it from the committed run instead
# of training it again, so each chapter's training runs once (course_lib/results.py says more).
# `make nbval BACKEND=jax` checks the chapters on JAX against the same committed outputs; the
# committed results are TensorFlow's, so there every chapter trains what it compares with.
nbval: $(STAMP)
	env $(OTHER_KERNEL_PATH) COURSE_LIB_DETERMINISTIC=1 COURSE_LIB_RECALL_FROM=$(CURDIR)/book/recorded_run $(BIN)/python -m pytest $(NBVAL_FLAGS) book/

book-check: $(STAMP)
	$(YIELD_TO_NBVAL) $(BIN)/jupyter-book build . --path-output _build/committed $(JB_FLAGS) --all

browser-check: book-check
	COURSE_BOOK_HTML=_build/committed/_build/html $(YIELD_TO_NBVAL) $(BIN)/python -m pytest tests/browser -s

## make refresh: re-execute the chapters (quick profile) and write their outputs into book/
refresh: $(STAMP)
	$(BIN)/course-lib run --profile quick --refresh

## make lessons [BACKEND=jax]: the quick book for seeds 0-2 on both kernel paths (on JAX, once per
## seed: the paths are TensorFlow's), then the lesson table (exit 1 when a lesson did not hold in
## every run); about half an hour on 2 cores, not part of `make test`
lessons: $(STAMP)
	$(BIN)/course-lib lessons

## make rehearse: every chapter under the full profile, offline, on stand-ins of IMDB and Jena at
## their real sizes and of GloVe (2,000 words), training one epoch of a few steps; a table of each
## chapter's time and peak memory (_build/runs/rehearsal/rehearsal.md); exit 1 on any error but
## a training outcome one short epoch cannot reach
rehearse: $(STAMP)
	$(BIN)/course-lib rehearse

## make fetch: download once every file the full profile reads, verify each, list them
fetch: $(STAMP)
	$(BIN)/course-lib fetch --profile full

## make bench: batches/s and peak memory of the window generator against a loop and Keras, how
## long the offline data takes to load, the full profile's training time the lecture's way and the
## course's (input pipeline and XLA steps; one run, 5 1/2 minutes on 2 cores), and XLA model by model
bench: $(STAMP)
	$(BIN)/python scripts/bench_generator.py
	$(BIN)/python scripts/bench_data.py
	$(BIN)/python scripts/bench_pipeline.py
	$(BIN)/python scripts/bench_pipeline.py --xla

clean:
	rm -rf _build
