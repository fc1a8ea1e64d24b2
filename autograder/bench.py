"""`python -m autograder.bench`: this kit's grading against `nbgrader autograde`.

One run on one machine grades the same N submissions twice, first with
`python -m autograder grade`, then with nbgrader's own `autograde`, and times
the student code alone in warm processes, as many at once as the kit has jobs,
so the figures can be compared: submissions per second, what the kit adds to
each submission, and the peak memory of each run.

nbgrader starts a kernel and imports TensorFlow for every notebook, some 20 s
per submission on two cores, so the default of 60 submissions takes about 25
minutes; `--copies 10` (`make bench N=10`) gives a first reading in about 4 to
5. Timings slow down when other work shares the cores, so every timed line
says what the load average was meanwhile.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from autograder import ASSIGNMENT, bench_course, bench_memory, bench_warm
from autograder.bench_report import Figures, GradingRun, count, report_lines
from autograder.limits import Limits
from autograder.run import PROJECT_ROOT, default_jobs

logger = logging.getLogger(__name__)

SAMPLES = PROJECT_ROOT / "autograder" / "samples" / "submitted"
FALLBACK_SAMPLES = {
    "answer_key": PROJECT_ROOT / "solutions" / ASSIGNMENT,
    "release": PROJECT_ROOT / "release" / ASSIGNMENT,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.bench",
        description="Compare this kit's grading with nbgrader autograde, "
        "in speed and memory, on copies of the sample submissions.",
    )
    parser.add_argument(
        "--copies", type=int, default=60, help="submissions to grade (default: 60)"
    )
    parser.add_argument(
        "--jobs", type=int, help="the kit's jobs (default: the kit's own default)"
    )
    parser.add_argument(
        "--samples",
        type=Path,
        help="a submitted/ folder to copy from (default: autograder/samples/"
        "submitted, else the answer key and the release)",
    )
    parser.add_argument(
        "--skip-nbgrader",
        action="store_true",
        help="grade with the kit only, for a quick check that the benchmark works",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the course folder and the logs"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s")
    for name in ("copies", "jobs"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            print(f"error: --{name} must be 1 or more; got {value}", file=sys.stderr)
            return 2
    workdir = Path(tempfile.mkdtemp(prefix="keras-bias-bench-"))
    try:
        try:
            samples, origin = pick_samples(arguments.samples, workdir / "samples")
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        figures = run(arguments, samples[: arguments.copies], origin, workdir)
    except RuntimeError as error:
        print(
            f"error: {error}; run again with --keep to read the logs", file=sys.stderr
        )
        return 1
    finally:
        if arguments.keep:
            logger.info("course and logs kept in %s", workdir)
        else:
            _remove(workdir)
    print("\n".join(report_lines(figures)))
    return 0


def pick_samples(folder: Path | None, staging: Path) -> tuple[list[Path], str]:
    """Returns the sample student folders and a phrase that says where from."""
    if folder is not None:
        samples = bench_course.find_samples(folder.resolve(), ASSIGNMENT)
        if not samples:
            raise FileNotFoundError(
                f"no sample submissions in {folder}; expected "
                f"<student_id>/{ASSIGNMENT}/<notebook>.ipynb inside it"
            )
        return samples, str(folder)
    samples = bench_course.find_samples(SAMPLES, ASSIGNMENT)
    if samples:
        return samples, "autograder/samples/submitted"
    staged = _stage_fallback(staging)
    if not staged:
        raise FileNotFoundError(
            f"no sample submissions in {SAMPLES} and no answer key or release "
            f"notebooks; run `make solutions release` or pass --samples <folder>"
        )
    return staged, "the answer key and the release"


def _stage_fallback(staging: Path) -> list[Path]:
    """Lays the answer key and the release out as two students' submissions."""
    samples = []
    for student_id, notebooks in FALLBACK_SAMPLES.items():
        if not any(notebooks.glob("*.ipynb")):
            continue
        target = staging / student_id / ASSIGNMENT
        target.mkdir(parents=True)
        for notebook in notebooks.glob("*.ipynb"):
            (target / notebook.name).write_bytes(notebook.read_bytes())
        samples.append(staging / student_id)
    return samples


def run(
    arguments: argparse.Namespace, samples: list[Path], origin: str, workdir: Path
) -> Figures:
    """Builds the course, then measures warm time, the kit and nbgrader."""
    env = _environment()
    size = count(arguments.copies, "submission")
    logger.info("building a course of %s in %s", size, workdir)
    course = bench_course.build_course(
        workdir / "course",
        PROJECT_ROOT / "source",
        ASSIGNMENT,
        samples,
        arguments.copies,
    )
    if not arguments.skip_nbgrader:
        bench_course.generate_assignment(course, env)  # fails early if it must
    figures = Figures(copies=arguments.copies, samples=samples, origin=origin)
    figures.sample_of = course.sample_of

    limits = Limits()
    jobs = min(arguments.jobs or default_jobs(limits), arguments.copies)
    figures.warm_processes = jobs
    logger.info(
        "timing the student code of each sample in %s, as the kit has jobs",
        "1 warm process" if jobs == 1 else f"{jobs} warm processes at once",
    )
    load_before = os.getloadavg()[0]
    figures.warm = bench_warm.measure(
        samples,
        PROJECT_ROOT / "source",
        ASSIGNMENT,
        workdir / "warm",
        limits.submission_seconds,
        processes=jobs,
    )
    figures.warm_load = (load_before + os.getloadavg()[0]) / 2

    logger.info("grading with the kit")
    figures.kit = grade_with_kit(course, jobs, workdir, env)
    figures.kit.jobs = count(jobs, "job")
    if arguments.jobs is None:
        figures.kit.jobs = "its default " + figures.kit.jobs

    if not arguments.skip_nbgrader:
        logger.info(
            "grading with nbgrader autograde, one kernel per notebook; this takes "
            "some 20 s per submission"
        )
        figures.nbgrader = grade_with_nbgrader(course, workdir, env)
    return figures


def grade_with_kit(
    course: bench_course.Course, jobs: int, workdir: Path, env: dict[str, str]
) -> GradingRun:
    """Runs `python -m autograder grade` on the course's submissions."""
    out = workdir / "kit-results"
    command = [sys.executable, "-m", "autograder", "grade", str(course.submitted)]
    command += ["--out", str(out), "--jobs", str(jobs)]
    log = workdir / "kit.log"
    measured = bench_memory.run_measured(command, PROJECT_ROOT, env, log)
    if measured.returncode != 0:
        raise RuntimeError(
            f"the kit's grading exited with {measured.returncode}; its output:\n"
            + log.read_text(errors="replace")[-4000:]
        )
    graded = GradingRun(measured)
    for student_id in course.sample_of:
        data = bench_course.read_kit_results(out, student_id)
        if data is not None:
            graded.scores[student_id] = float(data["score"])
            graded.seconds[student_id] = float(data["extra_data"]["seconds"])
    return graded


def grade_with_nbgrader(
    course: bench_course.Course, workdir: Path, env: dict[str, str]
) -> GradingRun:
    """Runs `nbgrader autograde` on the course; failed submissions are counted."""
    log = workdir / "nbgrader.log"
    command = bench_course.autograde_command(course)
    measured = bench_memory.run_measured(command, course.root, env, log)
    return GradingRun(measured, scores=bench_course.nbgrader_scores(course))


def _environment() -> dict[str, str]:
    """Returns the environment of both graders: this Python's tools come first,
    so nbgrader and its kernels run in the same environment as the kit."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
