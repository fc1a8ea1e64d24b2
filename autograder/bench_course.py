"""A throwaway nbgrader course holding many copies of the sample submissions.

Both graders must see exactly the same files, so the benchmark builds one
course: a copy of `source/`, its own `nbgrader_config.py` and gradebook, and
`submitted/<student_id>/<assignment>/` filled round-robin from the samples.
The kit grades `submitted/` directly; `nbgrader autograde` grades the course.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# nbgrader from this very environment, whatever PATH says.
NBGRADER = [sys.executable, "-m", "nbgrader"]
CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
"""


class CourseError(RuntimeError):
    """nbgrader could not set the course up; the message holds its log."""


@dataclass
class Course:
    root: Path
    assignment: str
    sample_of: dict[str, str] = field(default_factory=dict)  # student_id -> sample

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"


def find_samples(folder: Path, assignment: str) -> list[Path]:
    """Returns the student folders in `folder` that hold a folder `assignment`."""
    if not folder.is_dir():
        return []
    return [
        entry
        for entry in sorted(folder.iterdir())
        if entry.is_dir() and not entry.is_symlink() and (entry / assignment).exists()
    ]


def build_course(
    root: Path, source_dir: Path, assignment: str, samples: list[Path], copies: int
) -> Course:
    """Writes the course under `root` with `copies` submissions; returns it."""
    course = Course(root, assignment)
    shutil.copytree(source_dir / assignment, root / "source" / assignment)
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(root), db_url=course.db_url)
    )
    width = max(3, len(str(copies - 1)))
    for index in range(copies):
        sample = samples[index % len(samples)]
        student_id = f"student_{index:0{width}d}"
        shutil.copytree(sample, course.submitted / student_id, symlinks=True)
        course.sample_of[student_id] = sample.name
    return course


def generate_assignment(course: Course, env: dict[str, str]) -> None:
    """Enters the assignment into the course's gradebook, or raises CourseError.

    autograde takes the grade cells, their points and hidden tests from the
    gradebook, never from the submission, so they must be there first.
    """
    command = [*NBGRADER, "generate_assignment", course.assignment, "--force"]
    result = subprocess.run(
        command, cwd=course.root, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CourseError(
            f"{' '.join(command)} exited with {result.returncode} in {course.root}:\n"
            f"{result.stdout}{result.stderr}"
        )


def autograde_command(course: Course) -> list[str]:
    """Returns nbgrader's own autograde command; --create adds the students."""
    return [*NBGRADER, "autograde", course.assignment, "--create"]


def nbgrader_scores(course: Course) -> dict[str, float]:
    """Returns the score nbgrader recorded for every student it autograded.

    nbgrader removes the autograded folder of a submission it failed on, so a
    student whose folder is missing is left out, whatever the gradebook says.
    """
    from nbgrader.api import Gradebook

    autograded = course.root / "autograded"
    scores = {}
    with Gradebook(course.db_url) as gradebook:
        for submission in gradebook.assignment_submissions(course.assignment):
            student_id = submission.student.id
            if (autograded / student_id / course.assignment).is_dir():
                scores[student_id] = float(submission.score)
    return scores


def read_kit_results(out: Path, student_id: str) -> dict[str, Any] | None:
    """Returns the kit's results.json for a student, or None if it wrote none."""
    try:
        data = json.loads((out / student_id / "results.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
