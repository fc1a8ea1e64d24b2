"""A student's afternoon in a real JupyterLab, then the pages the grader writes.

One story, driven through headless Chromium: open the released notebook,
press Validate before answering (nbgrader lists failures), paste the answer
key into every solution cell, run all cells, save, press Validate again
(success). The notebook JupyterLab saved is then graded by the kit, and the
student's feedback page and the class report are opened in the same browser.
Screenshots of each step land in build/test-artifacts/browser/.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import lab_actions as lab_ui
import pytest
from browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    RequestGuard,
    chromium_context,
    running_lab,
    screenshot,
)
from grading_helpers import ASSIGNMENT, ROOT, add_notebooks, load_results, run_grader

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.browser
logger = logging.getLogger(__name__)
Browser = tuple["BrowserContext", RequestGuard]

NOTEBOOK = "1_initializing_bias.ipynb"
OTHER_NOTEBOOK = "2_bias_in_training.ipynb"
RELEASE = ROOT / "release" / ASSIGNMENT
SOLUTIONS = ROOT / "solutions" / ASSIGNMENT
STEP_TIMEOUT = 120  # seconds for one UI step; a validation runs a whole kernel
VALIDATE_TIMEOUT = 240


@dataclass
class LabStory:
    """What the browser saw while a student worked through the notebook."""

    verdict_before: lab_ui.Verdict
    prompts: list[str]
    errors: list[str]
    figure_widths: list[int]
    verdict_after: lab_ui.Verdict
    saved: dict[str, Any]


def nbgrader_cells(notebook: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (index, cell["metadata"]["nbgrader"])
        for index, cell in enumerate(notebook["cells"])
        if "nbgrader" in cell.get("metadata", {})
    ]


def solution_sources(notebook: dict[str, Any]) -> dict[str, str]:
    """Returns each solution cell's code, keyed by its grade_id."""
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"])
        for cell in notebook["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def read_notebook(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


@contextmanager
def step(name: str) -> Iterator[None]:
    """Logs how long a step took, so a slow run shows where the time went."""
    started = time.monotonic()
    yield
    logger.info("%s: %.1f s", name, time.monotonic() - started)


@pytest.fixture(scope="module")
def browser(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Browser]:
    """Debian's Chromium under Playwright; skipped off CI when it is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        unavailable(f"the playwright package is not installed ({error})")
    if not CHROMIUM.exists():
        unavailable(
            f"no Chromium at {CHROMIUM}; install it with `apt-get install chromium` "
            "or point the CHROMIUM environment variable at a Chromium binary"
        )
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def unavailable(reason: str) -> NoReturn:
    """Skips on a developer's machine; fails in CI, where the browser must run."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lab_story(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> LabStory:
    """Plays the student's part in JupyterLab and records what the page showed."""
    context, _guard = browser
    workspace = tmp_path_factory.mktemp("lab")
    course = workspace / ASSIGNMENT
    shutil.copytree(RELEASE, course)
    release = read_notebook(course / NOTEBOOK)
    answers = solution_sources(read_notebook(SOLUTIONS / NOTEBOOK))

    with running_lab(course, workspace / "jupyter") as lab:
        page = context.new_page()
        with step("open the notebook"):
            url = lab.url(f"lab/tree/{NOTEBOOK}")
            lab_ui.open_notebook(page, url, len(release["cells"]), STEP_TIMEOUT)
        screenshot(page, "01-notebook-open")

        with step("validate before answering"):
            verdict_before = lab_ui.validate(page, VALIDATE_TIMEOUT)
        screenshot(page, "02-validate-before-answers")
        lab_ui.close_dialog(page)

        with step("paste the answers"):
            for index, metadata in nbgrader_cells(release):
                if metadata.get("solution"):
                    lab_ui.set_cell_source(page, index, answers[metadata["grade_id"]])
        screenshot(page, "03-answers-pasted")

        with step("run all cells"):
            prompts = lab_ui.run_all_cells(page, STEP_TIMEOUT)
        errors = lab_ui.error_outputs(page)
        figure_widths = lab_ui.figure_widths(page)
        screenshot(page, "04-all-cells-run")
        with step("save"):
            lab_ui.save_notebook(page, STEP_TIMEOUT)
        saved = read_notebook(course / NOTEBOOK)

        with step("validate after answering"):
            verdict_after = lab_ui.validate(page, VALIDATE_TIMEOUT)
        screenshot(page, "05-validate-after-answers")
        lab_ui.close_dialog(page)
        page.close()

    return LabStory(
        verdict_before, prompts, errors, figure_widths, verdict_after, saved
    )


def test_validate_lists_failures_before_any_answer(lab_story: LabStory) -> None:
    verdict = lab_story.verdict_before

    assert "validation-failed" in verdict.classes, verdict
    assert "The following cell failed:" in verdict.text
    assert "NotImplementedError" in verdict.text


def test_run_all_cells_runs_every_code_cell_without_error(lab_story: LabStory) -> None:
    release = read_notebook(RELEASE / NOTEBOOK)
    code_cells = sum(cell["cell_type"] == "code" for cell in release["cells"])

    assert lab_story.errors == [], "a cell raised or wrote to stderr:\n" + "\n".join(
        lab_story.errors
    )
    assert lab_story.prompts == [f"[{n}]:" for n in range(1, code_cells + 1)]
    assert lab_story.figure_widths, "the notebook's plot cell drew no figure"
    assert all(width > 0 for width in lab_story.figure_widths), lab_story


def test_saved_notebook_holds_the_answer_key(lab_story: LabStory) -> None:
    answers = solution_sources(read_notebook(SOLUTIONS / NOTEBOOK))

    assert solution_sources(lab_story.saved) == answers


def test_validate_passes_once_answered(lab_story: LabStory, browser: Browser) -> None:
    verdict = lab_story.verdict_after

    assert "validation-success" in verdict.classes, verdict
    assert verdict.text.strip() == "Success! Your notebook passes all the tests."
    assert browser[1].refused == [], "the page asked for another host"


def test_graded_feedback_and_report_render(
    lab_story: LabStory, browser: Browser, tmp_path: Path
) -> None:
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    untouched = {
        name: read_notebook(RELEASE / name) for name in (NOTEBOOK, OTHER_NOTEBOOK)
    }
    add_notebooks(submitted, "ada", {**untouched, NOTEBOOK: lab_story.saved})
    add_notebooks(submitted, "bob", untouched)
    with step("grade two submissions"):
        run_grader(submitted, out, "--quiet", timeout=600)
    results = load_results(out, "ada")
    graded_here = {
        metadata["grade_id"]
        for _, metadata in nbgrader_cells(lab_story.saved)
        if metadata.get("grade")
    }
    checks = [t for t in results["tests"] if t["extra_data"]["grade_id"] in graded_here]

    page = browser[0].new_page()
    page.goto((out / "ada" / "feedback.html").as_uri())
    score = page.locator("#score").inner_text()
    passed_rows = page.locator("tr.passed").count()
    screenshot(page, "06-feedback-ada", full_page=True)

    page.goto((out / "report.html").as_uri())
    summary = page.locator("#summary").inner_text()
    images = page.eval_on_selector_all(
        "img", "images => images.map(i => [i.id, i.complete && i.naturalWidth])"
    )
    screenshot(page, "07-class-report", full_page=True)
    page.close()

    # The pages show what results.json holds ...
    bob = load_results(out, "bob")
    passed = sum(t["status"] == "passed" for t in results["tests"])
    assert score == f"Score: {results['score']:g} of {results['max_score']:g} points"
    assert passed_rows == passed
    mean = (results["score"] + bob["score"]) / 2
    assert summary == f"2 students, mean score {mean:.1f}."
    assert sorted(name for name, _ in images) == ["distribution", "pass-rates"]
    assert all(width > 0 for _, width in images), images
    # ... and the notebook saved in JupyterLab earned every point of its checks.
    assert checks, f"results.json holds no check of a grade cell of {NOTEBOOK}"
    failed = [f"{t['name']}: {t['output']}" for t in checks if t["status"] != "passed"]
    assert failed == [], (
        f"the notebook JupyterLab saved failed checks: {failed}; "
        f"problems: {results['extra_data'].get('problems')}"
    )
    assert results["score"] == sum(t["max_score"] for t in checks)
    assert browser[1].refused == [], "a page asked for another host"
