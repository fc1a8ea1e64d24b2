"""A grading run as a whole: parallel equals serial, and a killed run resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from grading_helpers import (
    ENVIRONMENT,
    ROOT,
    comparable,
    copy_submissions,
    grade_command,
    load_results,
    run_grader,
)

# Enough students to kill a run halfway, and every kind of outcome: a correct
# answer, a common mistake, a truncated notebook, a missing one, an untouched one.
STUDENTS = ["ada", "dara", "ivo", "jules", "noor"]


@pytest.fixture(scope="module")
def submitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_submissions(STUDENTS, tmp_path_factory.mktemp("run") / "submitted")


def student_ids(submitted: Path) -> list[str]:
    return sorted(entry.name for entry in submitted.iterdir())


def test_several_jobs_grade_exactly_like_one(submitted: Path, tmp_path: Path) -> None:
    run_grader(submitted, tmp_path / "one", "--jobs", "1", "--quiet")
    run_grader(submitted, tmp_path / "two", "--jobs", "2", "--quiet")

    for student_id in student_ids(submitted):
        one = comparable(load_results(tmp_path / "one", student_id))
        two = comparable(load_results(tmp_path / "two", student_id))
        assert one == two, f"{student_id} graded differently with 2 jobs"
    assert (tmp_path / "one" / "grades.csv").read_text() == (
        tmp_path / "two" / "grades.csv"
    ).read_text()


def zygotes_alive(marker: Path) -> list[int]:
    """Returns grader processes still running for the output folder `marker`."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"GRADE_TEST_MARKER={marker}".encode() in environ and b"python" in command:
            alive.append(int(entry.name))
    return alive


def test_killed_run_resumes_without_grading_twice(
    submitted: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    environment = {**ENVIRONMENT, "GRADE_TEST_MARKER": str(out)}
    process = subprocess.Popen(
        grade_command(submitted, out, "--jobs", "1", "--quiet"),
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/results.json"))) < 2:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no results appeared within 300 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(1.0)

    assert zygotes_alive(out) == [], "processes of the killed run outlived it"
    assert not list(out.glob("*/.results.json.*")), "a half-written file was left"
    finished = {
        path.parent.name: path.stat().st_mtime_ns for path in out.glob("*/results.json")
    }
    assert 2 <= len(finished) < len(student_ids(submitted))

    result = run_grader(submitted, out, "--jobs", "1", "--quiet")

    assert f"{len(finished)} already graded" in result.stdout
    for student_id, modified in finished.items():
        path = out / student_id / "results.json"
        assert path.stat().st_mtime_ns == modified, f"{student_id} was graded twice"
    reference = tmp_path / "reference"
    run_grader(submitted, reference, "--quiet")
    for student_id in student_ids(submitted):
        assert comparable(load_results(out, student_id)) == comparable(
            load_results(reference, student_id)
        )
