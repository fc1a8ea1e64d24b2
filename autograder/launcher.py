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
The exception is a notebook that configures TensorFlow's runtime itself
(threads, devices), which TensorFlow refuses once its runtime has started: it
gets a process that starts cold, exactly as a fresh kernel would.

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
import re
import select
import signal
import socket
from collections import deque
from dataclasses import dataclass

from autograder import cgroups, sandbox
from autograder.limits import Limits
from autograder.zygote_client import Zygote, ZygoteError

logger = logging.getLogger(__name__)

# Settings TensorFlow reads once, when its runtime starts: a notebook that
# makes one of them must run before the runtime does, or the call raises (or,
# for an environment variable, silently does nothing).
# Settings read when TensorFlow is imported, such as TF_ENABLE_ONEDNN_OPTS,
# are not among them: the zygote imported it for every process alike.
RUNTIME_SETTINGS = re.compile(
    r"set_(intra|inter)_op_parallelism_threads|set_visible_devices"
    r"|set_(logical|virtual)_device_configuration|set_memory_growth"
    r"|TF_NUM_(INTRA|INTER)OP_THREADS|OMP_NUM_THREADS|CUDA_VISIBLE_DEVICES"
)


def needs_cold_start(cells: list[tuple[str, str]]) -> bool:
    """Returns whether a notebook's cells configure TensorFlow's runtime."""
    return any(RUNTIME_SETTINGS.search(source) for _, source in cells)


@dataclass
class Launched:
    """A started student process: its pid, its socket and its control group.

    `pid` is the process the zygote forked, which takes the signals. It is
    signalled through a pid file descriptor where Linux has them: a spare may
    wait a long time, and a pid alone could by then name another process.
    """

    pid: int
    sock: socket.socket
    group: cgroups.ControlGroup | None
    pidfd: int | None = None

    def signal(self, number: int) -> None:
        """Sends signal `number`; does nothing if the process has ended."""
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, number)
            else:
                os.kill(self.pid, number)
        except ProcessLookupError:
            pass

    def forget(self) -> None:
        """Closes the socket and the pid file descriptor."""
        self.sock.close()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class Launcher:
    """Hands out sandboxed student processes, keeping `spares` warm ones ready."""

    def __init__(
        self,
        limits: Limits,
        hidden: list[str],
        spares: int = 2,
        warm_up: bool = True,
    ) -> None:
        self.limits = limits
        self.hidden = hidden
        self.spares = spares if warm_up else 0
        self.warm_up = warm_up
        self.zygote = Zygote()
        self.ready: deque[Launched] = deque()
        self.retired: list[cgroups.ControlGroup] = []
        self.names = (f"{os.getpid()}-{number}" for number in itertools.count())

    @property
    def alive(self) -> bool:
        return self.zygote.process.poll() is None

    def launch(self, warm: bool = True) -> Launched:
        """Returns a warm process if one is ready, else a new one; refills spares.

        The first notebook of a worker gets a process forked on demand, so the
        time spares take is always paid inside some submission's grading.
        With `warm` False, the process is forked on demand and starts cold.
        """
        self._reap()
        if not (warm and self.warm_up):
            return self._fork(warm=False)
        launched = None
        while self.ready and launched is None:
            spare = self.ready.popleft()
            if _still_waiting(spare):
                launched = spare
            else:
                logger.warning("a spare student process failed before use; retired")
                self.retire(spare)
        if launched is None:
            launched = self._fork(warm=True)
        try:
            while len(self.ready) < self.spares:
                self.ready.append(self._fork(warm=True))
        except (OSError, ZygoteError) as error:
            logger.warning("could not start a spare student process: %s", error)
        return launched

    def _fork(self, warm: bool) -> Launched:
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
            "warm": warm,
        }
        try:
            pid, sock = self.zygote.fork(request)
        except BaseException:
            if group is not None:
                group.kill_all()
            raise
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pidfd = None  # an older kernel: signals go by pid
        return Launched(pid, sock, group, pidfd)

    def retire(self, launched: Launched) -> None:
        """Kills a process and all it started; its control group goes later.

        A killed process takes some milliseconds to leave its group, and a
        group can only be removed once empty, so removal waits for the next
        launch instead of holding up the grading of this one.
        """
        launched.signal(signal.SIGKILL)
        launched.forget()
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
    """Returns whether a spare is alive and well: a waiting one has sent nothing.

    A spare that died shows as a socket at end of file; one whose sandbox
    failed has sent its error. Either way it is retired and the notebook gets
    a process forked anew, which reports such an error if it has one too.
    """
    readable, _, _ = select.select([launched.sock], [], [], 0)
    return not readable
