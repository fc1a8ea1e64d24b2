"""The benchmark's figures, and the lines that print them.

Every line starts with a fixed label, so a reader (or a test) finds each
figure; a figure that was not measured says so on its own line rather than
leaving the line out.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from autograder.bench_memory import SAMPLE_SECONDS, Measured, MemoryPeak
from autograder.bench_warm import WarmTime
from autograder.limits import GIB

# The goals the kit is held to on a machine of 2 cores and 24 GiB.
TARGET_SPEEDUP = 5.0
TARGET_OVERHEAD_SECONDS = 0.5
TARGET_PEAK_BYTES = 4 * GIB


@dataclass
class GradingRun:
    """One grading command's figures, per student where it records them."""

    measured: Measured
    scores: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    jobs: str = ""


@dataclass
class Figures:
    copies: int
    samples: list[Path]
    origin: str
    sample_of: dict[str, str] = field(default_factory=dict)  # student_id -> sample
    warm: list[WarmTime] = field(default_factory=list)
    warm_load: float = 0.0
    warm_processes: int = 1
    kit: GradingRun | None = None
    nbgrader: GradingRun | None = None


def report_lines(figures: Figures) -> list[str]:
    """Returns the report, one figure per line, each line with its label."""
    kit, nbgrader = figures.kit, figures.nbgrader
    names = ", ".join(sample.name for sample in figures.samples)
    lines = [
        machine_line(),
        f"submissions: {figures.copies}, copied round-robin from "
        f"{count(len(figures.samples), 'sample')} ({names}) of {figures.origin}",
    ]
    lines.append(
        _run_line(f"kit (python -m autograder grade, {kit.jobs})", kit, figures)
    )
    lines.append(
        _run_line(
            "nbgrader autograde (one submission at a time, a kernel per notebook)",
            nbgrader,
            figures,
        )
    )
    lines.append(_speedup_line(figures))
    lines.append(_warm_line(figures))
    lines.append(_overhead_line(figures))
    lines.append(_memory_line("kit", kit.measured.memory))
    lines.append(
        _memory_line("nbgrader", nbgrader.measured.memory if nbgrader else None)
    )
    lines.append(_scores_line(figures))
    return lines


def machine_line() -> str:
    cores = len(os.sched_getaffinity(0))
    memory = psutil.virtual_memory().total / GIB
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("tensorflow-cpu", "keras", "nbgrader")
    )
    return (
        f"machine: {cores} cores ({_cpu_model()}), {memory:.1f} GiB memory, "
        f"load average {os.getloadavg()[0]:.1f} at the end; "
        f"Python {platform.python_version()}, {versions}"
    )


def _run_line(label: str, run: GradingRun | None, figures: Figures) -> str:
    if run is None:
        return f"{label}: skipped (--skip-nbgrader)"
    seconds = run.measured.seconds
    failed = [sid for sid in figures.sample_of if sid not in run.scores]
    line = (
        f"{label}: {len(run.scores)} graded, {len(failed)} failed, "
        f"{count(figures.copies, 'submission')} in {seconds:.1f} s = "
        f"{figures.copies / seconds:.3f} submissions/s, load average "
        f"{run.measured.load:.1f} meanwhile"
    )
    if failed:
        by_sample = Counter(figures.sample_of[sid] for sid in failed)
        line += "; failed: " + ", ".join(f"{n} x {s}" for s, n in by_sample.items())
    return line


def _speedup_line(figures: Figures) -> str:
    if figures.nbgrader is None:
        return "speed-up over nbgrader: not measured (--skip-nbgrader)"
    ratio = figures.nbgrader.measured.seconds / figures.kit.measured.seconds
    verdict = _verdict(ratio >= TARGET_SPEEDUP)
    return (
        f"speed-up over nbgrader: {ratio:.2f}x its submissions/s "
        f"(target >= {TARGET_SPEEDUP:g}x: {verdict})"
    )


def _warm_line(figures: Figures) -> str:
    parts = [
        f"{time.sample} {time.seconds:.2f} s"
        if time.seconds is not None
        else f"{time.sample} not measured ({time.note})"
        for time in figures.warm
    ]
    processes = figures.warm_processes
    at_once = (
        f"{processes} such processes at once, as the kit's jobs"
        if processes > 1
        else "one such process alone, as the kit's one job"
    )
    return (
        "warm student code (cells and check calls, mean of the runs after the "
        f"first in a process that imported TensorFlow once; {at_once}; load average "
        f"{figures.warm_load:.1f}): " + ", ".join(parts)
    )


def _overhead_line(figures: Figures) -> str:
    warm = {time.sample: time.seconds for time in figures.warm}
    pairs = [
        (seconds, warm[figures.sample_of[sid]])
        for sid, seconds in figures.kit.seconds.items()
        if warm.get(figures.sample_of[sid]) is not None
    ]
    label = "kit overhead per submission"
    if not pairs:
        return f"{label}: not measured (no submission has both times)"
    overheads = [kit - warm for kit, warm in pairs]
    mean = statistics.fmean(overheads)
    verdict = _verdict(mean <= TARGET_OVERHEAD_SECONDS)
    return (
        f"{label}: {mean:.2f} s mean, {max(overheads):.2f} s max "
        f"({statistics.fmean(k for k, _ in pairs):.2f} s per submission in a "
        f"worker minus {statistics.fmean(w for _, w in pairs):.2f} s warm, over "
        f"{count(len(pairs), 'submission')}; target <= {TARGET_OVERHEAD_SECONDS:g} s: "
        f"{verdict})"
    )


def _memory_line(name: str, peak: MemoryPeak | None) -> str:
    label = f"peak memory, {name}"
    if peak is None:
        return f"{label}: not measured (--skip-nbgrader)"
    line = (
        f"{label}: {peak.pss_bytes / GIB:.2f} GiB PSS of its whole process tree "
        f"({peak.rss_bytes / GIB:.2f} GiB summed RSS), {peak.most_processes} "
        f"processes at most, {peak.samples} samples every {SAMPLE_SECONDS:g} s "
        f"(target <= {TARGET_PEAK_BYTES / GIB:g} GiB: "
        f"{_verdict(peak.pss_bytes <= TARGET_PEAK_BYTES)})"
    )
    if peak.unreadable_pss:
        line += f"; RSS stood in for {peak.unreadable_pss} unreadable PSS readings"
    return line


def _scores_line(figures: Figures) -> str:
    if figures.nbgrader is None:
        return "same scores as nbgrader: not compared (--skip-nbgrader)"
    kit, nbgrader = figures.kit.scores, figures.nbgrader.scores
    both = sorted(set(kit) & set(nbgrader))
    differ = [sid for sid in both if abs(kit[sid] - nbgrader[sid]) > 1e-6]
    line = (
        f"same scores as nbgrader: {len(both) - len(differ)} of the {len(both)} "
        "submissions both graded"
    )
    if differ:
        shown = ", ".join(
            f"{figures.sample_of[sid]} (kit {kit[sid]:g}, nbgrader {nbgrader[sid]:g})"
            for sid in _one_per_sample(differ, figures.sample_of)
        )
        line += f"; differ: {shown}"
    return line


def _one_per_sample(student_ids: list[str], sample_of: dict[str, str]) -> list[str]:
    seen: dict[str, str] = {}
    for sid in student_ids:
        seen.setdefault(sample_of[sid], sid)
    return list(seen.values())


def count(number: int, noun: str) -> str:
    """Returns "1 job" or "2 jobs": the number with its noun, plural if need be."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
