"""Kernel-enforced memory and process limits through Linux control groups.

Each notebook of a submission gets a control group of its own, so the kernel
itself caps its memory and its number of processes, and every process in it can
be found and killed at the end, even one that left its session. Version 2
(unified) and version 1 hierarchies are both supported; where neither can be
written (no root, no delegation), `create` returns None and the grader falls
back on rlimits and says so.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import time
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")
GROUP = "keras-bias-grader"


class ControlGroup:
    """One notebook's control group, in one or two hierarchies."""

    def __init__(self, memory_dir: Path, pids_dir: Path, version: int) -> None:
        self.memory_dir = memory_dir
        self.pids_dir = pids_dir
        self.version = version

    @property
    def directories(self) -> list[Path]:
        return sorted({self.memory_dir, self.pids_dir})

    def join(self, pid: int) -> None:
        for directory in self.directories:
            (directory / "cgroup.procs").write_text(f"{pid}\n")

    def pids(self) -> list[int]:
        found: set[int] = set()
        for directory in self.directories:
            try:
                text = (directory / "cgroup.procs").read_text()
            except OSError:
                continue
            found.update(int(line) for line in text.split())
        return sorted(found)

    def memory_limit_hit(self) -> bool:
        """Returns whether the kernel refused memory to this group."""
        try:
            if self.version == 2:
                events = (self.memory_dir / "memory.events").read_text().split()
                counts = dict(zip(events[::2], events[1::2], strict=False))
                return (
                    int(counts.get("oom_kill", 0)) > 0 or int(counts.get("max", 0)) > 0
                )
            # With swap accounting the memory+swap counter is charged first,
            # so a group at its limit may fail there and never in memory.failcnt.
            counters = ("memory.failcnt", "memory.memsw.failcnt")
            failures = sum(
                int((self.memory_dir / name).read_text())
                for name in counters
                if (self.memory_dir / name).exists()
            )
            control = (self.memory_dir / "memory.oom_control").read_text().split()
            kills = dict(zip(control[::2], control[1::2], strict=False)).get("oom_kill")
            return failures > 0 or int(kills or 0) > 0
        except (OSError, ValueError):
            return False

    def process_limit_hit(self) -> bool:
        try:
            if self.version == 2:
                events = (self.pids_dir / "pids.events").read_text().split()
                return len(events) >= 2 and int(events[1]) > 0
            return int((self.pids_dir / "pids.events").read_text().split()[1]) > 0
        except (OSError, ValueError, IndexError):
            return False

    def kill(self) -> None:
        """Sends SIGKILL to every process in the group, without waiting."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self) -> bool:
        """Removes the group if it is empty; returns whether it is gone.

        A process that was still starting when the group was killed is killed
        now, so a later call can finish the job.
        """
        if self.pids():
            self.kill()
            return False
        for directory in self.directories:
            try:
                directory.rmdir()
            except FileNotFoundError:
                pass  # already removed: removing twice is harmless
            except OSError as error:
                if error.errno == errno.EBUSY:
                    return False
                logger.warning(
                    "could not remove control group %s: %s", directory, error
                )
        return True

    def kill_all(self) -> None:
        """Kills every process in the group, then removes the group."""
        for _ in range(50):
            self.kill()
            if self.remove():
                return
            time.sleep(0.02)
        logger.warning("control group %s still holds processes", self.memory_dir)


def create(name: str, memory_bytes: int, processes: int) -> ControlGroup | None:
    """Returns a new control group with the given limits, or None if unsupported."""
    try:
        if (ROOT / "cgroup.controllers").exists():
            return _create_v2(name, memory_bytes, processes)
        if (ROOT / "memory").is_dir() and (ROOT / "pids").is_dir():
            return _create_v1(name, memory_bytes, processes)
    except OSError as error:
        logger.info("control groups unavailable (%s); using rlimits instead", error)
    return None


def _create_v1(name: str, memory_bytes: int, processes: int) -> ControlGroup:
    memory_dir = ROOT / "memory" / GROUP / name
    pids_dir = ROOT / "pids" / GROUP / name
    memory_dir.mkdir(parents=True, exist_ok=True)
    pids_dir.mkdir(parents=True, exist_ok=True)
    (memory_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
    swap_limit = memory_dir / "memory.memsw.limit_in_bytes"
    if swap_limit.exists():
        swap_limit.write_text(str(memory_bytes))
    (pids_dir / "pids.max").write_text(str(processes))
    return ControlGroup(memory_dir, pids_dir, version=1)


def _create_v2(name: str, memory_bytes: int, processes: int) -> ControlGroup:
    parent = ROOT / GROUP
    parent.mkdir(exist_ok=True)
    (parent / "cgroup.subtree_control").write_text("+memory +pids")
    directory = parent / name
    directory.mkdir(exist_ok=True)
    (directory / "memory.max").write_text(str(memory_bytes))
    swap = directory / "memory.swap.max"
    if swap.exists():
        swap.write_text("0")
    (directory / "pids.max").write_text(str(processes))
    return ControlGroup(directory, directory, version=2)


def remove_stale() -> int:
    """Removes empty groups left by graders that were killed; returns how many.

    A group is named after the worker that made it, so one whose worker is gone
    and that holds no process is safe to remove.
    """
    removed = 0
    parents = [ROOT / GROUP, ROOT / "memory" / GROUP, ROOT / "pids" / GROUP]
    for parent in parents:
        if not parent.is_dir():
            continue
        for group in parent.iterdir():
            worker = group.name.split("-", 1)[0]
            if not group.is_dir() or not worker.isdigit():
                continue
            if Path(f"/proc/{worker}").exists():
                continue
            try:
                if not (group / "cgroup.procs").read_text().split():
                    group.rmdir()
                    removed += 1
            except OSError:
                continue
    return removed
