"""The nbgrader regions of a cell's source: solutions and hidden tests.

nbgrader marks the answer inside a solution cell with `### BEGIN SOLUTION` and
`### END SOLUTION`, and the grader's part of a test cell with
`### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`.
"""

from __future__ import annotations

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "### END HIDDEN TESTS"


def regions(source: str, begin: str, end: str) -> list[str]:
    """Returns the text between each `begin` and `end` marker line.

    Raises:
        ValueError: a marker is unmatched, which nbgrader would reject too.
    """
    found: list[str] = []
    current: list[str] | None = None
    for line in source.splitlines():
        marker = line.strip()
        if marker == begin:
            if current is not None:
                raise ValueError(f"{begin!r} inside another {begin!r} region")
            current = []
        elif marker == end:
            if current is None:
                raise ValueError(f"{end!r} without a {begin!r} before it")
            found.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        raise ValueError(f"{begin!r} without a closing {end!r}")
    return found


def solution_regions(source: str) -> list[str]:
    """Returns the answers a solution cell's source holds."""
    return regions(source, BEGIN_SOLUTION, END_SOLUTION)


def hidden_test_regions(source: str) -> list[str]:
    """Returns the hidden tests a grade cell's source holds."""
    return regions(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)


def without_solution_markers(source: str) -> str:
    """Returns the source with the solution marker lines dropped, answer kept."""
    kept = [
        line
        for line in source.splitlines()
        if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION)
    ]
    return "\n".join(kept)
