"""The instructor's command line refuses unusable input with a message that helps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def grade(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_missing_submissions_folder_exits_2_and_names_the_layout(
    tmp_path: Path,
) -> None:
    result = grade(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))

    assert result.returncode == 2
    assert f"no submissions folder at {tmp_path / 'nowhere'}" in result.stderr
    assert "<student_id>/keras_bias/<notebook>.ipynb" in result.stderr


def test_unknown_assignment_exits_2_and_lists_known_ones(tmp_path: Path) -> None:
    (tmp_path / "submitted").mkdir()
    result = grade(str(tmp_path / "submitted"), "--assignment", "keras_weights")

    assert result.returncode == 2
    assert "no source notebooks for assignment 'keras_weights'" in result.stderr
    assert "assignments found: keras_bias" in result.stderr


def test_empty_submissions_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "submitted").mkdir()
    result = grade(str(tmp_path / "submitted"), "--out", str(tmp_path / "out"))

    assert result.returncode == 2
    assert "no student folders in" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--jobs", "0", "--jobs must be 1 or more; got 0"),
        ("--memory", "lots", "cannot read the size 'lots'"),
    ],
    ids=["zero-jobs", "unreadable-memory"],
)
def test_bad_option_values_are_refused(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = grade(str(tmp_path), option, value)

    assert result.returncode == 2
    assert message in result.stderr
