"""The class report: where the class stands and which idea it missed.

Two plots say more than the table: the distribution of total scores, and the
pass rate of every check, sorted so the check most students failed comes
first. The plots are embedded as PNG data, so the page is one file that can be
mailed or archived, and it needs no script to render.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from autograder.feedback import POLICY, STYLE

REPORT_POLICY = POLICY + "; img-src data:"


def pass_rates(rows: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
    """Returns (check name, share of students who passed), lowest rate first."""
    passed: dict[str, int] = {}
    for data in rows.values():
        for test in data.get("tests", []):
            name = str(test.get("name", ""))
            passed[name] = passed.get(name, 0) + (test.get("status") == "passed")
    count = max(len(rows), 1)
    return sorted(((name, hits / count) for name, hits in passed.items()), key=_by_rate)


def _by_rate(item: tuple[str, float]) -> tuple[float, str]:
    return item[1], item[0]


def _figure_png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(rows: dict[str, dict[str, Any]]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [float(data.get("score", 0)) for data in rows.values()]
    maximum = max((float(d.get("max_score", 0)) for d in rows.values()), default=1.0)
    figure, axes = plt.subplots(figsize=(7, 3))
    axes.hist(totals, bins=min(20, max(int(maximum), 1)), range=(0, maximum))
    axes.set_xlabel("total score")
    axes.set_ylabel("students")
    axes.set_title("Score distribution")
    distribution = _figure_png(figure)
    plt.close(figure)

    rates = pass_rates(rows)
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(rates) + 1))
    axes.barh([name for name, _ in rates], [rate * 100 for _, rate in rates])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("students who passed (%)")
    axes.set_title("Pass rate of each check")
    checks = _figure_png(figure)
    plt.close(figure)
    return distribution, checks


def render(rows: dict[str, dict[str, Any]], assignment: str, table: str) -> str:
    """Returns the class report page for all students' results."""
    distribution, checks = _plots(rows)
    totals = [float(data.get("score", 0)) for data in rows.values()]
    mean = sum(totals) / len(totals) if totals else 0.0
    hardest = pass_rates(rows)[:3]
    hardest_items = "".join(
        f"<li>{escape(name)}: {rate:.0%} passed</li>" for name, rate in hardest
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{REPORT_POLICY}">
<title>Class report: {escape(assignment)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Class report: {escape(assignment)}</h1>
<p id="summary">{len(rows)} students, mean score {mean:.1f}.</p>
<h2>Checks the class found hardest</h2>
<ul id="hardest">{hardest_items}</ul>
<img id="distribution" alt="Histogram of total scores"
     src="data:image/png;base64,{distribution}">
<img id="pass-rates" alt="Pass rate of each check"
     src="data:image/png;base64,{checks}">
<h2>Scores</h2>
<pre>{escape(table)}</pre>
</body>
</html>
"""
