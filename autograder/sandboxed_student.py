"""A student whose notebook runs in a sandboxed process of its own.

The grader talks to it through `autograder.protocol`: it sends the notebook's
cells, waits for each to finish under the per-cell time limit, then sends one
request per call a check makes. When a limit is hit, the process is stopped,
the call that hit it fails with a message that names the limit, and every later
call fails the same way: points already earned are kept.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from autograder import cgroups, protocol
from autograder.launcher import Launched, Launcher, needs_cold_start
from autograder.limits import GIB, Limits
from autograder.student import LimitReached, ProcessEnded, Student

logger = logging.getLogger(__name__)

MAX_REPLY_BYTES = 256 * 1024 * 1024
GRACE_SECONDS = 3.0
START_SECONDS = 60.0


@dataclass
class CellError:
    """A cell of the student's notebook that raised; shown in the feedback."""

    label: str
    exception: str
    message: str
    traceback: str = ""


@dataclass
class RunReport:
    """What happened while a notebook's cells ran, for the feedback page."""

    isolation: dict[str, Any] = field(default_factory=dict)
    cell_errors: list[CellError] = field(default_factory=list)
    stopped: str | None = None


class SandboxedStudent(Student):
    """Runs one notebook of a submission in a sandbox and serves the checks."""

    def __init__(
        self,
        launcher: Launcher,
        name: str,
        cells: list[tuple[str, str]],
        limits: Limits,
        deadline: float,
    ) -> None:
        self.launcher = launcher
        self.name = name
        self.cells = cells
        self.limits = limits
        self.deadline = deadline
        self.report = RunReport()
        self.launched: Launched | None = None
        self.pid: int | None = None
        self.sock = None
        self.group: cgroups.ControlGroup | None = None
        self.started = False
        self.closed = False
        self.process_limit_seen = False

    # --- life cycle -------------------------------------------------------

    def start(self) -> None:
        """Takes a process, sends it the cells and runs them all; idempotent."""
        if self.started:
            return
        self.started = True
        self.launched = self.launcher.launch(warm=not needs_cold_start(self.cells))
        self.pid, self.sock, self.group = (
            self.launched.pid,
            self.launched.sock,
            self.launched.group,
        )
        cells = [source for _, source in self.cells]
        try:
            protocol.send_message(self.sock, {"cells": cells, "seed": self.seed}, [])
        except OSError:
            pass  # the process has ended: reading its reply says so
        try:
            ready = self._receive(time.monotonic() + START_SECONDS, "starting")
            self._refuse_setup_error(ready)
            isolation = ready.get("isolation")
            self.report.isolation = (
                dict(isolation) if isinstance(isolation, dict) else {}
            )
            self.report.isolation["control_groups"] = self.group is not None
            self._run_cells()
        except (LimitReached, ProcessEnded) as error:
            self.report.stopped = str(error)

    def _refuse_setup_error(self, message: dict[str, Any]) -> None:
        """Stops on a sandbox that failed to start, which is not the student's fault."""
        if message.get("event") == "setup_error":
            logger.error("%s: the sandbox failed to start:\n%s", self.name, message)
            raise ProcessEnded(
                "the grader could not start the process for this notebook; "
                "your instructor has been told"
            )

    def _run_cells(self) -> None:
        for label, _ in self.cells:
            message = self._wait(self.limits.cell_seconds, f"{label}", "per-cell")
            self._refuse_setup_error(message)
            error = message.get("error")
            if isinstance(error, dict):
                self._note_process_limit(error)
                self.report.cell_errors.append(
                    CellError(
                        label,
                        str(error.get("exception", "Exception"))[:100],
                        str(error.get("message", ""))[:2000],
                        str(error.get("traceback", ""))[:4000],
                    )
                )
        self._receive(self.deadline, "finishing its cells")

    def close(self) -> None:
        """Kills the student process and everything it started; idempotent."""
        if self.closed:
            return
        self.closed = True
        if self.launched is not None:
            self.launcher.retire(self.launched)

    # --- calls ------------------------------------------------------------

    def send(
        self, request: dict[str, Any], blobs: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        self.start()
        if self.report.stopped:
            raise LimitReached(self.report.stopped)
        function = request["function"]
        try:
            protocol.send_message(self.sock, request, blobs)
        except OSError:
            raise self._ended(function) from None
        reply, reply_blobs = self._wait_reply(function)
        if isinstance(reply.get("error"), dict):
            self._note_process_limit(reply["error"])
        return reply, reply_blobs

    def _wait_reply(self, function: str) -> tuple[dict[str, Any], list[bytes]]:
        deadline = min(time.monotonic() + self.limits.call_seconds, self.deadline)
        try:
            return protocol.receive_message(self.sock, deadline, MAX_REPLY_BYTES)
        except protocol.Timeout:
            pass
        except (EOFError, OSError):
            raise self._ended(function) from None
        except protocol.ProtocolError as error:
            self._stop(f"{function} sent back an unreadable reply ({error})")
            raise ProcessEnded(self.report.stopped) from None
        return self._interrupt(function, "per-call")

    # --- limits -----------------------------------------------------------

    def _wait(self, seconds: float, what: str, kind: str) -> dict[str, Any]:
        deadline = min(time.monotonic() + seconds, self.deadline)
        try:
            header, _ = protocol.receive_message(self.sock, deadline, MAX_REPLY_BYTES)
            return header
        except protocol.Timeout:
            header, _ = self._interrupt(what, kind)
            return header
        except (EOFError, OSError, protocol.ProtocolError):
            raise self._ended(what) from None

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        try:
            header, _ = protocol.receive_message(self.sock, deadline, MAX_REPLY_BYTES)
            return header
        except protocol.Timeout:
            self._stop(self._time_message(what, "submission"))
            raise LimitReached(self.report.stopped) from None
        except (EOFError, OSError, protocol.ProtocolError):
            raise self._ended(what) from None

    def _interrupt(self, what: str, kind: str) -> tuple[dict[str, Any], list[bytes]]:
        """Interrupts the student code as a kernel would; stops it if it goes on."""
        if time.monotonic() >= self.deadline:
            kind = "submission"
        if kind != "submission" and self.launched is not None:
            self.launched.signal(signal.SIGUSR1)
            try:
                grace = time.monotonic() + GRACE_SECONDS
                header, blobs = protocol.receive_message(
                    self.sock, grace, MAX_REPLY_BYTES
                )
                header["limit"] = self._time_message(what, kind)
                if header.get("event") == "cell":
                    header["error"] = {
                        "exception": "TimeoutError",
                        "message": self._time_message(what, kind),
                    }
                return header, blobs
            except (protocol.Timeout, EOFError, OSError, protocol.ProtocolError):
                pass
        # Code that cannot get memory or start a thread may hang rather than die.
        self._stop(self._resource_limit(what) or self._time_message(what, kind))
        raise LimitReached(self.report.stopped)

    def _time_message(self, what: str, kind: str) -> str:
        seconds = {
            "per-cell": self.limits.cell_seconds,
            "per-call": self.limits.call_seconds,
            "submission": self.limits.submission_seconds,
        }[kind]
        return f"{what} ran past the {kind} time limit of {seconds:g} s"

    def _resource_limit(self, what: str) -> str | None:
        """Returns the message for the memory or process limit hit, if one was."""
        if self.group is None:
            return None
        if self.group.memory_limit_hit():
            gib = self.limits.memory_bytes / GIB
            return f"{what} ran past the memory limit of {gib:g} GiB"
        if self.group.process_limit_hit():
            return f"{what} ran past the limit of {self.limits.processes} processes"
        return None

    def _note_process_limit(self, error: dict[str, Any]) -> None:
        """Adds the process limit to the first error raised after it was hit.

        A fork that the limit refuses raises an OSError whose own message
        ("Resource temporarily unavailable") does not say which limit it was.
        """
        if self.process_limit_seen or self.group is None:
            return
        if self.group.process_limit_hit():
            self.process_limit_seen = True
            error["message"] = (
                f"{error.get('message', '')} (the notebook reached its limit of "
                f"{self.limits.processes} processes)"
            )

    def _ended(self, what: str) -> LimitReached | ProcessEnded:
        """Returns the error for a process that died while running `what`."""
        reason = self._resource_limit(what)
        if reason is not None:
            self._stop(reason)
            return LimitReached(self.report.stopped)
        self._stop(
            f"the notebook's process ended while {what} was running (for example "
            "through os._exit or a crash), so nothing after it could be graded"
        )
        return ProcessEnded(self.report.stopped)

    def _stop(self, reason: str) -> None:
        if self.report.stopped is None:
            self.report.stopped = reason
            logger.info("%s: %s", self.name, reason)
        self.close()
