"""The benchmark still runs end to end and prints every figure it promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from grading_helpers import ASSIGNMENT, ENVIRONMENT, ROOT

NUMBER = r"\d+(\.\d+)?"
# Each figure line of the report, as a pattern its value must match.
FIGURE_LINES = {
    "machine": rf"^machine: \d+ cores \(.+\), {NUMBER} GiB memory, load average ",
    "submissions": r"^submissions: 2, copied round-robin from 1 sample \(blank\) of ",
    "kit": rf"^kit \(python -m autograder grade, 2 jobs\): 2 graded, 0 failed, "
    rf"2 submissions in {NUMBER} s = {NUMBER} submissions/s",
    "nbgrader": r"^nbgrader autograde .*: skipped \(--skip-nbgrader\)$",
    "speed-up": r"^speed-up over nbgrader: not measured \(--skip-nbgrader\)$",
    "warm": rf"^warm student code .*2 such processes at once.*: blank {NUMBER} s$",
    "overhead": rf"^kit overhead per submission: -?{NUMBER} s mean, -?{NUMBER} s max "
    rf"\({NUMBER} s per submission in a worker minus {NUMBER} s warm, over 2 ",
    "kit memory": rf"^peak memory, kit: {NUMBER} GiB PSS of its whole process tree "
    rf"\({NUMBER} GiB summed RSS\), \d+ processes at most, [1-9]\d* samples",
    "nbgrader memory": r"^peak memory, nbgrader: not measured \(--skip-nbgrader\)$",
    "scores": r"^same scores as nbgrader: not compared \(--skip-nbgrader\)$",
}


def test_bench_without_nbgrader_prints_every_figure(tmp_path: Path) -> None:
    # The release as handed out: every check runs, and fails quickly.
    sample = tmp_path / "samples" / "blank" / ASSIGNMENT
    shutil.copytree(ROOT / "release" / ASSIGNMENT, sample)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.bench",
            "--copies",
            "2",
            "--jobs",
            "2",
            "--samples",
            str(tmp_path / "samples"),
            "--skip-nbgrader",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENVIRONMENT,
        timeout=300,
    )

    assert result.returncode == 0, f"the benchmark failed:\n{result.stderr[-3000:]}"
    lines = result.stdout.splitlines()
    for name, pattern in FIGURE_LINES.items():
        matching = [line for line in lines if re.search(pattern, line)]
        assert matching, f"no {name} line matching {pattern!r} in:\n{result.stdout}"
    assert len(lines) == len(FIGURE_LINES), f"unexpected lines:\n{result.stdout}"


def test_bench_refuses_zero_copies_and_says_what_it_needs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograder.bench", "--copies", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENVIRONMENT,
        timeout=60,
    )

    assert result.returncode == 2
    assert "--copies must be 1 or more; got 0" in result.stderr
