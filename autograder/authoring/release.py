"""Writes the student release with nbgrader's own `generate_assignment`.

Run `python -m autograder.authoring.release` from anywhere: nbgrader runs in the
course root, where `nbgrader_config.py` points it at `source/` and `release/`
and keeps the gradebook in `build/`. With `--into DIR` the notebooks go to
`DIR/keras_bias/` instead and the gradebook is left alone, which is how the
tests compare a fresh release with the committed one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from autograder import ASSIGNMENT
from autograder.authoring import COURSE_ROOT, RELEASE_ROOT, tool_environment


class ReleaseFailed(RuntimeError):
    """nbgrader could not generate the release; the message carries its log."""


def generate_release(release_root: Path = RELEASE_ROOT, quiet: bool = False) -> Path:
    """Returns the folder the release notebooks were written to.

    Raises:
        ReleaseFailed: nbgrader exited with an error, e.g. a malformed cell.
    """
    release_root = release_root.resolve()
    command = [
        sys.executable,
        "-m",
        "nbgrader",
        "generate_assignment",
        ASSIGNMENT,
        "--force",
    ]
    if release_root != RELEASE_ROOT:
        command += [f"--CourseDirectory.release_directory={release_root}", "--no-db"]

    result = subprocess.run(
        command,
        cwd=COURSE_ROOT,
        env=tool_environment(),
        capture_output=quiet,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log = (result.stderr or "")[-4000:] if quiet else "see the log above"
        raise ReleaseFailed(
            f"nbgrader generate_assignment {ASSIGNMENT} exited with "
            f"{result.returncode}; fix the source notebook it names ({log})"
        )
    return release_root / ASSIGNMENT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--into",
        type=Path,
        default=RELEASE_ROOT,
        help="release folder to write DIR/keras_bias into (default: release/)",
    )
    arguments = parser.parse_args(argv)
    try:
        folder = generate_release(arguments.into)
    except ReleaseFailed as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    names = ", ".join(sorted(path.name for path in folder.glob("*.ipynb")))
    print(f"release: wrote {names} to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
