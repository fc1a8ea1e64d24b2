"""Class-level outputs: `grades.csv` and the terminal table for instructors."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from autograder.results import write_atomically


def function_scores(data: dict[str, Any], functions: list[str]) -> dict[str, float]:
    """Returns a student's score per student function."""
    scores = dict.fromkeys(functions, 0.0)
    for test in data.get("tests", []):
        function = test.get("extra_data", {}).get("function")
        if function in scores:
            scores[function] += float(test.get("score", 0))
    return scores


def write_grades_csv(
    path: Path, rows: dict[str, dict[str, Any]], functions: list[str]
) -> None:
    """Writes one row per student: id, total, maximum and a column per function."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "total", "max_score", *functions])
    for student_id, data in sorted(rows.items()):
        scores = function_scores(data, functions)
        writer.writerow(
            [
                _csv_safe(student_id),
                _number(data.get("score", 0)),
                _number(data.get("max_score", 0)),
                *(_number(scores[name]) for name in functions),
            ]
        )
    write_atomically(path, buffer.getvalue())


def _csv_safe(text: str) -> str:
    """Keeps spreadsheet programs from reading a student id as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _number(value: float) -> str:
    return f"{float(value):g}"


def format_table(rows: dict[str, dict[str, Any]], functions: list[str]) -> str:
    """Returns a plain-text table of students by functions, with totals."""
    maxima = dict.fromkeys(functions, 0.0)
    for data in rows.values():
        for test in data.get("tests", []):
            function = test.get("extra_data", {}).get("function")
            if function in maxima:
                maxima[function] += float(test.get("max_score", 0))
        break
    header = ["student", *functions, "total"]
    lines = [header, ["max", *(_number(maxima[f]) for f in functions), ""]]
    for student_id, data in sorted(rows.items()):
        scores = function_scores(data, functions)
        total = f"{_number(data.get('score', 0))}/{_number(data.get('max_score', 0))}"
        lines.append([student_id, *(_number(scores[f]) for f in functions), total])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    rendered = []
    for index, row in enumerate(lines):
        cells = [row[0].ljust(widths[0])]
        cells += [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        rendered.append("  ".join(cells))
        if index == 1:
            rendered.append("-" * len(rendered[0]))
    return "\n".join(rendered)
