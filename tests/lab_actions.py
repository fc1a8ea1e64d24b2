"""What a student does in JupyterLab, as Playwright steps on the real page.

Every step waits on something the page shows (a prompt number, the kernel
status, a dialog) rather than on a clock, so a slow machine makes the test
slower, not flaky.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELLS = f"{NOTEBOOK} .jp-Notebook .jp-Cell"
KERNEL_STATUS = f"{NOTEBOOK} [data-jp-item-name=executionProgress]"
VALIDATE_BUTTON = f"{NOTEBOOK} .jp-Toolbar-item.jp-ToolbarButton:has-text('Validate')"
DIRTY_TAB = ".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"

# True once Run All Cells has finished: no cell waits ("[*]:"), and either
# every code cell has a number or a cell failed, which stops the rest.
RUN_FINISHED = """() => {
  const cells = [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')];
  const prompts = cells.map(
    cell => cell.querySelector('.jp-InputArea-prompt').textContent.trim());
  if (prompts.length === 0 || prompts.some(text => text.includes('*'))) {
    return false;
  }
  const failed = cells.some(cell => cell.querySelector(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'));
  return prompts.every(text => /^\\[\\d+\\]:$/.test(text)) || failed;
}"""


@dataclass
class Verdict:
    """What nbgrader's Validate dialog said: its CSS classes and its text."""

    classes: list[str]
    text: str


def open_notebook(page: Page, url: str, cell_count: int, timeout: float) -> None:
    """Opens a notebook and returns once its cells are drawn and its kernel idles."""
    page.goto(url)
    page.wait_for_function(
        f"() => document.querySelectorAll('{CELLS}').length === {cell_count}",
        timeout=timeout * 1000,
    )
    wait_for_idle_kernel(page, timeout)


def wait_for_idle_kernel(page: Page, timeout: float) -> None:
    page.locator(KERNEL_STATUS).filter(has_text="Kernel status: Idle").wait_for(
        timeout=timeout * 1000
    )


def set_cell_source(page: Page, index: int, source: str) -> None:
    """Replaces a code cell's text the way a student pastes an answer.

    Typing key by key would take minutes and fight the editor's auto-indent;
    selecting everything in the cell and inserting the text in one input event
    goes through the same editor and the same notebook model.
    """
    editor = page.locator(CELLS).nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def run_all_cells(page: Page, timeout: float) -> list[str]:
    """Clicks Run > Run All Cells, waits for the kernel, returns the prompts."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(RUN_FINISHED, timeout=timeout * 1000, polling=500)
    wait_for_idle_kernel(page, timeout)
    return code_cell_prompts(page)


def code_cell_prompts(page: Page) -> list[str]:
    prompts = page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt")
    return [text.strip() for text in prompts.all_text_contents()]


def error_outputs(page: Page) -> list[str]:
    """Returns the text of every error (and stderr) output in the notebook."""
    outputs = page.locator(
        f"{NOTEBOOK} .jp-OutputArea-output"
        "[data-mime-type='application/vnd.jupyter.stderr']"
    )
    return outputs.all_inner_texts()


def save_notebook(page: Page, timeout: float) -> None:
    """Saves with the keyboard shortcut and waits until the tab is clean."""
    page.locator(f"{NOTEBOOK} .jp-Notebook").focus()
    page.keyboard.press("ControlOrMeta+s")
    page.wait_for_function(
        f"() => !document.querySelector('{DIRTY_TAB}')", timeout=timeout * 1000
    )


def validate(page: Page, timeout: float) -> Verdict:
    """Presses nbgrader's Validate button and reads the dialog it opens.

    The button saves the notebook, then the server runs a copy of it from
    disk in a kernel of its own; the dialog shows up only when that is done.
    """
    page.locator(VALIDATE_BUTTON).click()
    message = page.locator(".jp-Dialog #validation-message")
    message.wait_for(timeout=timeout * 1000)
    classes = (message.get_attribute("class") or "").split()
    return Verdict(classes=classes, text=message.inner_text())


def close_dialog(page: Page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def figure_widths(page: Page, timeout: float = 30) -> list[int]:
    """Returns the natural width of every image output, once each has loaded.

    The first figure is scrolled into view so that a screenshot shows it.
    """
    images = page.locator(f"{NOTEBOOK} .jp-OutputArea-output img")
    if images.count() == 0:
        return []
    images.first.scroll_into_view_if_needed()
    selector = f"{NOTEBOOK} .jp-OutputArea-output img"
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{selector}')].every(i => i.complete)",
        timeout=timeout * 1000,
    )
    return images.evaluate_all("images => images.map(image => image.naturalWidth)")
