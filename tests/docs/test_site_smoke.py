"""Smoke test of the built site in headless Chromium (issue 6 §4).

Each main page loads with no console error, no failed or 4xx/5xx request and no request
leaving 127.0.0.1 (the site is read offline: Mermaid is vendored). The screenshots script
(docs/_tools/screenshots.py) runs against the same build and writes 1280×800 PNGs.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"

# The session fixture builds both languages (about a minute).
pytestmark = pytest.mark.slow

MAIN_PAGES = [
    "index",
    "quickstart",
    "embedding",
    "api",
    "cli",
    "rules",
    "auditor-guide",
    "documents",
    "lifecycle",  # Mermaid diagrams
    "hooks",
    "security",
    "genindex",
    "search",
]


def _load_screenshots() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_docs_screenshots", DOCS / "_tools" / "screenshots.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _network_problems(entries: list[dict[str, Any]], site_url: str) -> list[str]:
    problems = []
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith((site_url, "data:", "blob:")):
                problems.append(f"off-site request {url}")
        elif message["method"] == "Network.responseReceived":
            response = params["response"]
            if response["status"] >= 400:
                problems.append(f"{response['status']} {response['url']}")
        elif message["method"] == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"failed {params.get('errorText')} ({params.get('type')})")
    return problems


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_page_loads_without_console_errors_or_missing_assets(
    browser: Any, site_url: str, built_site: Path, page: str
) -> None:
    assert (built_site / f"{page}.html").is_file(), f"{page}.html was not built"
    browser.get_log("browser")  # drop what earlier pages left
    browser.get_log("performance")
    browser.get(f"{site_url}{page}.html")
    browser.execute_script("return document.fonts.ready")
    if page == "lifecycle":  # Mermaid renders client-side: wait for the SVGs
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 30).until(
            lambda d: d.execute_script(
                "const m = document.querySelectorAll('pre.mermaid, div.mermaid');"
                "return m.length > 0 && Array.from(m).every(e => e.querySelector('svg'));"
            )
        )
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    # Chromium asks every server for /favicon.ico by itself; the site references none.
    errors = [e for e in errors if "/favicon.ico" not in e]
    problems = [p for p in _network_problems(browser.get_log("performance"), site_url)]
    problems = [p for p in problems if not p.endswith("/favicon.ico")]
    assert errors == [], errors
    assert problems == [], problems
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"


def test_screenshots_script_writes_small_1280x800_pngs(
    browser: Any, site_url: str, tmp_path: Path
) -> None:
    screenshots = _load_screenshots()
    written = screenshots.save_screenshots(browser, site_url, tmp_path)
    assert [p.name for p in written] == [f"{name}.png" for _, name in screenshots.PAGES]
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (1280, 800), path.name
        assert len(data) < 600_000, f"{path.name} is {len(data)} bytes"
