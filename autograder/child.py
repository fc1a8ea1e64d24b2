"""The student side: run a notebook's cells, then answer calls from the grader.

This module runs inside the sandboxed student process. It executes the cells
it is sent in one namespace, as a kernel would, recording the error of a cell
and going on with the next, as nbgrader does. Then it serves calls of student
functions until the grader closes the connection. Nothing here judges an
answer: replies are plain data that the grader checks in its own process.
"""

from __future__ import annotations

import builtins
import signal
import socket
import sys
from typing import Any

from autograder import calling, integrity, protocol

MAX_REQUEST_BYTES = 256 * 1024 * 1024

# Bound now, before any student code runs: a cell that reassigns these names in
# `builtins` or `sys.modules` cannot change how the replies are produced.
_send = protocol.send_message
_receive = protocol.receive_message
_perform = calling.perform
_exec = builtins.exec
_compile = builtins.compile


def serve(sock: socket.socket, isolation: dict[str, Any], warm: bool = True) -> None:
    """Runs the cells the grader sends, then answers its calls until it hangs up.

    Unless `warm` is False, the process warms up before it reads its cells, so
    that every notebook starts from the same state whether or not its process
    was started ahead as a spare (see `autograder.launcher`).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if warm:
        try:
            warm_up()
        except Exception:  # noqa: BLE001, S110 - a cold start is slower, not wrong
            pass
    header, _ = _receive(sock, None, MAX_REQUEST_BYTES)
    # Bound once, so that a cell that replaces Snapshot.restore changes nothing.
    restore = integrity.Snapshot().restore
    _send(sock, {"event": "ready", "isolation": isolation}, [])

    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "get_ipython": _IgnoredShell,
    }
    calling.seed_everything(int(header.get("seed", calling.DEFAULT_SEED)))
    for index, source in enumerate(header["cells"]):
        error = run_cell(namespace, index, source)
        # A cell that broke `isinstance` or `json` for good would otherwise
        # break the report of its own result, and every call after it.
        restore()
        _send(sock, {"event": "cell", "index": index, "error": error}, [])
    _send(sock, {"event": "cells_done"}, [])

    while True:
        try:
            request, blobs = _receive(sock, None, MAX_REQUEST_BYTES)
        except EOFError:
            return
        try:
            reply, reply_blobs = _perform(namespace, request, blobs, restore)
        except KeyboardInterrupt:
            restore()
            reply, reply_blobs = calling.interrupted(request["function"]), []
        except BaseException as error:  # noqa: BLE001 - SystemExit from student code
            restore()
            reply, reply_blobs = calling.raised(error), []
        _send(sock, reply, reply_blobs)


def warm_up() -> None:
    """Builds and calls a tiny model, then forgets it, before any cell.

    The first model of a process pays for what TensorFlow sets up once per
    process: its runtime and the first kernel of each op. Paid here, while the
    process waits for its notebook, it is off the grader's path. Clearing the
    session afterwards resets Keras's layer names, so the student's first
    layer is still called "dense", as in a fresh kernel; every random state is
    seeded again before the first cell.
    """
    import keras
    import numpy as np

    x = np.zeros((2, 2), dtype="float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.get_weights()
    model(x)
    keras.backend.clear_session(free_memory=False)


def run_cell(
    namespace: dict[str, Any], index: int, source: str
) -> dict[str, Any] | None:
    """Executes one cell; returns its error as plain data, or None."""
    try:
        code = _compile(source, f"<cell {index + 1}>", "exec")
        _exec(code, namespace)
    except KeyboardInterrupt:
        return {
            "exception": "KeyboardInterrupt",
            "message": "interrupted",
            "traceback": "",
        }
    except BaseException as error:  # noqa: BLE001 - SystemExit is a cell error too
        reply = calling.raised(error)["error"]
        return {key: reply[key] for key in ("exception", "message", "traceback")}
    finally:
        sys.stdout.flush()
    return None


class _IgnoredShell:
    """Stands in for IPython, so `%matplotlib inline` or `!pip ...` do nothing.

    Magics and shell escapes are rewritten into calls on `get_ipython()`; in the
    grader there is no shell to run them, and no network to install from.
    """

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None
