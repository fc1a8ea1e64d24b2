"""Spare student processes: warmed up ahead, yet indistinguishable from fresh ones."""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from grading_helpers import ASSIGNMENT, ROOT, SAMPLES

from autograder import sandboxed_student, values
from autograder.launcher import Launcher, needs_cold_start
from autograder.limits import Limits
from autograder.sandboxed_student import SandboxedStudent
from autograder.source import load_assignment
from autograder.submission import read_submission

# What a student sees of Keras's and TensorFlow's state: layer names, which
# count up per session, and values drawn from every seeded generator.
CELL = """
import keras
import numpy as np
import tensorflow as tf

def first_model():
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, bias_initializer="random_normal"),
        keras.layers.Dense(2, bias_initializer=keras.initializers.RandomUniform()),
    ])

def random_draws():
    return np.concatenate([
        tf.random.uniform((3,)).numpy(),
        keras.random.normal((3,)).numpy(),
        np.random.rand(3),
    ])
"""


# TensorFlow takes its thread settings only before its runtime starts.
RUNTIME_CELL = (
    """
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
"""
    + CELL
)


@pytest.fixture
def launcher() -> Iterator[Launcher]:
    launcher = Launcher(Limits(), hidden=[], spares=1)
    yield launcher
    launcher.close()


def notebook(launcher: Launcher, name: str, cell: str = CELL) -> SandboxedStudent:
    deadline = time.monotonic() + 120
    return SandboxedStudent(launcher, name, [("cell 1", cell)], Limits(), deadline)


def wait_for_end_of_file(launcher: Launcher) -> None:
    spare = launcher.ready[0]
    readable, _, _ = select.select([spare.sock], [], [], 30)
    assert readable, "the killed spare's socket never closed"


def test_a_warm_spare_answers_exactly_as_a_fresh_process(launcher: Launcher) -> None:
    fresh = notebook(launcher, "fresh")
    fresh.start()
    assert len(launcher.ready) == 1, "handing out a process did not start a spare"
    spare = launcher.ready[0]
    time.sleep(5)  # lets the spare finish warming up, as it would between notebooks
    warmed = notebook(launcher, "warmed")
    warmed.start()
    try:
        assert warmed.pid == spare.pid, "the second notebook did not get the spare"
        for student in (fresh, warmed):
            assert student.report.cell_errors == []
        model_fresh = fresh.call("first_model")
        model_warmed = warmed.call("first_model")
        assert isinstance(model_warmed, values.ModelReport)
        assert [layer.config["name"] for layer in model_warmed.layers] == [
            "dense",
            "dense_1",
        ], "the warm-up left Keras's layer names counting"
        for ours, theirs in zip(
            model_fresh.get_weights(), model_warmed.get_weights(), strict=True
        ):
            assert ours.tobytes() == theirs.tobytes()
        draws_fresh = fresh.call("random_draws")
        draws_warmed = warmed.call("random_draws")
        assert draws_fresh.tobytes() == draws_warmed.tobytes()
    finally:
        fresh.close()
        warmed.close()


def test_a_spare_that_died_is_replaced_not_handed_out(launcher: Launcher) -> None:
    first = notebook(launcher, "first")
    first.start()
    dead = launcher.ready[0]
    os.kill(dead.pid, signal.SIGKILL)
    wait_for_end_of_file(launcher)

    second = notebook(launcher, "second")
    second.start()
    try:
        assert second.pid != dead.pid
        assert second.report.stopped is None
        assert isinstance(second.call("first_model"), values.ModelReport)
    finally:
        first.close()
        second.close()


def test_closing_leaves_no_process_and_no_control_group(launcher: Launcher) -> None:
    student = notebook(launcher, "only")
    student.start()
    student.close()
    processes = [student.pid, launcher.ready[0].pid]
    groups = [student.group, launcher.ready[0].group]

    launcher.close()

    for pid in processes:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    for group in groups:
        if group is not None:  # without control groups there is nothing to remove
            assert not group.memory_dir.exists()
            assert not group.pids_dir.exists()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def test_a_notebook_that_sets_runtime_threads_gets_a_cold_process(
    launcher: Launcher,
) -> None:
    student = notebook(launcher, "threads", RUNTIME_CELL)
    student.start()
    try:
        assert student.report.cell_errors == []
        assert isinstance(student.call("first_model"), values.ModelReport)
        assert len(launcher.ready) == 0, "a cold start used or started a spare"
    finally:
        student.close()


def test_a_warm_process_would_refuse_those_runtime_settings(
    launcher: Launcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why the cold start exists: without it, the cell above fails.
    monkeypatch.setattr(sandboxed_student, "needs_cold_start", lambda cells: False)
    student = notebook(launcher, "threads", RUNTIME_CELL)
    student.start()
    try:
        assert [error.exception for error in student.report.cell_errors] == [
            "RuntimeError"
        ]
    finally:
        student.close()


def test_the_shipped_notebooks_run_warm() -> None:
    # The source's setup cells run before every notebook: a runtime setting
    # there would send every notebook of the class to a cold process.
    assignment = load_assignment(ROOT / "source", ASSIGNMENT)
    submission = read_submission(SAMPLES / "ada", assignment)
    for name, plan in submission.notebooks.items():
        assert plan.cells, f"{name}: no cells read"
        assert not needs_cold_start(plan.cells), f"{name} would start cold"


PROC_CELL = """
import os

MACHINE_WIDE = ("/proc/sys/kernel/pid_max", "/proc/sys/vm/overcommit_memory",
                "/proc/sysrq-trigger")

def writable():
    found = [path for path in MACHINE_WIDE if os.access(path, os.W_OK)]
    try:
        with open("/proc/sys/kernel/hostname", "w") as stream:  # own UTS namespace
            stream.write("changed")
        found.append("/proc/sys/kernel/hostname")
    except OSError:
        pass
    return found
"""


def test_kernel_settings_under_proc_are_read_only(launcher: Launcher) -> None:
    student = notebook(launcher, "proc", PROC_CELL)
    student.start()
    try:
        assert student.report.cell_errors == []
        assert student.call("writable") == []
    finally:
        student.close()
