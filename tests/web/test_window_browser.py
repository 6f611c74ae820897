"""The window clerk's pages in headless Chromium (issue 14 item 4; R-035).

The clerk opens the case, prints the notice (print stylesheet: only the notice is
printed), records the applicant's choice, the applicant signs on the signature pad with a
finger (touch pointer events), the clerk attests and the organ seals: a
``WINDOW_HANDWRITTEN`` pledge whose bundle passes ``gaozhi verify``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.server import ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import auditor_trust, check_page, served_matter, verify_cli, wait_for, wait_path


def _clerk_login(driver: Any, served: ServedService) -> None:
    driver.get_log("browser")  # what earlier tests left (their expected 4xx) is not ours
    driver.get(served.base_url + "/window/login")
    driver.find_element(By.ID, "name").send_keys("窗口 王")
    driver.find_element(By.ID, "clerk_id").send_keys("CK0009")
    driver.find_element(By.ID, "login").click()
    wait_path(driver, "/window/")


def _draw_with_a_finger(driver: Any) -> None:
    box = driver.execute_script(
        "const e = document.getElementById('pad'); e.scrollIntoView({block: 'center'});"
        "const r = e.getBoundingClientRect();"
        "return {x: r.left, y: r.top, width: r.width, height: r.height};"
    )
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    actions = ActionBuilder(driver, mouse=finger)
    x0, y0 = int(box["x"] + 30), int(box["y"] + box["height"] / 2)
    actions.pointer_action.move_to_location(x0, y0).pointer_down()
    for i in range(1, 12):
        actions.pointer_action.move_to_location(x0 + 18 * i, y0 + (15 if i % 2 else -15))
    actions.pointer_action.pointer_up()
    actions.perform()


def test_r035_window_handwritten_pledge_is_attested_sealed_and_verifies(
    browser: Any, served: ServedService, event_ca_pki: Any, shots_dir: Path, tmp_path: Path
) -> None:
    app = synthetic_applicant(random.Random(71))
    _clerk_login(browser, served)
    check_page(browser, shots_dir, "window-1-home", ["name", "id_number", "open-notice"])
    browser.find_element(By.ID, "name").send_keys(app.name)
    browser.find_element(By.ID, "id_number").send_keys(app.id_number)
    Select(browser.find_element(By.ID, "matter")).select_by_value(
        served_matter(served, "SZ-GA-HJ-001")
    )
    browser.find_element(By.ID, "open-notice").click()
    wait_for(browser, lambda d: "/window/cases/" in d.current_url)
    case_no = browser.find_element(By.ID, "case-no").text
    check_page(browser, shots_dir, "window-2-notice", ["print", "confirm-choice"])
    # the print stylesheet prints the notice only (no header, buttons or choices)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        rendered = browser.execute_script(
            "return ['.top', '#print', '#confirm-choice', 'fieldset', '.proof dl']"
            ".map(s => document.querySelector(s).getClientRects().length > 0)"
        )
        assert rendered == [False, False, False, False, True], rendered
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    for radio in browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value=PLEDGE]"):
        radio.click()
    browser.find_element(By.ID, "confirm-choice").click()
    wait_path(browser, f"/window/cases/{case_no}/sign")
    check_page(browser, shots_dir, "window-3-pad", ["pad", "pad-clear", "attest", "seal"])
    # an empty pad is refused in the page before anything is sent
    browser.find_element(By.ID, "attest").click()
    browser.find_element(By.ID, "seal").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "pad-error").is_displayed())
    _draw_with_a_finger(browser)
    browser.find_element(By.ID, "seal").click()
    wait_path(browser, f"/window/cases/{case_no}/done", timeout=60)
    check_page(browser, shots_dir, "window-4-done", ["done-digest", "next-case"])
    assert browser.find_element(By.ID, "done-method").get_attribute("data-method") == (
        "WINDOW_HANDWRITTEN"
    )
    # the bundle, read as the auditor gets it from the store, verifies offline
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        case = store.get("case", case_no)
        assert case is not None
        pledge_id = case.doc["pledge_id"]
        blob = store.get_blob(f"pledge/{pledge_id}")
        image = store.get_blob(f"pledge-image/{pledge_id}")
    finally:
        store.close()
    assert blob is not None and image is not None
    assert image.data.startswith(b"\x89PNG")  # the pad's image is kept beside the bundle
    (tmp_path / "window.bundle.json").write_bytes(blob.data)
    report = verify_cli(
        tmp_path / "window.bundle.json", auditor_trust(served, event_ca_pki[0], tmp_path / "t")
    )
    assert report["indication"] == "TOTAL_PASSED"
    assert report["signing_method"]["method"] == "WINDOW_HANDWRITTEN"
    assert report["signing_method"]["verified"] is True
