"""A grading worker: one warm zygote, many submissions, one at a time.

Workers are separate processes so that a class is graded on every core. Each
keeps its zygote for the whole run, so TensorFlow is imported once per worker,
not once per submission; the checks and pytest live in the worker itself.
"""

from __future__ import annotations

import logging
import os
import signal
from multiprocessing import util

from autograder import cgroups, sandbox
from autograder.checking import load_checks
from autograder.grading import StudentResult, grade_submission
from autograder.launcher import Launcher
from autograder.limits import Limits
from autograder.source import Assignment
from autograder.submission import Submission

logger = logging.getLogger(__name__)

# Warm spare processes (see autograder.launcher) cut the time per submission
# when a core is idle, but measured slower when every core has a job, which is
# the default; cold processes forked on demand are used instead.
WARM_SPARES = False
_state: dict[str, object] = {}


def start(
    assignment: Assignment, limits: Limits, hidden: list[str], level: int
) -> None:
    """Initializes a worker process: its logging, its checks and its zygote."""
    sandbox.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent process handles Ctrl-C
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    load_checks()
    cgroups.remove_stale()
    _state.update(assignment=assignment, limits=limits, hidden=hidden)
    _new_launcher()


def _new_launcher() -> Launcher:
    assignment = _state["assignment"]
    assert isinstance(assignment, Assignment)
    launcher = Launcher(
        _state["limits"],  # type: ignore[arg-type]
        _state["hidden"],  # type: ignore[arg-type]
        spares=len(assignment.notebooks),
        warm_up=WARM_SPARES,
    )
    # Run when the pool lets the worker go, so no spare outlives the run.
    util.Finalize(launcher, launcher.close, exitpriority=10)
    _state["launcher"] = launcher
    return launcher


def grade(submission: Submission) -> StudentResult:
    """Grades one submission in this worker."""
    launcher = _state["launcher"]
    assert isinstance(launcher, Launcher)
    if not launcher.alive:
        logger.warning("worker %d: the zygote ended; starting a new one", os.getpid())
        launcher.close()
        launcher = _new_launcher()
    return grade_submission(
        submission,
        _state["assignment"],  # type: ignore[arg-type]
        launcher,
        _state["limits"],  # type: ignore[arg-type]
    )
