"""The applicant's pages in headless Chromium (issue 14 items 3, 5)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from gaozhi_sdk.testing.server import ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import check_page, wait_for, wait_path


def login(
    driver: Any, served: ServedService, name: str, id_number: str, role: str = "APPLICANT"
) -> None:
    """The emulated platform login (``--dev``)."""
    driver.get_log("browser")  # what earlier tests left (their expected 4xx) is not ours
    driver.get(served.base_url + "/apply/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "id_number").send_keys(id_number)
    driver.find_element(By.CSS_SELECTOR, f"input[name=role][value={role}]").click()
    driver.find_element(By.ID, "login").click()
    wait_path(driver, "/apply/")


def test_pages_up_to_the_pledge_preview(
    browser: Any, web_served: ServedService, shots_dir: Path
) -> None:
    app = synthetic_applicant(random.Random(7))
    browser.get(web_served.base_url + "/apply/login")
    check_page(browser, shots_dir, "apply-1-login", ["name", "id_number", "login"])
    login(browser, web_served, app.name, app.id_number)
    assert app.id_number not in browser.page_source  # masked only
    check_page(browser, shots_dir, "apply-2-home", ["open-case"])
    # the English switch (kept in a cookie), and back to Chinese
    browser.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(browser, lambda d: d.execute_script("return document.documentElement.lang") == "en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Choose a matter"
    check_page(browser, None, "apply-2-home-en", ["open-case"])
    browser.get(web_served.base_url + "/apply/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Choose a matter"  # remembered
    browser.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "选择要办理的事项")
    browser.find_element(By.CSS_SELECTOR, "button[data-matter]").click()
    wait_for(browser, lambda d: "/apply/cases/" in d.current_url)
    case_no = browser.find_element(By.ID, "case-no").text
    check_page(browser, shots_dir, "apply-3-notice", ["confirm-choice"])
    for radio in browser.find_elements(By.CSS_SELECTOR, "input[type=radio][value=PLEDGE]"):
        radio.click()
    browser.find_element(By.ID, "confirm-choice").click()
    wait_path(browser, f"/apply/cases/{case_no}/preview")
    check_page(browser, shots_dir, "apply-4-preview", ["agree", "to-sign"])
