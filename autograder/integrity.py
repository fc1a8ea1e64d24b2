"""Undoing what student code did to the libraries the replies are made with.

Student code shares its process with the code that turns its return values
into plain data. A cell may patch `numpy.save`, reassign `builtins.isinstance`,
replace a Keras method, swap a module in `sys.modules`, or rewrite a function
of this package, hoping to make a wrong answer read as a right one. Before any
student code runs, `Snapshot` records the namespaces the replies depend on;
after every student call, `restore` puts each of them back as it was, so the
reply is produced by the original code whatever the call did.

This is not a security boundary (the sandbox is): it closes the cheap ways to
forge a reply. Forging one by other means requires computing the correct data,
which is what the checks ask for in the first place.
"""

from __future__ import annotations

import sys
import types
from typing import Any

# Modules of this package that produce replies in the student's process.
HARNESS_MODULES = (
    "autograder.building",
    "autograder.calling",
    "autograder.child",
    "autograder.integrity",
    "autograder.protocol",
    "autograder.specs",
    "autograder.values",
)
NUMPY_SUBMODULES = ("random", "linalg", "fft", "lib", "ma", "polynomial")
# np.save and json.dumps hand the work to these modules' functions, which a
# cell could replace as easily as np.save itself.
LIBRARY_MODULES = (
    "builtins",
    "numpy",
    "numpy.lib.format",
    "numpy.lib._format_impl",
    "numpy.lib._npyio_impl",
    "json",
    "json.encoder",
    "io",
    "socket",
    "struct",
    "select",
)


def _keras_classes() -> list[type]:
    import keras
    import tensorflow as tf

    classes: list[type] = [
        keras.layers.Layer,
        keras.layers.Dense,
        keras.layers.Conv2D,
        keras.Model,
        keras.Sequential,
        keras.Variable,
        tf.Variable,
    ]
    try:
        from keras.src.backend.tensorflow.core import Variable as BackendVariable

        classes.append(BackendVariable)
    except ImportError:  # another backend: its variables subclass keras.Variable
        pass
    for klass in list(classes):
        classes += [
            base for base in klass.__mro__ if base.__module__.startswith("keras")
        ]
    return list(dict.fromkeys(classes))


class Snapshot:
    """The namespaces a reply depends on, as they were before student code ran."""

    def __init__(self) -> None:
        import numpy

        for submodule in NUMPY_SUBMODULES:
            getattr(numpy, submodule)
        names = HARNESS_MODULES + LIBRARY_MODULES + ("keras", "keras.ops", "tensorflow")
        self.modules = {
            name: sys.modules[name] for name in names if name in sys.modules
        }
        # A module's namespace is the same dict object for its whole life, so it
        # is kept here and never looked up again through `vars`.
        self.dicts: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for module in self.modules.values():
            self.dicts.append((vars(module), dict(vars(module))))
        self.classes = [(klass, dict(vars(klass))) for klass in _keras_classes()]
        self.codes = [
            (function, function.__code__)
            for module_name in HARNESS_MODULES
            if module_name in self.modules
            for function in _functions(self.modules[module_name])
        ]

    def restore(self) -> None:
        """Puts every recorded namespace back; returns nothing, raises nothing.

        Module namespaces come first, with dict operations only: until then a
        patched `vars`, `setattr` or `isinstance`, or a patched function of this
        module, would run in place of the real one.
        """
        for live, saved in self.dicts:
            for name, value in saved.items():
                if name not in live or live[name] is not value:
                    live[name] = value
        for name, module in self.modules.items():
            sys.modules[name] = module
        for klass, saved in self.classes:
            _restore_mapping(klass, saved)
        for function, code in self.codes:
            if function.__code__ is not code:
                function.__code__ = code


def _functions(module: types.ModuleType) -> list[types.FunctionType]:
    found = []
    for value in vars(module).values():
        if (
            isinstance(value, types.FunctionType)
            and value.__module__ == module.__name__
        ):
            found.append(value)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            found += [
                v for v in vars(value).values() if isinstance(v, types.FunctionType)
            ]
    return found


def _restore_mapping(owner: Any, saved: dict[str, Any]) -> None:
    """Restores a class's changed names and removes the names added since.

    Names added to a module are left alone (see `Snapshot.restore`): packages
    such as NumPy attach submodules lazily, and removing one would break the
    next import of it. Submodules a patch could shadow are loaded before the
    snapshot instead.
    """
    current = vars(owner)
    for name in [name for name in current if name not in saved]:
        try:
            delattr(owner, name)
        except (AttributeError, TypeError):
            pass
    for name, value in saved.items():
        if current.get(name, _MISSING) is not value:
            try:
                setattr(owner, name, value)
            except (AttributeError, TypeError):
                pass


_MISSING = object()
