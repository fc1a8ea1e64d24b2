"""A private JupyterLab server and a headless Chromium for the browser test.

Both run on this machine only: the server binds 127.0.0.1 and the browser is
refused every request that leaves the loopback interface, so the test means
the same thing on a laptop, in CI, or on a machine with no network at all.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import psutil

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    # Belt and braces with the request filter: no host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Settings a student never sees but that would put a toast over the notebook
# toolbar, or ask JupyterLab to fetch news from the internet.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class LabServer:
    """A running `jupyter-lab` process and how to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    root_dir: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        """Returns a URL that logs the browser in with the token."""
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    def log_tail(self, characters: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]


@dataclass
class RequestGuard:
    """Aborts every browser request that would leave this machine, and lists them."""

    refused: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "blob") or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_environment(home: Path) -> dict[str, str]:
    """Returns an environment whose Jupyter config, data and runtime are fresh.

    The developer's own settings, workspaces and kernels must not change what
    the test sees; the virtual environment's config (which enables nbgrader's
    server extensions) still applies, as it does for a student.
    """
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    settings = folders["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings"
    for name, values in LAB_USER_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    environment = {key: value for key, value in os.environ.items()}
    environment.update({key: str(value) for key, value in folders.items()})
    environment["TF_CPP_MIN_LOG_LEVEL"] = "3"
    environment["PYTHONHASHSEED"] = "0"
    return environment


def lab_command(port: int, token: str, root_dir: Path) -> list[str]:
    executable = Path(sys.executable).with_name("jupyter-lab")
    launcher = (
        [str(executable)]
        if executable.exists()
        else [sys.executable, "-m", "jupyterlab"]
    )
    return [
        *launcher,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LanguageServerManager.autodetect=False",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]


@contextmanager
def running_lab(
    root_dir: Path, home: Path, timeout: float = 120
) -> Iterator[LabServer]:
    """Yields a JupyterLab serving `root_dir`; stops it and its kernels after."""
    port, token = free_port(), secrets.token_hex(16)
    environment = lab_environment(home)
    log_path = home / "jupyter-lab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            lab_command(port, token, root_dir),
            cwd=root_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LabServer(process, port, token, root_dir, log_path)
    started = time.monotonic()
    try:
        wait_until_serving(server, timeout)
        logger.info("JupyterLab served after %.1f s", time.monotonic() - started)
        yield server
    finally:
        stop_with_children(process)


def wait_until_serving(server: LabServer, timeout: float) -> None:
    """Returns once the server answers its status API; raises with its log if not."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{server.base_url}/api/status",
        headers={"Authorization": f"token {server.token}"},
    )
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"jupyter-lab exited with {server.process.returncode} before it "
                f"served; its log ends with:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise TimeoutError(
        f"jupyter-lab did not answer on port {server.port} within {timeout:.0f} s; "
        f"its log ends with:\n{server.log_tail()}"
    )


def stop_with_children(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Stops a process and everything it started, politely first.

    The server shuts its kernels down on SIGTERM; the kernels run in sessions
    of their own, so they are listed before the server goes and any that
    outlive it are ended by their own process id.
    """
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)
    _gone, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


@contextmanager
def chromium_context(
    profile_dir: Path,
) -> Iterator[tuple[BrowserContext, RequestGuard]]:
    """Yields a Playwright browser context on Debian's Chromium and its guard.

    Playwright's own browser downloads are never used: the test drives the
    Chromium that the system package manager installed.
    """
    from playwright.sync_api import sync_playwright

    guard = RequestGuard()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            context.route("**/*", guard.handle)
            yield context, guard
        finally:
            context.close()


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    """Saves a PNG of the page under build/test-artifacts/browser/ and returns it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
