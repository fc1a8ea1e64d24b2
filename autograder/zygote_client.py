"""The grader's handle on its warm zygote process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

from autograder import sandbox


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """Starts `autograder.zygote` and asks it for sandboxed student processes."""

    def __init__(self) -> None:
        self.control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.zygote", str(remote.fileno())],
            pass_fds=[remote.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=sandbox.die_with_parent,
        )
        remote.close()
        self.reader = self.control.makefile("rb")
        self._read_line()

    def _read_line(self) -> dict[str, Any]:
        line = self.reader.readline()
        if not line:
            code = self.process.poll()
            raise ZygoteError(f"the zygote process ended (exit status {code})")
        return json.loads(line)

    def fork(self, request: dict[str, Any]) -> tuple[int, socket.socket]:
        """Returns the pid of a new student process and the socket to talk to it."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(
                self.control, [json.dumps(request).encode()], [theirs.fileno()]
            )
            pid = int(self._read_line()["pid"])
        finally:
            theirs.close()
        return pid, ours

    def close(self) -> None:
        try:
            self.control.close()
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
