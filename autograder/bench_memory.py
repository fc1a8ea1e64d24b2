"""Running a command while sampling the memory of its whole process tree.

A grading run is many processes: workers, their zygotes and the student
processes forked from them, or nbgrader and one kernel after another. The sum
of their RSS counts every page the forks share with their zygote once per
process, so it overstates what the machine really needs; PSS splits each
shared page among the processes that map it and adds up to the true total.
Both are kept, and PSS is the figure to compare.

The machine's load average is sampled too: timings taken while other work
competes for the cores are slower, and the report says so.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2


@dataclass
class MemoryPeak:
    """The largest totals seen over one command's process tree."""

    pss_bytes: int = 0
    rss_bytes: int = 0
    samples: int = 0
    most_processes: int = 0
    unreadable_pss: int = 0  # processes whose PSS could not be read; RSS stood in


@dataclass
class Measured:
    """What one command took: wall time, exit status, peak memory, and the
    machine's mean one-minute load average while it ran."""

    seconds: float
    returncode: int
    memory: MemoryPeak
    load: float


class TreeSampler(threading.Thread):
    """Samples a process and all its descendants every `interval` seconds."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = MemoryPeak()
        self.loads: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)

    def sample(self) -> None:
        self.loads.append(os.getloadavg()[0])
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        pss = rss = 0
        for process in processes:
            try:
                pss_part, rss_part = self._read(process)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            pss += pss_part
            rss += rss_part
        self.peak.samples += 1
        self.peak.pss_bytes = max(self.peak.pss_bytes, pss)
        self.peak.rss_bytes = max(self.peak.rss_bytes, rss)
        self.peak.most_processes = max(self.peak.most_processes, len(processes))

    def _read(self, process: psutil.Process) -> tuple[int, int]:
        try:
            info = process.memory_full_info()
            return info.pss, info.rss
        except psutil.AccessDenied:
            self.peak.unreadable_pss += 1
            rss = process.memory_info().rss
            return rss, rss


def run_measured(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Measured:
    """Runs `command` to the end, its output in `log`; returns time and memory."""
    with log.open("wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            returncode = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            seconds = time.monotonic() - started
            sampler.stopped.set()
            sampler.join()
    load = statistics.fmean(sampler.loads) if sampler.loads else os.getloadavg()[0]
    return Measured(seconds, returncode, sampler.peak, load)
