"""`python -m autograder grade`: the instructor's command line."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from autograder.limits import Limits, parse_size
from autograder.run import PROJECT_ROOT, RunError, grade_all

SAMPLES = PROJECT_ROOT / "autograder" / "samples" / "submitted"


def size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grade keras_bias submissions with the hidden checks.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a folder of submissions")
    grade.add_argument(
        "submissions",
        nargs="?",
        type=Path,
        help="nbgrader's submitted/ folder (default: the bundled sample submissions)",
    )
    grade.add_argument("--out", type=Path, help="output folder (default: a new one)")
    grade.add_argument(
        "--jobs", type=int, help="submissions graded at once (default: cores)"
    )
    grade.add_argument("--source", type=Path, default=PROJECT_ROOT / "source")
    grade.add_argument("--assignment", default="keras_bias")
    grade.add_argument("--quiet", action="store_true", help="no progress, table only")
    limits = grade.add_argument_group("limits per notebook")
    limits.add_argument(
        "--timeout", type=float, help="seconds for the whole submission"
    )
    limits.add_argument("--cell-timeout", type=float, help="seconds per cell")
    limits.add_argument("--call-timeout", type=float, help="seconds per function call")
    limits.add_argument("--memory", type=size, help="memory, e.g. 2G")
    limits.add_argument("--processes", type=int, help="processes at once")
    limits.add_argument("--output-size", type=size, help="bytes per written file")
    limits.add_argument("--disk", type=size, help="bytes of files written in all")
    hand_over = commands.add_parser(
        "to-gradebook",
        help="put a grading run's scores into the course's nbgrader gradebook",
    )
    hand_over.add_argument("results", type=Path, help="the --out folder of `grade`")
    hand_over.add_argument(
        "--course-dir",
        type=Path,
        default=Path("."),
        help="nbgrader course folder with its nbgrader_config.py (default: here)",
    )
    hand_over.add_argument("--assignment", default="keras_bias")
    hand_over.add_argument("--quiet", action="store_true", help="warnings only")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if arguments.quiet else logging.INFO,
        format="%(levelname)s: %(message)s",
    )
    if arguments.command == "to-gradebook":
        return to_gradebook(arguments)
    if arguments.jobs is not None and arguments.jobs < 1:
        print(f"error: --jobs must be 1 or more; got {arguments.jobs}", file=sys.stderr)
        return 2
    limits = Limits().with_overrides(
        submission_seconds=arguments.timeout,
        cell_seconds=arguments.cell_timeout,
        call_seconds=arguments.call_timeout,
        memory_bytes=arguments.memory,
        processes=arguments.processes,
        output_bytes=arguments.output_size,
        file_bytes=arguments.disk,
    )
    submissions = arguments.submissions or SAMPLES
    out = arguments.out or Path(tempfile.mkdtemp(prefix="keras-bias-grades-"))
    try:
        summary = grade_all(
            submissions,
            out,
            jobs=arguments.jobs,
            limits=limits,
            source_dir=arguments.source,
            assignment_name=arguments.assignment,
            progress=not arguments.quiet,
        )
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to finish", file=sys.stderr)
        return 130
    print(summary.table)
    print(
        f"\n{len(summary.graded)} graded, {len(summary.skipped)} already graded, "
        f"{len(summary.failed)} failed to grade. Results in {out}"
    )
    return 0


def to_gradebook(arguments: argparse.Namespace) -> int:
    from autograder.gradebook import GradebookError, hand_over

    try:
        print(hand_over(arguments.results, arguments.course_dir, arguments.assignment))
    except GradebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
