"""Running the real grading command from tests, and reading what it wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "autograder" / "samples" / "submitted"
ASSIGNMENT = "keras_bias"
ENVIRONMENT = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}


def grade_command(submissions: Path, out: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        str(submissions),
        "--out",
        str(out),
        *options,
    ]


def run_grader(
    submissions: Path, out: Path, *options: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m autograder grade` to the end; fails loudly on a crash."""
    result = subprocess.run(
        grade_command(submissions, out, *options),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENVIRONMENT,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"grading exited with {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def copy_submissions(names: list[str] | None, target: Path) -> Path:
    """Copies some (or all) bundled samples into a fresh submitted/ folder."""
    target.mkdir(parents=True, exist_ok=True)
    for folder in sorted(SAMPLES.iterdir()):
        if names is None or folder.name in names:
            shutil.copytree(folder, target / folder.name)
    return target


def add_notebooks(submitted: Path, student_id: str, notebooks: dict[str, Any]) -> None:
    """Writes one student's notebooks (name -> nbformat dict or raw text)."""
    folder = submitted / student_id / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in notebooks.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / name).write_text(text)


def load_results(out: Path, student_id: str) -> dict[str, Any]:
    return json.loads((out / student_id / "results.json").read_text())


def scores_by_function(data: dict[str, Any]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for test in data["tests"]:
        function = test["extra_data"]["function"]
        scores[function] = scores.get(function, 0.0) + test["score"]
    return scores


def scores_by_grade_id(data: dict[str, Any]) -> dict[str, float]:
    return {test["extra_data"]["grade_id"]: test["score"] for test in data["tests"]}


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """Returns results without the fields that differ between identical runs."""
    extra = {k: v for k, v in data["extra_data"].items() if k != "seconds"}
    return {**data, "extra_data": extra}
