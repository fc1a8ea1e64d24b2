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

# Parts of the names of variables that hold credentials. The zygote never needs
# them, and every student process could read the zygote's environment from
# /proc/self/environ, then raise it into its own feedback.
SECRET_WORDS = (
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "AUTH",
)


class ZygoteError(RuntimeError):
    pass


def zygote_environment() -> dict[str, str]:
    """Returns the grader's environment without credentials, for the zygote."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not any(word in name.upper() for word in SECRET_WORDS)
    }
    return {**kept, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}


class Zygote:
    """Starts `autograder.zygote` and asks it for sandboxed student processes."""

    def __init__(self) -> None:
        self.control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = zygote_environment()
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
