"""The bridge from nbgrader's hidden test cells to the kit's hidden checks.

A hidden block in `source/` reads `run_check("build_model_shapes", globals())`:
under `nbgrader autograde` the check then judges the functions defined in the
student's kernel, exactly as the kit's sandboxed grading run judges them, so
what is graded is written once, in `autograder/checks/`.
"""

from __future__ import annotations

from typing import Any

from autograder.checking import load_checks
from autograder.student import InProcessStudent, StudentError


def run_check(grade_id: str, namespace: dict[str, Any]) -> None:
    """Runs the check of `grade_id` on `namespace`; raises AssertionError if wrong.

    The error carries the learner-facing message only, not the check's code.
    """
    checks = load_checks()
    if grade_id not in checks:
        known = ", ".join(sorted(checks))
        raise KeyError(f"no hidden check for grade cell {grade_id!r}; known: {known}")
    try:
        checks[grade_id](InProcessStudent(namespace))
    except (AssertionError, StudentError) as error:
        raise AssertionError(str(error)) from None
