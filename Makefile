# The keras_bias teaching kit. Every target uses the project's own virtual
# environment in .venv, created from the exact pins in requirements.lock.

PYTHON_BASE ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUBMISSIONS ?=
OUT ?=
JOBS ?=

export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: demo test install release solutions grade lint bench lab lab-instructor clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON_BASE) >/dev/null || { echo "make: $(PYTHON_BASE) not found; install Python 3.11 or run make PYTHON_BASE=/path/to/python3.11"; exit 2; }
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet --requirement requirements.lock
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

# --- grading -----------------------------------------------------------------

GRADE_ARGS = $(if $(SUBMISSIONS),$(SUBMISSIONS)) $(if $(OUT),--out $(OUT)) $(if $(JOBS),--jobs $(JOBS))

grade: $(STAMP)
	$(PY) -m autograder grade $(GRADE_ARGS)

demo: $(STAMP) release
	$(PY) -m autograder grade $(GRADE_ARGS)

# --- checks of the kit itself -------------------------------------------------

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff format --check autograder tests
	$(PY) -m ruff check autograder tests

clean:
	rm -rf build .pytest_cache

# --- the assignment: release and answer key, derived from source/ -------------

release: $(STAMP)
	$(PY) -m autograder.authoring.release

solutions: $(STAMP)
	$(PY) -m autograder.authoring.solutions
