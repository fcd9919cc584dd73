# The course's two commands: `make book` (execute every chapter, render _build/html) and
# `make test` (everything the project tests). Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
PROFILE ?= quick
FORCE ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
JB_FLAGS := -W -n --keep-going
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout 600 -p no:cacheprovider -n 2 --dist loadfile
# nbval re-executes the chapters on another kernel path than `make refresh` used (oneDNN's
# kernels off, one thread per kernel): an output that depends on float round-off or on training
# differs there, so it fails here instead of on a reader's machine.
OTHER_KERNEL_PATH := TF_ENABLE_ONEDNN_OPTS=0 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
	OMP_NUM_THREADS=1

.PHONY: install book test unit-test nbval book-check browser-check refresh lessons bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

install: $(STAMP)

## make book [PROFILE=full] [FORCE=1]: execute into _build/runs/$(PROFILE) every chapter whose
## inputs changed since the last run (all of them with FORCE=1), render _build/html
book: $(STAMP)
	$(BIN)/course-lib run --profile $(PROFILE) $(if $(FORCE),--force)
	$(BIN)/jupyter-book build _build/runs/$(PROFILE) --path-output . $(JB_FLAGS) $(if $(FORCE),--all)
	@echo "Book: $(CURDIR)/_build/html/index.html"

## make test: unit tests, nbval over every chapter, papermill smoke runs, book build from committed
## outputs, and that book in a real browser (Debian's chromium; see the README)
test: unit-test nbval book-check browser-check

unit-test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests --ignore=tests/browser

nbval: $(STAMP)
	$(OTHER_KERNEL_PATH) $(BIN)/python -m pytest $(NBVAL_FLAGS) book/

book-check: $(STAMP)
	$(BIN)/jupyter-book build . --path-output _build/committed $(JB_FLAGS) --all

browser-check: $(STAMP)
	COURSE_BOOK_HTML=_build/committed/_build/html $(BIN)/python -m pytest tests/browser -s

## make refresh: re-execute the chapters (quick profile) and write their outputs into book/
refresh: $(STAMP)
	$(BIN)/course-lib run --profile quick --refresh

## make lessons: the quick book for seeds 0-2 on both kernel paths, then the lesson table (exit 1
## when a lesson did not hold in every run); about half an hour on 2 cores, not part of `make test`
lessons: $(STAMP)
	$(BIN)/course-lib lessons

## make bench: batches/s and peak memory of the window generator against a loop and Keras, and
## how long the offline data takes to load
bench: $(STAMP)
	$(BIN)/python scripts/bench_generator.py
	$(BIN)/python scripts/bench_data.py

clean:
	rm -rf _build
