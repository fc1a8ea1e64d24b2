"""A warm process that forks one sandboxed student process per notebook.

Importing TensorFlow takes seconds; forking a process that has already done so
takes milliseconds. The zygote imports TensorFlow and Keras once, never runs a
TensorFlow operation (its thread pools would not survive a fork), and forks on
request. Each request arrives on a Unix socket together with the socket the new
student process will talk on.

Each fork makes two processes: an intermediate one that joins the notebook's
control group and creates the namespaces, and the student process itself, the
first process of the new PID namespace. When the intermediate process dies, the
kernel kills the student process, and with it every process it started.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

from autograder import cgroups, sandbox, syscall_filter
from autograder.limits import Limits

WARM_MODULES = ("numpy", "tensorflow", "keras", "matplotlib", "matplotlib.pyplot")
# What student code may read of the grader's environment: the settings of the
# libraries it runs on. Anything else, such as a token the instructor has set,
# could be raised in an exception and so printed on the student's feedback.
LIBRARY_VARIABLES = ("PATH", "LANG", "TZ")
LIBRARY_PREFIXES = (
    "LC_",
    "PYTHON",
    "TF_",
    "KERAS_",
    "XLA_",
    "CUDA_",
    "OMP_",
    "MKL_",
    "MPL",
)


def warm_up() -> None:
    """Imports what every notebook needs, without starting TensorFlow's runtime."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in WARM_MODULES:
        __import__(name)
    from autograder import building, calling, child, integrity, values  # noqa: F401


def serve(control: socket.socket) -> None:
    """Forks a student process for each request until the control socket closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
        except ConnectionError:
            return
        if not message:
            return
        request = json.loads(message)
        student_socket = socket.socket(fileno=fds[0])
        pid = os.fork()
        if pid == 0:
            control.close()
            _intermediate(student_socket, request)
        student_socket.close()
        control.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _intermediate(student_socket: socket.socket, request: dict[str, Any]) -> None:
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        sandbox.die_with_parent()
        group = request.get("cgroup")
        if group:
            cgroups.ControlGroup(Path(group[0]), Path(group[1]), group[2]).join(
                os.getpid()
            )
        level = sandbox.enter_namespaces()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _student(student_socket, request, level, parent)
        student_socket.close()
        signal.signal(signal.SIGUSR1, lambda *_: os.kill(pid, signal.SIGINT))
        while True:
            try:
                _, wait_status = os.waitpid(pid, 0)
                status = os.waitstatus_to_exitcode(wait_status)
                break
            except InterruptedError:
                continue
    finally:
        os._exit(max(status, 0))


def _student(
    student_socket: socket.socket, request: dict[str, Any], level: str, parent: int
) -> None:
    try:
        sandbox.die_with_parent()
        if os.getppid() not in (
            parent,
            0,
        ):  # 0: the parent is outside our PID namespace
            os._exit(1)
        limits = Limits(**request["limits"])
        notes = []
        if level != "none":
            notes += sandbox.confine_file_system(
                request["hidden"], limits, request.get("keep", [])
            )
            os.chdir("/tmp")
        sandbox.apply_rlimits(limits, with_memory=not request.get("cgroup"))
        if level == "full":
            sandbox.drop_privileges()
        refused = syscall_filter.forbid_other_sockets()
        if refused:
            notes.append(refused)
        _quiet_standard_streams()
        _keep_library_environment()
        os.environ.update(HOME="/tmp", TMPDIR="/tmp", MPLCONFIGDIR="/tmp/.matplotlib")
        from autograder import child

        isolation = {"level": level, "notes": notes}
        child.serve(student_socket, isolation, warm=request.get("warm", True) is True)
    except BaseException as error:  # noqa: BLE001 - reported to the grader's log
        _report_setup_error(student_socket, error)
    finally:
        os._exit(0)


def _report_setup_error(student_socket: socket.socket, error: BaseException) -> None:
    from autograder import protocol

    try:
        message = "".join(traceback.format_exception(error))[-4000:]
        protocol.send_message(
            student_socket, {"event": "setup_error", "message": message}, []
        )
    except OSError:
        pass


def _keep_library_environment() -> None:
    for name in list(os.environ):
        if name not in LIBRARY_VARIABLES and not name.startswith(LIBRARY_PREFIXES):
            del os.environ[name]


def _quiet_standard_streams() -> None:
    """Sends what student code prints to /dev/null; the grader never reads it."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def main() -> None:
    sandbox.die_with_parent()
    warm_up()
    # Every student process is forked from here. Frozen, the objects of the
    # imported libraries are never visited by a collection in a child, so a
    # student's `gc.collect()` (Keras's `clear_session` makes one) neither
    # walks nor copies the whole inherited heap.
    gc.collect()
    gc.freeze()
    control = socket.socket(fileno=int(sys.argv[1]))
    control.sendall(b'{"ready": true}\n')
    serve(control)


if __name__ == "__main__":
    main()
