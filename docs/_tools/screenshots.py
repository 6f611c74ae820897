"""Take screenshots of the built documentation site (headless Chromium, 1280×800 PNG).

Usage (from the repository root, with the docs extra and Selenium installed and the Debian
packages ``chromium`` and ``chromium-driver``)::

    python docs/_tools/screenshots.py                 # build, then write docs/_static/screenshots
    python docs/_tools/screenshots.py --site DIR      # use an existing HTML build
    python docs/_tools/screenshots.py --out DIR       # write the PNGs elsewhere

The script does not depend on CI: it builds the site with ``python -m sphinx`` into a
temporary directory unless ``--site`` is given, serves it on 127.0.0.1 and saves one PNG per
page. ``tests/docs/test_site_smoke.py`` calls :func:`save_screenshots` with its own browser.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1280, 800

#: Pages shown in the docs' screenshots: (page without ".html", PNG name).
PAGES: tuple[tuple[str, str], ...] = (
    ("index", "index"),
    ("quickstart", "quickstart"),
    ("auditor-guide", "auditor-guide"),
    ("documents", "documents"),
    ("rules", "rules"),
    ("search", "search"),
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1; yield the base URL (ending in "/")."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_driver(profile: Path, chromium: str, chromedriver: str) -> Any:
    """Headless Chromium (Selenium) with the flags this offline machine needs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

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
        f"--window-size={WIDTH},{HEIGHT}",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


def save_screenshots(
    driver: Any, base_url: str, out: Path, pages: Sequence[tuple[str, str]] = PAGES
) -> list[Path]:
    """Load each page and save a WIDTH×HEIGHT PNG of its viewport to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(WIDTH, HEIGHT)
    # The window size includes no browser chrome in headless mode; fix the viewport exactly.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    written = []
    try:
        for page, name in pages:
            url = base_url + page + ".html" + ("?q=承诺书" if page == "search" else "")
            driver.get(url)
            driver.execute_script("return document.fonts.ready")
            if page == "search":  # wait until the results are listed
                from selenium.webdriver.support.ui import WebDriverWait

                WebDriverWait(driver, 30).until(
                    lambda d: d.execute_script(
                        "const s = document.querySelector('#search-results .search-summary');"
                        "return s !== null && s.textContent.trim() !== '';"
                    )
                )
            path = out / f"{name}.png"
            path.write_bytes(driver.get_screenshot_as_png())
            written.append(path)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an existing HTML build (default: build one)")
    parser.add_argument("--out", type=Path, default=DOCS / "_static" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "html"
            subprocess.run(
                [sys.executable, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", DOCS, site],
                check=True,
            )
        driver = make_driver(Path(tmp) / "profile", args.chromium, args.chromedriver)
        try:
            with serve(site) as base_url:
                for path in save_screenshots(driver, base_url, args.out):
                    print(path)
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
