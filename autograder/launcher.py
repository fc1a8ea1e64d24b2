"""Sandboxed notebook processes, started one step ahead of the notebooks.

A process forked from the zygote still pays, on its first Keras model, for
what TensorFlow sets up once per process: its runtime, the first kernel of
every op, Keras's first layers. That is some tenths of a second per notebook,
spent while the grader waits. A launcher therefore keeps spare processes, each
already sandboxed and warmed up (see `autograder.child.warm_up`), and starts a
new spare whenever it hands one out: the spare warms up while the current
notebook's checks run, on a core the checks leave idle.

A process forked on demand, for a worker's first notebook, warms up the same
way before its cells, so every notebook starts from one and the same state.
A spare knows nothing of the student it will serve: it is forked with the
run's limits and hidden paths, which are the same for every notebook, and
reads the notebook's cells only once it is handed out. Each spare has a
control group of its own from the start, so its memory and processes count
against the notebook it becomes.
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import signal
import socket
from collections import deque
from dataclasses import dataclass

from autograder import cgroups, sandbox
from autograder.limits import Limits
from autograder.zygote_client import Zygote

logger = logging.getLogger(__name__)


@dataclass
class Launched:
    """A started student process: its pid, its socket and its control group."""

    pid: int
    sock: socket.socket
    group: cgroups.ControlGroup | None


class Launcher:
    """Hands out sandboxed student processes, keeping `spares` warm ones ready."""

    def __init__(self, limits: Limits, hidden: list[str], spares: int = 2) -> None:
        self.limits = limits
        self.hidden = hidden
        self.spares = spares
        self.zygote = Zygote()
        self.ready: deque[Launched] = deque()
        self.retired: list[cgroups.ControlGroup] = []
        self.names = (f"{os.getpid()}-{number}" for number in itertools.count())

    @property
    def alive(self) -> bool:
        return self.zygote.process.poll() is None

    def launch(self) -> Launched:
        """Returns a warm process if one is ready, else a new one; refills spares.

        The first notebook of a worker gets a process forked on demand, so the
        time spares take is always paid inside some submission's grading.
        """
        self._reap()
        launched = None
        while self.ready and launched is None:
            spare = self.ready.popleft()
            if _still_waiting(spare):
                sandbox.set_session_nice(spare.pid, 0)
                launched = spare
            else:
                logger.info("a spare student process ended unused; starting another")
                self.retire(spare)
        if launched is None:
            launched = self._fork(spare=False)
        while len(self.ready) < self.spares:
            self.ready.append(self._fork(spare=True))
        return launched

    def _fork(self, spare: bool) -> Launched:
        group = cgroups.create(
            next(self.names), self.limits.memory_bytes, self.limits.processes
        )
        where = None
        if group is not None:
            where = [str(group.memory_dir), str(group.pids_dir), group.version]
        request = {
            "hidden": self.hidden,
            "keep": sandbox.runtime_paths(),
            "limits": self.limits.describe(),
            "cgroup": where,
            "spare": spare,
        }
        try:
            pid, sock = self.zygote.fork(request)
        except BaseException:
            if group is not None:
                group.kill_all()
            raise
        return Launched(pid, sock, group)

    def retire(self, launched: Launched) -> None:
        """Kills a process and all it started; its control group goes later.

        A killed process takes some milliseconds to leave its group, and a
        group can only be removed once empty, so removal waits for the next
        launch instead of holding up the grading of this one.
        """
        try:
            os.kill(launched.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        launched.sock.close()
        if launched.group is not None:
            launched.group.kill()
            self.retired.append(launched.group)

    def _reap(self) -> None:
        self.retired = [group for group in self.retired if not group.remove()]

    def close(self) -> None:
        """Kills the spares and the zygote; removes every control group."""
        while self.ready:
            self.retire(self.ready.popleft())
        for group in self.retired:
            group.kill_all()
        self.retired = []
        self.zygote.close()


def _still_waiting(launched: Launched) -> bool:
    """Returns whether a spare is alive: a waiting one has sent nothing yet.

    A spare that died shows as a socket at end of file; one whose sandbox
    failed has sent its error, which the notebook reads and reports.
    """
    readable, _, _ = select.select([launched.sock], [], [], 0)
    if not readable:
        return True
    try:
        return launched.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except OSError:
        return False
