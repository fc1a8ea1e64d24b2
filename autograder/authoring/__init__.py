"""Regenerates the student release and the answer key from the source notebooks.

The instructor writes `source/keras_bias/*.ipynb` only. Two commands derive
everything else, and both are idempotent, so their output can be committed and
checked for staleness:

* `python -m autograder.authoring.release` runs `nbgrader generate_assignment`
  and writes `release/keras_bias/`;
* `python -m autograder.authoring.solutions` writes `solutions/keras_bias/`,
  the solved notebooks without hidden tests, executed with outputs kept.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder import ASSIGNMENT

COURSE_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = COURSE_ROOT / "source" / ASSIGNMENT
RELEASE_ROOT = COURSE_ROOT / "release"
SOLUTIONS_DIR = COURSE_ROOT / "solutions" / ASSIGNMENT


def tool_environment() -> dict[str, str]:
    """Returns the environment for nbgrader and notebook kernels.

    nbgrader starts `alembic` by name, and kernels print TensorFlow's start-up
    log unless told not to, so the virtual environment's scripts come first on
    PATH and TensorFlow is quiet whichever way the command was started.
    """
    environment = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([scripts, environment.get("PATH", "")])
    environment["PYTHONHASHSEED"] = "0"
    environment["TF_CPP_MIN_LOG_LEVEL"] = "3"
    environment["TF_ENABLE_ONEDNN_OPTS"] = "0"
    return environment


def source_notebooks() -> list[Path]:
    """Returns the source notebooks of the assignment, in file-name order."""
    paths = sorted(SOURCE_DIR.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(
            f"no source notebooks in {SOURCE_DIR.relative_to(COURSE_ROOT)}; "
            f"expected the instructor's {ASSIGNMENT} notebooks there"
        )
    return paths
