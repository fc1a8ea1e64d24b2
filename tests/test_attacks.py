"""Hostile submissions, graded together in one run of the real command.

Every folder under tests/attacks/submitted is a student who solved everything,
then attacks the grader from a cell or from a function (tests/attacks/
notebooks.py says how; tests/attacks/build.py writes the notebooks). The run
also grades two honest students, the answer key, and a few submissions that
only make sense on the grading machine (symbolic links, reserved names). Each
test then reads what that one run left behind: scores, messages, files,
network listeners and processes.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from grading_helpers import (
    ASSIGNMENT,
    ENVIRONMENT,
    ROOT,
    grade_command,
    load_results,
    scores_by_function,
    scores_by_grade_id,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="the limits and messages asserted here need root: namespaces, "
        "control groups and a seccomp filter; run the tests as root",
    ),
]

ATTACKS = ROOT / "tests" / "attacks" / "submitted"
ANSWER_KEY = ROOT / "solutions" / ASSIGNMENT
HONEST = ("honest-a", "honest-b")
RESERVED = ("grades.csv", "report.html")
# Student folders whose names must not become folders of the output.
UNSAFE_IDS = ("...", "..hidden", "<img src=x onerror=alert('id')>")
LIMITS = (
    "--jobs",
    "2",
    "--cell-timeout",
    "5",
    "--call-timeout",
    "10",
    "--timeout",
    "90",
    "--memory",
    "1G",
    "--processes",
    "32",
    "--output-size",
    "8M",
    "--disk",
    "16M",
)
# A tag with an attribute such as onerror= or onload=, unescaped.
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
FORK_BOMB_NAME = "kb-fork-bomb"  # the name the fork bomb's children give themselves
NOTEBOOK_1 = (
    "initial_bias",
    "build_model",
    "get_biases",
    "count_bias_parameters",
    "build_conv_model",
)
# Files attacks try to plant, which must not exist after the run.
PLANTED = (
    ROOT / "results.json",
    ROOT / "conftest.py",
    ROOT / "autograder" / "conftest.py",
    ROOT / "autograder" / "results.json",
    ROOT / "autograder" / "checks" / "conftest.py",
    Path("/tmp/results.json"),
    Path("/tmp/conftest.py"),
    Path("/tmp/keras-bias-fake-results.json"),
)


@dataclass
class Expected:
    """What one hostile submission must score, and what its feedback must say.

    `zeroed` functions earn nothing; every other function earns its full
    points. `messages` pairs a grade_id (or "cells" for the cells that raised,
    or "problems" for notes about the whole notebook) with text that the
    student's feedback must show for it.
    """

    zeroed: tuple[str, ...]
    messages: tuple[tuple[str, str], ...] = ()


PROCESS_ENDED = "process ended while"
EXPECTED = {
    "patch-numpy": Expected(
        ("initial_bias",),
        (("initial_bias_constant", "expected [0., 0., 0., 0., 0., 0.], got [7., 7."),),
    ),
    "patch-keras": Expected(
        ("build_model",),
        (
            (
                "build_model_use_bias",
                "expected 1 array from get_weights() (the kernel only), got 2",
            ),
        ),
    ),
    "fake-pytest": Expected(
        ("count_bias_parameters",),
        (
            ("count_bias_parameters_total", "conftest.py planted"),
            ("count_bias_parameters_total", "autograder/checks: OSError"),
            ("count_bias_parameters_total", "autograder: OSError"),
        ),
    ),
    "patch-builtins": Expected(
        ("get_biases",),
        (("get_biases_order", "expected shape (5,), got (1,)"),),
    ),
    # Builtins are restored after every cell, so the patch breaks nothing: the
    # otherwise correct notebook keeps all its points.
    "builtins-in-cell": Expected(()),
    "rigged-eq": Expected(
        ("get_biases", "count_bias_parameters"),
        (
            ("get_biases_order", "got an object of type Anything"),
            ("count_bias_parameters_total", "got an object of type AlwaysEqual"),
        ),
    ),
    "rigged-array": Expected(
        ("initial_bias", "count_bias_parameters"),
        (
            ("initial_bias_constant", "got [7., 7., 7., 7., 7., 7.]"),
            ("count_bias_parameters_total", "an object of type PretendsToBeAnArray"),
        ),
    ),
    "swap-modules": Expected(
        ("get_biases",),
        (("get_biases_order", "expected shape (5,), got (1,)"),),
    ),
    "exit-in-cell": Expected(
        NOTEBOOK_1,
        (("build_model_shapes", "through os._exit or a crash"),),
    ),
    # The checks run in file order: build_conv_model and build_model are
    # graded before count_bias_parameters ends the process, and keep their points.
    "exit-in-function": Expected(
        ("count_bias_parameters", "get_biases", "initial_bias"),
        (
            (
                "initial_bias_constant",
                f"{PROCESS_ENDED} count_bias_parameters was running",
            ),
        ),
    ),
    "sys-exit": Expected(
        ("get_biases",),
        (
            ("get_biases_order", "get_biases raised SystemExit"),
            ("cells", "SystemExit: leaving the notebook early"),
        ),
    ),
    "atexit-hook": Expected(
        ("count_bias_parameters",),
        (("count_bias_parameters_total", "expected 7, got 28"),),
    ),
    "fake-results": Expected(
        ("count_bias_parameters",),
        # /tmp is the notebook's own scratch space, gone with its process.
        (("count_bias_parameters_total", "fake results written to ['/tmp']"),),
    ),
    "read-hidden": Expected(
        ("initial_bias", "count_bias_parameters"),
        (
            ("initial_bias_constant", "'check': 'FileNotFoundError'"),
            ("initial_bias_constant", "'answer key': 'FileNotFoundError'"),
            ("initial_bias_constant", "'source': 'FileNotFoundError'"),
            ("initial_bias_constant", "'git': 'FileNotFoundError'"),
            ("initial_bias_constant", "'entries under covered folders': 0"),
            ("initial_bias_constant", "'readable block devices': []"),
            ("initial_bias_constant", "'secrets in os.environ': {}"),
            ("initial_bias_constant", "'secrets in /proc/self/environ': []"),
            ("initial_bias_constant", "'processes in view': [1]"),
            ("count_bias_parameters_total", "expected 7, got 0"),
        ),
    ),
    "network": Expected(
        ("get_biases",),
        (
            ("get_biases_order", "AF_INET OSError"),
            ("get_biases_order", "AF_INET6 OSError"),
            ("get_biases_order", "AF_UNIX PermissionError"),
            ("get_biases_order", "AF_VSOCK PermissionError"),
        ),
    ),
    "endless-loops": Expected(
        ("get_biases",),
        (
            ("get_biases_order", "ran past the per-call time limit"),
            ("cells", "ran past the per-cell time limit of 5 s"),
        ),
    ),
    "stubborn-loop": Expected(
        ("train_and_compare",),
        (
            (
                "train_and_compare_snapshots",
                "train_and_compare ran past the per-call time limit of 10 s",
            ),
        ),
    ),
    "memory-bomb": Expected(
        ("initial_bias",),
        (("initial_bias_constant", "initial_bias ran past the memory limit of 1 GiB"),),
    ),
    "fork-bomb": Expected(
        NOTEBOOK_1,
        (
            ("cells", "(the notebook reached its limit of 32 processes)"),
            ("build_model_shapes", "ran past the limit of 32 processes"),
        ),
    ),
    "huge-output": Expected(
        ("initial_bias", "get_biases", "count_bias_parameters"),
        (
            ("initial_bias_constant", "No space left on device"),
            ("count_bias_parameters_total", "File too large"),
            ("get_biases_order", "ran past the per-call time limit"),
        ),
    ),
    "edited-cells": Expected(
        ("build_conv_model",),
        (("build_conv_model_shapes", "expected a keras.Sequential model, got None"),),
    ),
    "other-assignment": Expected(
        (*NOTEBOOK_1, "train_and_compare", "fit_line"),
        (
            ("problems", "1_initializing_bias.ipynb is from another assignment"),
            (
                "problems",
                "2_bias_in_training.ipynb holds the cells of 1_initializing_bias.ipynb",
            ),
        ),
    ),
    "html-injection": Expected(
        ("get_biases", "count_bias_parameters"),
        (("get_biases_order", "<script>alert('feedback')</script>"),),
    ),
    "forged-reply": Expected(
        # The forged message answers count_bias_parameters' first call; every
        # later reply of this notebook then answers the call before it.
        ("count_bias_parameters", "get_biases", "initial_bias"),
        (("count_bias_parameters_total", "got -1"),),
    ),
    # Made by the fixture: keras_bias/ is a link to the answer key.
    "linked-folder": Expected(
        (*NOTEBOOK_1, "train_and_compare", "fit_line"),
        (("problems", "keras_bias in submitted/linked-folder is a symbolic link"),),
    ),
    # Made by the fixture: the notebooks are links to a check and /etc/passwd.
    "linked-notebook": Expected(
        (*NOTEBOOK_1, "train_and_compare", "fit_line"),
        (("problems", "1_initializing_bias.ipynb is not a regular file"),),
    ),
}


@dataclass
class Run:
    """What the grading run left behind."""

    submitted: Path
    out: Path
    secret: str
    stdout: str
    stderr: str
    connections: int
    leftovers: list[str]
    files_before: dict[str, bytes]
    files_after: dict[str, bytes]
    planted: list[str] = field(default_factory=list)


def _listen(folder: Path) -> tuple[socket.socket, socket.socket]:
    """Opens a TCP port and a Unix socket in `folder`, for the network attack."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(folder / "grader.sock"))
    unix.listen()
    for listener in (tcp, unix):
        listener.setblocking(False)
    return tcp, unix


def _accepted(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def _lay_out(submitted: Path, tcp_port: int, unix_path: Path) -> None:
    """Copies the attacks, adds the honest students and the machine-only cases."""
    shutil.copytree(ATTACKS, submitted)
    for student_id in (*HONEST, *RESERVED, *UNSAFE_IDS):
        shutil.copytree(ANSWER_KEY, submitted / student_id / ASSIGNMENT)
    (submitted / "linked-student").symlink_to(submitted / HONEST[0])
    (submitted / "linked-folder").mkdir()
    (submitted / "linked-folder" / ASSIGNMENT).symlink_to(ANSWER_KEY)
    linked = submitted / "linked-notebook" / ASSIGNMENT
    linked.mkdir(parents=True)
    check = ROOT / "autograder" / "checks" / "test_initial_bias.py"
    (linked / "1_initializing_bias.ipynb").symlink_to(check)
    (linked / "2_bias_in_training.ipynb").symlink_to("/etc/passwd")
    for notebook in submitted.glob(f"network/{ASSIGNMENT}/*.ipynb"):
        text = notebook.read_text().replace("@@TCP_PORT@@", str(tcp_port))
        notebook.write_text(text.replace("@@UNIX_SOCKET@@", str(unix_path)))


def _files(folder: Path) -> dict[str, bytes]:
    """Returns every file under `folder` (links not followed) with its content."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path)] = f"-> {os.readlink(path)}".encode()
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


def _survivors(marker: str) -> list[str]:
    """Returns processes of the run still alive: by environment or by name."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if name == FORK_BOMB_NAME or f"ATTACK_RUN_MARKER={marker}".encode() in environ:
            found.append(f"{entry.name} ({name})")
    return found


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    # Not under /tmp, which the sandbox replaces as a whole: here the
    # submissions, the results and the socket stay where student code could
    # look for them, under the sandbox's own covering mounts.
    root = Path(tempfile.mkdtemp(prefix="keras-bias-attacks-", dir="/var/tmp"))
    submitted, out = root / "submitted", root / "out"
    tcp, unix = _listen(root)
    try:
        unix_path = root / "grader.sock"
        _lay_out(submitted, tcp.getsockname()[1], unix_path)
        secret = secrets.token_hex(8)
        marker = str(root)
        environment = {
            **ENVIRONMENT,
            "GRADER_API_TOKEN": secret,
            "ATTACK_RUN_MARKER": marker,
        }
        planted_before = [str(path) for path in PLANTED if path.exists()]
        before = _files(root)
        result = subprocess.run(
            [*grade_command(submitted, out, *LIMITS), "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=environment,
            timeout=600,
        )
        assert result.returncode == 0, (
            f"grading exited with {result.returncode}\n{result.stdout}\n"
            f"{result.stderr[-5000:]}"
        )
        leftovers = _survivors(marker)
        for _ in range(50):  # killed processes may take a moment to be reaped
            if not leftovers:
                break
            time.sleep(0.1)
            leftovers = _survivors(marker)
        after = {
            name: content
            for name, content in _files(root).items()
            if not name.startswith(str(out) + os.sep)
        }
        yield Run(
            submitted=submitted,
            out=out,
            secret=secret,
            stdout=result.stdout,
            stderr=result.stderr,
            connections=_accepted(tcp) + _accepted(unix),
            leftovers=leftovers,
            files_before=before,
            files_after=after,
            planted=[
                str(path)
                for path in PLANTED
                if path.exists() and str(path) not in planted_before
            ],
        )
    finally:
        tcp.close()
        unix.close()
        shutil.rmtree(root, ignore_errors=True)


def full_points(run: Run) -> dict[str, float]:
    return scores_by_function(load_results(run.out, HONEST[0]))


def messages(run: Run, student_id: str) -> dict[str, str]:
    """Returns what the student is told, by grade_id, plus "cells" and "problems"."""
    data = load_results(run.out, student_id)
    told = {test["extra_data"]["grade_id"]: test["output"] for test in data["tests"]}
    extra = data["extra_data"]
    told["cells"] = "\n".join(error["error"] for error in extra["cell_errors"])
    told["problems"] = "\n".join(extra["problems"])
    return told


# --- the rest of the batch ---------------------------------------------------


@pytest.mark.parametrize("student_id", HONEST)
def test_honest_students_score_full_marks(run: Run, student_id: str) -> None:
    data = load_results(run.out, student_id)
    failed = [test["output"] for test in data["tests"] if test["status"] != "passed"]
    assert failed == [], f"{student_id} lost points beside the attacks: {failed}"
    assert (data["score"], data["max_score"]) == (28, 28)


def test_every_attack_notebook_has_expectations() -> None:
    built = {folder.name for folder in ATTACKS.iterdir()}
    missing = built - set(EXPECTED)
    assert not missing, f"attacks without expectations in this file: {missing}"
    assert len(built) >= 15


# --- each attack ---------------------------------------------------------------


@pytest.mark.parametrize("student_id", sorted(EXPECTED))
def test_attack_earns_nothing_and_says_why(run: Run, student_id: str) -> None:
    expected = EXPECTED[student_id]
    full = full_points(run)
    data = load_results(run.out, student_id)
    want = {
        function: 0.0 if function in expected.zeroed else points
        for function, points in full.items()
    }
    assert scores_by_function(data) == want, (
        f"{student_id}: scores by function differ from what the attack allows"
    )
    for grade_id, score in scores_by_grade_id(data).items():
        function = next(
            test["extra_data"]["function"]
            for test in data["tests"]
            if test["extra_data"]["grade_id"] == grade_id
        )
        if function in expected.zeroed:
            assert score == 0, f"{student_id}: {grade_id} earned {score}"
    assert data["max_score"] == 28, "points come from the source, not the submission"

    told = messages(run, student_id)
    page = (run.out / student_id / "feedback.html").read_text()
    for where, text in expected.messages:
        assert text in told[where], f"{student_id}: {where} says {told[where]!r}"
        assert html.escape(text) in page, f"{student_id}: feedback lacks {text!r}"


# --- what the attacks tried beyond their score -----------------------------------


def test_no_process_outlives_grading(run: Run) -> None:
    assert run.leftovers == [], f"processes of the run still alive: {run.leftovers}"


def test_listeners_got_no_connection(run: Run) -> None:
    assert run.connections == 0


def test_nothing_written_outside_the_output_folder(run: Run) -> None:
    assert run.planted == [], f"files planted on the grading machine: {run.planted}"
    changed = sorted(
        name
        for name in set(run.files_before) | set(run.files_after)
        if run.files_before.get(name) != run.files_after.get(name)
    )
    assert changed == [], f"files changed beside the output folder: {changed}"


def test_fake_results_files_are_not_taken_for_real_ones(run: Run) -> None:
    assert not (run.out / "results.json").exists()
    assert not (run.out / "fake-results" / "fake-results").exists()
    saved = load_results(run.out, "fake-results")
    assert saved["score"] == 26, "the grader's own results.json must stand"


def test_instructor_secrets_reach_no_student(run: Run) -> None:
    leaked = [
        name
        for name, content in _files(run.out).items()
        if run.secret.encode() in content
    ]
    assert leaked == [], f"the grader's token was shown in {leaked}"


def test_feedback_and_report_hold_no_markup_from_submissions(run: Run) -> None:
    pages = sorted(run.out.glob("*/feedback.html")) + [run.out / "report.html"]
    assert len(pages) > len(EXPECTED)
    for page in pages:
        text = page.read_text()
        assert "<script" not in text, f"a script in {page}"
        assert not EVENT_HANDLER.search(text), f"an event handler in {page}"
    feedback = (run.out / "html-injection" / "feedback.html").read_text()
    assert "&lt;img src=x onerror=alert(&#x27;feedback&#x27;)&gt;" in feedback
    assert "Content-Security-Policy" in feedback


def test_links_and_reserved_names_are_refused(run: Run) -> None:
    assert not (run.out / "linked-student").exists()
    assert "skipped 'linked-student': a symbolic link" in run.stderr
    for name in UNSAFE_IDS:
        assert not (run.out / name).exists(), f"{name!r} became an output folder"
        assert f"skipped {name!r}: a student id may hold" in run.stderr
    for name in RESERVED:
        assert (run.out / name).is_file(), f"{name} should be the class's own file"
        assert f"skipped {name!r}: the grader writes a file of that name" in run.stderr
    grades = (run.out / "grades.csv").read_text()
    assert "honest-a" in grades and "linked-folder" in grades
