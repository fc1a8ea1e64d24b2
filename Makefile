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

# --- JupyterLab, on this machine only -----------------------------------------

LAB_PORT ?= 8888
LAB_DIR := build/lab
# 127.0.0.1 only and a fresh token per start; no port fallback, so the printed
# URL is the one served. The kit's JupyterLab neither installs extensions nor
# fetches news, and does not look for language servers (that would run npm),
# so it behaves the same in a classroom without internet.
LAB_FLAGS = --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	--ServerApp.port_retries=0 --LabApp.extension_manager=readonly \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	--LabApp.news_url=None --LanguageServerManager.autodetect=False \
	$(if $(filter 0,$(shell id -u)),--allow-root)
LAB_TOKEN = token=$$($(PY) -c 'import secrets; print(secrets.token_hex(24))')

# Students answer in a copy of the release, so release/ stays as nbgrader
# generated it; notebooks already copied keep their answers on the next start.
lab: $(STAMP)
	@ls release/keras_bias/*.ipynb >/dev/null 2>&1 || { echo "make lab: no notebooks in release/keras_bias; run make release first"; exit 2; }
	@mkdir -p $(LAB_DIR)/keras_bias
	@for notebook in release/keras_bias/*.ipynb; do \
	  test -e $(LAB_DIR)/keras_bias/$$(basename $$notebook) || cp $$notebook $(LAB_DIR)/keras_bias/; \
	done
	@$(LAB_TOKEN); \
	echo "Student JupyterLab on $(LAB_DIR)/keras_bias (Validate is in each notebook's toolbar):"; \
	echo "  http://127.0.0.1:$(LAB_PORT)/lab/tree/keras_bias?token=$$token"; \
	exec $(VENV)/bin/jupyter-lab $(LAB_FLAGS) --ServerApp.root_dir=$(LAB_DIR) --IdentityProvider.token=$$token

# The course root is this folder: nbgrader_config.py here points the formgrader
# at source/, release/ and the gradebook in build/.
lab-instructor: $(STAMP)
	@$(LAB_TOKEN); \
	echo "Instructor JupyterLab on the course root (formgrader: Nbgrader > Formgrader):"; \
	echo "  http://127.0.0.1:$(LAB_PORT)/lab?token=$$token"; \
	exec $(VENV)/bin/jupyter-lab $(LAB_FLAGS) --ServerApp.root_dir=. --IdentityProvider.token=$$token

# --- sample submissions, derived from release/ and autograder/samples/students/ -

.PHONY: samples

samples: $(STAMP)
	$(PY) -m autograder.samples.build

# --- speed and memory against nbgrader autograde --------------------------------
# The default N=60 takes some 15 to 20 minutes on 2 cores, most of it nbgrader
# starting a kernel and importing TensorFlow per notebook; `make bench N=10`
# gives a first reading in about 4.

N ?= 60

bench: $(STAMP)
	$(PY) -m autograder.bench --copies $(N) $(if $(JOBS),--jobs $(JOBS))
