"""The HTML feedback page a student gets back.

Everything on the page that came from a submission (ids, messages, exception
text) is escaped, and the page carries a Content-Security-Policy that forbids
scripts, so opening it is safe whatever the submission held. Check names and
messages are the learner-facing ones; the checks' code never appears.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; }
.passed { color: #176317; } .failed { color: #a31515; }
.note { background: #fff6db; padding: .6rem; border-left: 4px solid #e0b000; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
"""


POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def render(data: dict[str, Any], assignment: str) -> str:
    """Returns the feedback page for one student's `results.json` data."""
    extra = data.get("extra_data", {})
    student_id = str(extra.get("student_id", ""))
    rows = "\n".join(_test_row(test) for test in data.get("tests", []))
    notes = "".join(
        f'<p class="note">{escape(str(problem))}</p>'
        for problem in extra.get("problems", [])
    )
    cell_errors = "".join(_cell_error(error) for error in extra.get("cell_errors", []))
    errors_section = (
        f"<h2>Cells that raised an error</h2><ul>{cell_errors}</ul>"
        if cell_errors
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<title>Feedback: {escape(assignment)}, {escape(student_id)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(assignment)}: feedback for {escape(student_id)}</h1>
<p id="score">Score: <strong>{_number(data.get("score", 0))}</strong>
of {_number(data.get("max_score", 0))} points</p>
{notes}
<table>
<thead><tr><th>Check</th><th>Points</th><th>Result</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{errors_section}
</body>
</html>
"""


def _cell_error(error: dict[str, Any]) -> str:
    where = f"{error.get('notebook', '')}, {error.get('cell', '')}"
    trace = str(error.get("traceback", ""))
    trace_block = f"<pre>{escape(trace)}</pre>" if trace else ""
    return (
        f"<li>{escape(where)}: <code>{escape(str(error.get('error', '')))}</code>"
        f"{trace_block}</li>"
    )


def _test_row(test: dict[str, Any]) -> str:
    status = "passed" if test.get("status") == "passed" else "failed"
    output = str(test.get("output", ""))
    detail = f"<br><span>{escape(output)}</span>" if output else ""
    return (
        f'<tr class="{status}"><td>{escape(str(test.get("name", "")))}</td>'
        f"<td>{_number(test.get('score', 0))} / {_number(test.get('max_score'))}</td>"
        f"<td>{status}{detail}</td></tr>"
    )


def _number(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "0"
