"""Fixtures for the documentation tests: one strict Sphinx build per session, a static
HTTP server on 127.0.0.1 and headless Chromium driven through Selenium.

Sphinx is looked up as ``$GAOZHI_DOCS_PYTHON -m sphinx`` (a Python with the ``docs`` extra,
e.g. the ``tox -e docs`` environment — Sphinx 9.2 needs Python 3.13) or, without that
variable, in the interpreter running the tests. Chromium is ``/usr/bin/chromium`` with
``/usr/bin/chromedriver`` (Debian packages ``chromium`` and ``chromium-driver``), or the
paths in ``$GAOZHI_CHROMIUM`` / ``$GAOZHI_CHROMEDRIVER``. Tests that need either are
skipped only when it is absent; a failing build is a failure, never a skip.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def sphinx_python() -> str | None:
    """The Python that has Sphinx and the docs extensions, or None."""
    configured = os.environ.get("GAOZHI_DOCS_PYTHON")
    if configured:
        return configured if Path(configured).exists() else None
    needed = ("sphinx", "myst_parser", "pydata_sphinx_theme", "sphinxcontrib.mermaid")
    try:
        if all(importlib.util.find_spec(name) for name in needed):
            return sys.executable
    except ModuleNotFoundError:  # "sphinxcontrib" namespace missing
        return None
    return None


def chromium_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) executables, or None when either is missing."""
    browser = os.environ.get("GAOZHI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver = (
        os.environ.get("GAOZHI_CHROMEDRIVER")
        or shutil.which("chromedriver")
        or "/usr/bin/chromedriver"
    )
    if Path(browser).is_file() and Path(driver).is_file():
        return browser, driver
    return None


def build_site(out: Path) -> Path:
    """Build the site with ``-W -n`` as published: zh_CN at ``out``, English at ``out/en``.

    Raises AssertionError with Sphinx's output when either build fails.
    """
    python = sphinx_python()
    assert python is not None
    for target, extra in ((out, []), (out / "en", ["-D", "language=en"])):
        done = subprocess.run(
            [
                python,
                "-m",
                "sphinx",
                "-W",
                "-n",
                "-q",
                "-b",
                "html",
                *extra,
                str(DOCS),
                str(target),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"sphinx-build {extra} failed:\n{done.stdout}\n{done.stderr}")
    return out


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation built once per session (skipped when Sphinx is not installed)."""
    if sphinx_python() is None:
        pytest.skip("Sphinx with the docs extra is not installed (set GAOZHI_DOCS_PYTHON)")
    return build_site(tmp_path_factory.mktemp("docs") / "html")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Base URL (ending in "/") of the built site served on 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (Selenium WebDriver) with browser and network logs enabled.

    Depends on ``built_site`` so that a missing Sphinx skips before Chromium starts.
    """
    paths = chromium_paths()
    if paths is None:
        pytest.skip("chromium / chromedriver not installed (Debian: chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = paths
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()
