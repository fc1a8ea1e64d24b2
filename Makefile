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

# --- the course flow with nbgrader, on one machine ---------------------------
# A course folder and an exchange folder stand in for a JupyterHub server's:
# nbgrader releases, collects and sends feedback; the kit grades in place of
# `nbgrader autograde` and writes its scores into nbgrader's gradebook.
#
#   make course-release                  source/ -> course folder -> exchange
#   make course-submit STUDENT=ada ANSWERS=solutions/keras_bias
#                                        fetch and submit as a student here
#   make course-collect                  exchange -> course folder submitted/
#   make course-grade                    the kit grades; scores to the gradebook
#   make course-feedback                 generate_feedback, release_feedback
#   make course-fetch-feedback STUDENT=ada
#   make course-export                   nbgrader export -> course folder grades.csv

COURSE_DIR ?= build/course
EXCHANGE_DIR ?= build/exchange
STUDENTS_DIR ?= build/students
COURSE_ID ?= keras_bias_course
STUDENT ?=
ANSWERS ?=

COURSE_PATH = $(abspath $(COURSE_DIR))
EXCHANGE_PATH = $(abspath $(EXCHANGE_DIR))
STUDENT_PATH = $(abspath $(STUDENTS_DIR))/$(STUDENT)
# nbgrader starts `alembic` by name, so the environment's scripts go first.
NBGRADER = PATH="$(abspath $(VENV))/bin:$$PATH" $(abspath $(VENV))/bin/nbgrader
# A student has no course folder: the exchange and course come as options, and
# each student keeps the submission cache fetch_feedback reads in their folder.
STUDENT_FLAGS = --course=$(COURSE_ID) --Exchange.root=$(EXCHANGE_PATH) \
	--Exchange.cache=$(STUDENT_PATH)/.nbgrader_cache
NEED_STUDENT = @test -n "$(STUDENT)" || { echo "make $@: give STUDENT=<student_id>, e.g. make $@ STUDENT=ada"; exit 2; }

.PHONY: course-release course-submit course-collect course-grade course-feedback \
	course-fetch-feedback course-export

# The course folder gets its own copy of source/, so later edits here change
# neither the released assignment nor its grading. The exchange must be
# writable by every student (nbgrader's documented ugo+rwx).
course-release: $(STAMP)
	mkdir -p $(COURSE_DIR)/source $(EXCHANGE_DIR)
	chmod ugo+rwx $(EXCHANGE_DIR)
	rm -rf $(COURSE_DIR)/source/keras_bias
	cp -R source/keras_bias $(COURSE_DIR)/source/
	printf '%s\n' \
	  '# The keras_bias course; make course-release writes this file.' \
	  'c = get_config()  # noqa: F821' \
	  'c.CourseDirectory.course_id = "$(COURSE_ID)"' \
	  'c.Exchange.root = "$(EXCHANGE_PATH)"' \
	  '# Feedback pages show student output; keep scripts out of them.' \
	  'c.HTMLExporter.sanitize_html = True' \
	  > $(COURSE_DIR)/nbgrader_config.py
	cd $(COURSE_DIR) && $(NBGRADER) generate_assignment keras_bias --force
	cd $(COURSE_DIR) && $(NBGRADER) release_assignment keras_bias --force

course-submit: $(STAMP)
	$(NEED_STUDENT)
	mkdir -p $(STUDENT_PATH)
	cd $(STUDENT_PATH) && { test -d keras_bias || $(NBGRADER) fetch_assignment keras_bias $(STUDENT_FLAGS); }
	$(if $(ANSWERS),cp $(ANSWERS)/*.ipynb $(STUDENT_PATH)/keras_bias/)
	cd $(STUDENT_PATH) && $(NBGRADER) submit keras_bias $(STUDENT_FLAGS) --student=$(STUDENT)

# On one machine every submission belongs to one account, so collect warns
# that its owner is not the student id; on a server with an account per
# student that warning is what catches a submission under someone else's id.
course-collect: $(STAMP)
	cd $(COURSE_DIR) && $(NBGRADER) collect keras_bias --update

course-grade: $(STAMP)
	$(PY) -m autograder grade $(COURSE_DIR)/submitted --out $(COURSE_DIR)/results \
	  --source $(COURSE_DIR)/source $(if $(JOBS),--jobs $(JOBS))
	$(PY) -m autograder to-gradebook $(COURSE_DIR)/results --course-dir $(COURSE_DIR)

course-feedback: $(STAMP)
	cd $(COURSE_DIR) && $(NBGRADER) generate_feedback keras_bias --force
	cd $(COURSE_DIR) && $(NBGRADER) release_feedback keras_bias

course-fetch-feedback: $(STAMP)
	$(NEED_STUDENT)
	cd $(STUDENT_PATH) && $(NBGRADER) fetch_feedback keras_bias $(STUDENT_FLAGS) --student=$(STUDENT)

course-export: $(STAMP)
	cd $(COURSE_DIR) && $(NBGRADER) export --to grades.csv
	@echo "nbgrader's totals: $(COURSE_DIR)/grades.csv; the kit's: $(COURSE_DIR)/results/grades.csv"

# --- sample submissions, derived from release/ and autograder/samples/students/ -

.PHONY: samples

samples: $(STAMP)
	$(PY) -m autograder.samples.build

# --- speed and memory against nbgrader autograde --------------------------------
# The default N=60 takes about 25 minutes on 2 cores, most of it nbgrader
# starting a kernel and importing TensorFlow per notebook (some 20 s per
# submission); `make bench N=10` gives a first reading in about 4 to 5.

N ?= 60

bench: $(STAMP)
	$(PY) -m autograder.bench --copies $(N) $(if $(JOBS),--jobs $(JOBS))
