"""Per-student results in Gradescope's `results.json` format, written atomically.

Each file also records a fingerprint of the submitted notebooks and of the
grading setup, so a run that was interrupted and started again skips exactly
the students whose results are complete and still current.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from autograder.grading import StudentResult

RESULTS_FILE = "results.json"


def write_atomically(path: Path, text: str) -> None:
    """Writes `text` so that `path` holds either the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def to_gradescope(result: StudentResult, setup_fingerprint: str) -> dict[str, Any]:
    tests = [
        {
            "name": outcome.name,
            "score": outcome.score,
            "max_score": outcome.points,
            "status": "passed" if outcome.passed else "failed",
            "output": outcome.message,
            "extra_data": {"grade_id": outcome.grade_id, "function": outcome.function},
        }
        for outcome in result.outcomes
    ]
    return {
        "score": result.score,
        "max_score": result.max_score,
        "output": _summary(result),
        "tests": tests,
        "extra_data": {
            "student_id": result.student_id,
            "fingerprint": result.fingerprint,
            "setup": setup_fingerprint,
            "problems": result.problems,
            "cell_errors": result.cell_errors,
            "isolation": result.isolation,
            "isolation_warnings": result.isolation_warnings(),
            "seconds": round(result.seconds, 3),
        },
    }


def _summary(result: StudentResult) -> str:
    lines = [f"Score: {result.score:g} / {result.max_score:g}"]
    lines += result.problems
    for error in result.cell_errors:
        lines.append(f"{error['notebook']}, {error['cell']}: {error['error']}")
    return "\n".join(lines)


def results_path(out_dir: Path, student_id: str) -> Path:
    """Returns where a student's results go, refusing ids that leave `out_dir`."""
    path = (out_dir / student_id / RESULTS_FILE).resolve()
    if out_dir.resolve() not in path.parents:
        raise ValueError(f"student id {student_id!r} would write outside {out_dir}")
    return path


def save(
    out_dir: Path, result: StudentResult, setup_fingerprint: str
) -> dict[str, Any]:
    data = to_gradescope(result, setup_fingerprint)
    write_atomically(
        results_path(out_dir, result.student_id), json.dumps(data, indent=2)
    )
    return data


def load_finished(
    out_dir: Path, student_id: str, fingerprint: str, setup_fingerprint: str
) -> dict[str, Any] | None:
    """Returns saved results if they are complete and match the submission."""
    try:
        data = json.loads(results_path(out_dir, student_id).read_text())
    except (OSError, ValueError):
        return None
    extra = data.get("extra_data", {}) if isinstance(data, dict) else {}
    if (
        extra.get("fingerprint") == fingerprint
        and extra.get("setup") == setup_fingerprint
    ):
        return data
    return None
