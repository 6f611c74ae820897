"""Browser tests of the applicant and window pages against a real ``gaozhi serve``.

The server is a subprocess on 127.0.0.1 (``--dev``: the emulated platform login stands in
for the platform's assertion). Chromium is ``/usr/bin/chromium`` with
``/usr/bin/chromedriver`` (Debian ``chromium``, ``chromium-driver``) or the paths in
``$GAOZHI_CHROMIUM`` / ``$GAOZHI_CHROMEDRIVER``; without them the tests skip — or fail
under ``GAOZHI_REQUIRE_SERVICES=1``. axe-core is vendored in ``vendor/axe-core`` (npm
package, MPL-2.0) and injected into each page.

Every checked page is screenshotted at phone width (375 px) into ``$GAOZHI_WEB_SCREENSHOTS``
when set (``docs/_static/web`` refreshes the pictures in the docs), else into a temporary
folder.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

pytest.importorskip("fastapi")

from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService

VENDOR = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
LIST_ID = "SZ-411222-GZCN-2025"
PHONE, DESKTOP = (375, 812), (1280, 900)
WEB = {"list_id": LIST_ID, "platform_credential": "platform"}
ONLINE_ENTRY = "SZ-GA-HJ-001"
#: the sample list's 最低生活保障 entry: configured to need the applicant's own certificate
STRICT_ENTRY = "SZ-MZ-JZ-001"


def _require_or_skip(reason: str) -> None:
    if os.environ.get("GAOZHI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"GAOZHI_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set GAOZHI_REQUIRE_SERVICES=1 to make this a failure)")


def chromium_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver), or None when either is missing."""
    browser = os.environ.get("GAOZHI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver = (
        os.environ.get("GAOZHI_CHROMEDRIVER")
        or shutil.which("chromedriver")
        or "/usr/bin/chromedriver"
    )
    if Path(browser).is_file() and Path(driver).is_file():
        return browser, driver
    return None


@pytest.fixture(scope="session")
def web_pki() -> TestPKI:
    """The PKI of the served organ seals (real clock)."""
    return TestPKI.create()


@pytest.fixture(scope="module")
def web_served(
    tmp_path_factory: pytest.TempPathFactory, web_pki: TestPKI
) -> Iterator[ServedService]:
    """``gaozhi serve --dev`` with the browser pages on."""
    s = ServedService(tmp_path_factory.mktemp("web"), web_pki, dev=True, web=dict(WEB)).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium at phone width, browser and network logs on."""
    paths = chromium_paths()
    if paths is None:
        _require_or_skip("chromium / chromedriver not installed (Debian: chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _require_or_skip("selenium is not installed")
    assert paths is not None
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=paths[1]), options=options)
    set_width(driver, PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def set_width(driver: Any, size: tuple[int, int]) -> None:
    """Emulate a viewport of ``size`` CSS pixels (mobile for phone widths)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600},
    )


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the phone-width screenshots go."""
    configured = os.environ.get("GAOZHI_WEB_SCREENSHOTS")
    out = Path(configured) if configured else tmp_path_factory.mktemp("web-shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the current page (WCAG 2.x A/AA)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(VENDOR.read_text("utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                'wcag21aa', 'best-practice']}, resultTypes: ['violations']})
           .then(r => done(JSON.stringify(r.violations)))
           .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical',
                                               description: String(e), nodes: []}])));
        """
    )
    return [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]


def layout_problems(driver: Any, key_ids: list[str]) -> list[str]:
    """Horizontal scroll, or a key control missing, hidden or outside the viewport width."""
    problems: list[str] = []
    width = driver.execute_script("return window.innerWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    if scroll > width:
        problems.append(f"horizontal scroll: content {scroll}px > viewport {width}px")
    for key in key_ids:
        box = driver.execute_script(
            """const e = document.getElementById(arguments[0]);
               if (!e) return null;
               const r = e.getBoundingClientRect(), s = getComputedStyle(e);
               return {l: r.left, r: r.right, w: r.width, h: r.height,
                       hidden: s.visibility === 'hidden' || s.display === 'none'};""",
            key,
        )
        if box is None:
            problems.append(f"#{key} missing")
        elif box["hidden"] or box["w"] == 0 or box["h"] == 0:
            problems.append(f"#{key} not visible")
        elif box["l"] < 0 or box["r"] > width + 0.5:
            problems.append(
                f"#{key} outside the viewport ({box['l']:.0f}–{box['r']:.0f} of {width})"
            )
    return problems


def screenshot(driver: Any, path: Path) -> None:
    """A full-page PNG at the current (phone) width, at most 2400 px tall."""
    import base64

    height = min(driver.execute_script("return document.documentElement.scrollHeight"), 2400)
    width = driver.execute_script("return window.innerWidth")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG."""
    w, h = struct.unpack(">II", path.read_bytes()[16:24])
    return int(w), int(h)


def check_page(driver: Any, shots: Path | None, name: str, key_ids: list[str]) -> None:
    """axe (0 serious/critical) and layout at 375 px and 1280 px; a phone screenshot.

    Leaves the browser at phone width.
    """
    here = driver.current_url
    console = [
        e
        for e in driver.get_log("browser")
        if e.get("level") == "SEVERE"
        # an error page's own 4xx status is the page's message, not a broken asset
        and not (e.get("source") == "network" and e["message"].startswith(here + " "))
    ]
    assert not console, f"{name}: console errors {console}"
    for size in (DESKTOP, PHONE):
        set_width(driver, size)
        problems = layout_problems(driver, key_ids)
        assert not problems, f"{name} at {size[0]}px: {problems}"
        bad = axe_violations(driver)
        assert not bad, f"{name} at {size[0]}px: axe " + json.dumps(
            [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad],
            ensure_ascii=False,
        )
    if shots is not None:
        out = shots / f"{name}.png"
        screenshot(driver, out)
        assert png_size(out)[0] == PHONE[0], png_size(out)


def csrf_of(driver: Any) -> str:
    """The page's CSRF token."""
    token = driver.execute_script("return document.querySelector('meta[name=csrf-token]').content")
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    return str(token)


def wait_for(driver: Any, condition: Any, timeout: float = 20) -> Any:
    """Wait until ``condition(driver)`` is truthy (after a click that navigates). An element
    read while the next page replaces the old one is stale: that is "not yet", not a failure."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = WebDriverWait(
        driver,
        timeout,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    )
    return waiting.until(condition)


def wait_path(driver: Any, suffix: str, timeout: float = 20) -> None:
    """Wait until the page's URL path ends with ``suffix`` and the document is loaded."""
    try:
        wait_for(
            driver,
            lambda d: (
                d.current_url.split("?")[0].endswith(suffix)
                and d.execute_script("return document.readyState") == "complete"
            ),
            timeout,
        )
    except Exception as exc:
        main = driver.execute_script("return document.body ? document.body.innerText : ''")
        raise AssertionError(
            f"expected …{suffix}, at {driver.current_url}:\n{main[:1500]}"
        ) from exc


@pytest.fixture(scope="module")
def event_ca_pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestPKI, Path]:
    """The emulated event CA's PKI, saved where the server loads it."""
    pki = TestPKI.create(name="gaozhi-sdk 测试事件证书 CA")
    folder = tmp_path_factory.mktemp("event-ca")
    pki.save(folder)
    return pki, folder


@pytest.fixture(scope="module")
def local_tsa() -> Iterator[Any]:
    """An RFC 3161 time-stamping service on 127.0.0.1 (event-certificate pledges need one)."""
    from gaozhi_sdk.testing.tsa import LocalTSA

    tsa = LocalTSA.create()
    tsa.start()
    try:
        yield tsa
    finally:
        tsa.stop()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    web_pki: TestPKI,
    event_ca_pki: tuple[TestPKI, Path],
    local_tsa: Any,
) -> Iterator[ServedService]:
    """``gaozhi serve --dev`` with the pages, the signing emulators, a TSA and a minimum
    signing method for :data:`STRICT_ENTRY`."""
    work = tmp_path_factory.mktemp("sign")
    rules = work / "rules.yaml"
    rules.write_text(
        f"signing_method_minimums:\n  - entry_id: {STRICT_ENTRY}\n    minimum: CERTIFICATE\n",
        "utf-8",
    )
    tsa_root = local_tsa.write_trust(work)
    s = ServedService(
        work,
        web_pki,
        dev=True,
        web={**WEB, "emulated_signing_ca": str(event_ca_pki[1])},
        extra_config={
            "rules": str(rules),
            "tsa_url": local_tsa.url,
            "tsa_anchors": [str(tsa_root)],
        },
    ).start()
    try:
        yield s
    finally:
        s.stop()


def auditor_trust(served: ServedService, event_ca: TestPKI, at: Path) -> Path:
    """The auditor's trust folder: the served roots, the event CA under ``event-ca/`` and
    the TSA root under ``tsa/`` (the layout ``gaozhi verify --trust`` reads)."""
    shutil.copytree(served.workdir / "trust", at)
    for sub, pem in (
        ("event-ca", event_ca.root_certificate.public_bytes(serialization.Encoding.PEM)),
        ("tsa", (served.workdir / "tsa-root.pem").read_bytes()),
    ):
        (at / sub).mkdir(exist_ok=True)
        (at / sub / f"{sub}-root.pem").write_bytes(pem)
    return at


def served_matter(served: ServedService, entry: str) -> str:
    """The matter code of a sample-list entry."""
    from gaozhi_sdk.rules import load_list
    from gaozhi_sdk.testing.sandbox import sample_list_text

    clist = load_list(sample_list_text())
    return next(e.matter_code for e in clist.entries if e.entry_id == entry)


def verify_cli(bundle: Path, trust: Path) -> dict[str, Any]:
    """``gaozhi verify --json``: exit code 0 and the bundle's report."""
    out = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "verify", str(bundle), "--trust", str(trust),
         "--json"],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    [entry] = json.loads(out.stdout)
    return dict(entry["report"])


def openssl_verifies(bundle: dict[str, Any], work: Path) -> str:
    """``openssl dgst -sha256 -verify`` over the PAE bytes with the leaf certificate's key."""
    env = bundle["dsseEnvelope"]
    ptype = env["payloadType"].encode()
    body = base64.b64decode(env["payload"])
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body)
    (work / "pae.bin").write_bytes(pae)
    sig = base64.b64decode(env["signatures"][0]["sig"])
    if len(sig) == 64:  # raw r‖s → DER for openssl
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        sig = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    (work / "sig.der").write_bytes(sig)
    leaf = x509.load_der_x509_certificate(
        base64.b64decode(bundle["verificationMaterial"]["signers"][0]["x509CertificateChain"][0])
    )
    (work / "pub.pem").write_bytes(
        leaf.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "pae.bin"],
        cwd=work, check=False, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()
