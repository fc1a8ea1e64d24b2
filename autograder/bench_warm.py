"""How long the student code itself takes, in a process that is already warm.

This is the floor no grader can go below: the notebook's cells and the calls
the hidden checks make, in one process that imported TensorFlow long ago and
has already run the same notebook once, with no sandbox, fork, socket or
pytest around it. The grading run's time per submission minus this time is
what the kit itself costs.

The kit grades with several jobs at once, and TensorFlow spreads each of them
over every core, so a submission in a job takes longer than it would alone on
an idle machine. To leave that sharing out of the kit's cost, as many warm
processes as the kit has jobs run at once here, each through every sample from
a different starting point, and each sample's time is the mean of theirs.

Student code runs unconfined here, so a sample that loops is stopped by a
timer and one that ends its process is noted, and the next sample gets a new
process; neither stops the benchmark.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from autograder.checking import load_checks
from autograder.grading import UnavailableStudent
from autograder.source import Assignment, load_assignment
from autograder.student import InProcessStudent, Student, StudentError
from autograder.submission import read_submission

# Runs timed per sample and process after the first: on a shared machine one
# run can be a tenth slower or faster than the next.
TIMED_RUNS = 2
_state: dict[str, Any] = {}


class OverBudget(BaseException):
    """Raised by the timer; a BaseException so that `except Exception` in
    student code does not swallow it."""


@dataclass
class WarmTime:
    sample: str
    seconds: float | None  # None: not measured, `note` says why
    note: str = ""


def _start(source_dir: Path, assignment_name: str, workdir: Path) -> None:
    from autograder import integrity, zygote

    zygote.warm_up()
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    _state["assignment"] = load_assignment(source_dir, assignment_name)
    _state["checks"] = load_checks()
    _state["snapshot"] = integrity.Snapshot()
    os.chdir(workdir)  # files the notebooks write land in a scratch folder


def _on_timer(*_: Any) -> None:
    raise OverBudget


def _time_once(sample: Path, budget: float) -> float | None:
    """Returns the seconds one run of the sample took, or None past `budget`."""
    assignment: Assignment = _state["assignment"]
    submission = read_submission(sample, assignment)
    signal.signal(signal.SIGALRM, _on_timer)
    transcript = io.StringIO()
    started = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, budget)
        with (
            contextlib.redirect_stdout(transcript),
            contextlib.redirect_stderr(transcript),
        ):
            _run_submission(assignment, submission.notebooks)
        return time.perf_counter() - started
    except OverBudget:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _clean_up()


def _run_submission(assignment: Assignment, plans: dict[str, Any]) -> None:
    from autograder import calling

    students: dict[str, Student] = {}
    for name, plan in plans.items():
        if plan.problem:
            students[name] = UnavailableStudent(plan.problem)
            continue
        namespace: dict[str, Any] = {"__name__": "__main__", "get_ipython": _Shell}
        calling.seed_everything(Student.seed)
        for index, (_, source) in enumerate(plan.cells):
            _run_cell(namespace, index, source)
        students[name] = InProcessStudent(namespace)
    for cell in assignment.grade_cells:
        with contextlib.suppress(AssertionError, StudentError):
            _state["checks"][cell.grade_id](students[cell.notebook])


def _run_cell(namespace: dict[str, Any], index: int, source: str) -> None:
    try:
        exec(compile(source, f"<cell {index + 1}>", "exec"), namespace)
    except (Exception, SystemExit, KeyboardInterrupt):  # noqa: BLE001 - as a kernel goes on
        pass


def _clean_up() -> None:
    """Undoes what the sample did to the libraries, so the next one starts clean."""
    import keras
    import matplotlib.pyplot as plt

    _state["snapshot"].restore()
    plt.close("all")
    keras.backend.clear_session()


class _Shell:
    """Stands in for IPython's shell: magics and shell escapes do nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def time_sample(sample: Path, budget: float) -> float | None:
    """Returns the mean seconds of TIMED_RUNS runs after one that warms up."""
    if _time_once(sample, budget) is None:
        return None
    times = []
    for _ in range(TIMED_RUNS):
        seconds = _time_once(sample, budget)
        if seconds is None:
            return None
        times.append(seconds)
    return statistics.fmean(times)


def measure(
    samples: list[Path],
    source_dir: Path,
    assignment_name: str,
    workdir: Path,
    budget: float,
    processes: int = 1,
) -> list[WarmTime]:
    """Returns the warm time of each sample, with `processes` of them timed at once.

    Process k starts at sample k * len(samples) / processes and goes round, so
    that different samples share the cores, as they do in the kit's jobs.
    """
    count = len(samples)
    starts = [k * count // processes for k in range(processes)]
    lanes = [samples[start:] + samples[:start] for start in starts]
    scratch = [workdir / f"process{k + 1}" for k in range(processes)]
    for folder in scratch:
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(processes) as threads:
        timed = list(
            threads.map(
                lambda lane, folder: _measure_lane(
                    lane, source_dir, assignment_name, folder, budget
                ),
                lanes,
                scratch,
            )
        )
    return [
        _combine(sample.name, [lane[sample.name] for lane in timed])
        for sample in samples
    ]


def _combine(sample: str, times: list[WarmTime]) -> WarmTime:
    """Returns the mean time over the processes, or why one could not time it."""
    seconds = [each.seconds for each in times if each.seconds is not None]
    if len(seconds) < len(times):
        return next(each for each in times if each.seconds is None)
    return WarmTime(sample, statistics.fmean(seconds))


def _measure_lane(
    samples: list[Path],
    source_dir: Path,
    assignment_name: str,
    workdir: Path,
    budget: float,
) -> dict[str, WarmTime]:
    """Times the samples one after the other in one warm process."""
    times = {}
    pool = None
    try:
        for sample in samples:
            if pool is None:
                pool = ProcessPoolExecutor(
                    1,
                    mp_context=get_context("spawn"),
                    initializer=_start,
                    initargs=(source_dir.resolve(), assignment_name, workdir),
                )
            try:
                seconds = pool.submit(time_sample, sample.resolve(), budget).result()
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                pool = None
                times[sample.name] = WarmTime(sample.name, None, "ended its process")
                continue
            note = "" if seconds is not None else f"ran past {budget:g} s"
            times[sample.name] = WarmTime(sample.name, seconds, note)
    finally:
        if pool is not None:
            pool.shutdown()
    return times
