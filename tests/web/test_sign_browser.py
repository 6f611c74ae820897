"""Signing in the browser against a real ``gaozhi serve`` (issue 14 items 3, 5; R-035).

The server runs with ``--dev`` and ``web.emulated_signing_ca``: the emulated identity
provider and an emulated event CA (its PKI saved by the test, so the test knows the root
the auditor trusts). Chromium makes the P-256 key with WebCrypto (non-extractable), proves
possession to the CA, signs the PAE bytes and submits raw r‖s; the server assembles the
bundle. The bundle is then checked offline twice: ``gaozhi verify`` and
``openssl dgst -sha256 -verify`` over the PAE bytes.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import (
    LIST_ID,
    ONLINE_ENTRY,
    STRICT_ENTRY,
    auditor_trust,
    check_page,
    openssl_verifies,
    served_matter,
    verify_cli,
    wait_for,
    wait_path,
)
from .test_apply_browser import login


def _start(driver: Any, served: ServedService, entry: str = ONLINE_ENTRY) -> str:
    """From the home page: open the matter of ``entry``, pledge every proof, agree."""
    matter = served_matter(served, entry)
    driver.find_element(By.CSS_SELECTOR, f"button[data-matter='{matter}']").click()
    wait_for(driver, lambda d: "/apply/cases/" in d.current_url)
    case_no = str(driver.find_element(By.ID, "case-no").text)
    _choose_and_agree(driver, case_no)
    return case_no


def _choose_and_agree(driver: Any, case_no: str) -> None:
    for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio][value=PLEDGE]"):
        radio.click()
    driver.find_element(By.ID, "confirm-choice").click()
    wait_path(driver, f"/apply/cases/{case_no}/preview")
    driver.find_element(By.ID, "agree").click()
    driver.find_element(By.ID, "to-sign").click()
    wait_path(driver, f"/apply/cases/{case_no}/sign")


def _assert_still_unsigned(driver: Any, served: ServedService, case_no: str) -> None:
    """Nothing was stored by a refused signature: the case still waits for the pledge."""
    driver.get(f"{served.base_url}/apply/cases/{case_no}/receipt")
    status = driver.find_element(By.ID, "receipt-status").get_attribute("data-status")
    assert status == "NOTICE_ISSUED"


def _page_error_code(driver: Any) -> str:
    """The GZ code the signing page shows (waits for it)."""
    return str(
        wait_for(
            driver,
            lambda d: d.find_element(By.ID, "sign-error").get_attribute("data-code") or None,
            timeout=60,
        )
    )


def _sign_in_browser(driver: Any, method: str = "FACE_RECOGNITION") -> None:
    Select(driver.find_element(By.ID, "auth-method")).select_by_value(method)
    driver.find_element(By.ID, "sign-start").click()


def _bundle(driver: Any, served: ServedService, case_no: str, out: Path) -> dict[str, Any]:
    cookie = driver.get_cookie("gz_apply")["value"]
    r = requests.get(
        f"{served.base_url}/apply/cases/{case_no}/bundle",
        cookies={"gz_apply": cookie},
        timeout=10,
    )
    assert r.status_code == 200, r.text[:300]
    out.write_bytes(r.content)
    return dict(r.json())


def test_r035_whole_applicant_flow_signed_in_the_browser_verifies_offline(
    browser: Any, served: ServedService, event_ca_pki: Any, shots_dir: Path, tmp_path: Path
) -> None:
    """Notice → choice → preview → real-name authentication → WebCrypto key → event
    certificate → signature → receipt; the bundle passes gaozhi verify and openssl."""
    app = synthetic_applicant(random.Random(31))
    login(browser, served, app.name, app.id_number)
    case_no = _start(browser, served)
    check_page(browser, shots_dir, "apply-5-sign", ["auth-method", "sign-start"])
    _sign_in_browser(browser)
    wait_path(browser, f"/apply/cases/{case_no}/receipt", timeout=60)
    check_page(browser, shots_dir, "apply-6-receipt", ["receipt-digest", "download"])
    method = browser.find_element(By.ID, "receipt-method").get_attribute("data-method")
    assert method == "EVENT_CERTIFICATE"
    digest = browser.find_element(By.ID, "receipt-digest").text
    assert browser.find_element(By.ID, "receipt-status").get_attribute("data-status") == "PLEDGED"

    bundle = _bundle(browser, served, case_no, tmp_path / "pledge.bundle.json")
    payload = base64.b64decode(bundle["dsseEnvelope"]["payload"])
    import hashlib

    assert hashlib.sha256(payload).hexdigest() == digest  # the receipt's digest is the pledge's
    pledge = json.loads(payload)
    assert pledge["case_no"] == case_no and pledge["organ_uscc"] == OWNER_USCC
    chain = [
        x509.load_der_x509_certificate(base64.b64decode(c))
        for c in bundle["verificationMaterial"]["signers"][0]["x509CertificateChain"]
    ]
    assert chain[0].not_valid_after_utc - chain[0].not_valid_before_utc <= timedelta(minutes=10)
    assert chain[-1].issuer == event_ca_pki[0].root_certificate.subject  # the event CA's
    trust = auditor_trust(served, event_ca_pki[0], tmp_path / "trust")
    report = verify_cli(tmp_path / "pledge.bundle.json", trust)
    assert report["indication"] == "TOTAL_PASSED"
    assert report["signing_method"]["method"] == "EVENT_CERTIFICATE"
    assert report["signing_method"]["verified"] is True
    assert openssl_verifies(bundle, tmp_path) == "Verified OK"
    # the applicant withdraws before the conclusion
    browser.find_element(By.ID, "to-withdraw").click()
    wait_path(browser, f"/apply/cases/{case_no}/withdraw")
    check_page(browser, shots_dir, "apply-7-withdraw", ["reason", "withdraw"])
    browser.find_element(By.ID, "reason").send_keys("情况有变, 改为提交证明材料")
    browser.find_element(By.ID, "withdraw").click()
    wait_path(browser, f"/apply/cases/{case_no}/receipt")
    assert browser.find_element(By.ID, "receipt-status").get_attribute("data-status") == "WITHDRAWN"
    assert not browser.find_elements(By.ID, "to-withdraw")


_TAMPER = """
const [caseNo, mode] = [arguments[0], arguments[1]];
const done = arguments[arguments.length - 1];
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const b64 = b => btoa(String.fromCharCode(...new Uint8Array(b)));
const unb64 = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
const call = (step, body) => fetch(`/apply/api/cases/${caseNo}/${step}`, {method: 'POST',
  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
  body: JSON.stringify(body)}).then(async r => ({status: r.status, doc: await r.json()}));
const ECDSA = {name: 'ECDSA', hash: 'SHA-256'};
const P256 = {name: 'ECDSA', namedCurve: 'P-256'};
(async () => {
  await call('authenticate', {method: 'FACE_RECOGNITION'});
  await call('authenticate/finish', {});
  const keys = await crypto.subtle.generateKey(P256, false, ['sign']);
  const spki = b64(await crypto.subtle.exportKey('spki', keys.publicKey));
  const ch = await call('challenge', {});
  const pop = await crypto.subtle.sign(ECDSA, keys.privateKey, unb64(ch.doc.challenge));
  const cert = await call('certificate', {public_key: spki, challenge_signature: b64(pop)});
  const dts = await call('data-to-sign', {});
  const pae = unb64(dts.doc.pae);
  let signer = keys.privateKey;
  if (mode === 'bytes') { pae[pae.length - 2] ^= 1; }
  if (mode === 'key') {
    signer = (await crypto.subtle.generateKey(P256, false, ['sign'])).privateKey;
  }
  const sig = b64(await crypto.subtle.sign(ECDSA, signer, pae));
  const sent = await call('signature', {session_id: dts.doc.session_id, signature: sig});
  const again = await call('signature', {session_id: dts.doc.session_id, signature: sig});
  done(JSON.stringify({cert: cert.status, sent, again}));
})().catch(e => done(JSON.stringify({error: String(e)})));
"""


@pytest.mark.parametrize("mode", ["bytes", "key"])
def test_r035_tampered_submission_is_refused_and_nothing_is_stored(
    browser: Any, served: ServedService, mode: str
) -> None:
    """Other bytes signed, or a key the event certificate does not certify: GZ-SG-020."""
    app = synthetic_applicant(random.Random(40 + len(mode)))
    login(browser, served, app.name, app.id_number)
    case_no = _start(browser, served)
    browser.set_script_timeout(60)
    result = json.loads(browser.execute_async_script(_TAMPER, case_no, mode))
    assert "error" not in result, result
    assert result["cert"] == 200
    assert result["sent"]["status"] == 422 and result["sent"]["doc"]["code"] == "GZ-SG-020"
    assert result["again"]["doc"]["code"] in ("GZ-SG-020", "GZ-WF-020")
    _assert_still_unsigned(browser, served, case_no)


def test_r035_below_minimum_method_is_refused_with_its_code(
    browser: Any, served: ServedService
) -> None:
    """The entry requires the applicant's own certificate: an event certificate is refused
    (GZ-RL-222) and the page says so."""
    app = synthetic_applicant(random.Random(51))
    login(browser, served, app.name, app.id_number)
    case_no = _start(browser, served, STRICT_ENTRY)
    _sign_in_browser(browser)
    assert _page_error_code(browser) == "GZ-RL-222"
    _assert_still_unsigned(browser, served, case_no)


def test_r035_wrong_sms_code_fails_the_authentication_in_the_page(
    browser: Any, served: ServedService
) -> None:
    app = synthetic_applicant(random.Random(52))
    login(browser, served, app.name, app.id_number)
    _start(browser, served)
    _sign_in_browser(browser, "SMS_CODE")
    wait_for(browser, lambda d: d.find_element(By.ID, "sms-code").is_displayed())
    browser.find_element(By.ID, "sms-code").send_keys("000000x")
    browser.find_element(By.ID, "code-submit").click()
    assert _page_error_code(browser) == "GZ-SG-088"
    assert browser.find_element(By.ID, "s_auth").get_attribute("data-state") == "failed"


def _open_at_the_window(served: ServedService, owner: Any) -> str:
    r = served.client("clerk").post(
        "/v1/notices",
        {
            "list_id": LIST_ID,
            "entry_ids": [ONLINE_ENTRY],
            "applicant": owner.model_dump(mode="json"),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_no"])


def test_r024_proxy_with_a_typed_authorisation_only_is_refused_before_the_case_opens(
    browser: Any, served: ServedService, event_ca_pki: Any, shots_dir: Path, tmp_path: Path
) -> None:
    """The applicant's case is opened at the window; the proxy logs in and types in the
    special authorisation from paper. It is refused before its content is checked (whose
    reasons would name the applicant): typed-in terms are only the proxy's own claim; the
    case opens to a proxy only with the special authorisation the applicant signed
    (AuthorizationGrant, signed on the applicant's pages, see the next test). The refusal
    names why (GZ-AU-011); the case stays closed to the proxy and nothing is recorded."""
    owner = synthetic_applicant(random.Random(61))
    proxy = synthetic_applicant(random.Random(62))
    case_no = _open_at_the_window(served, owner)
    login(browser, served, proxy.name, proxy.id_number, role="PROXY")
    browser.get(f"{served.base_url}/apply/open?case_no={case_no}")
    wait_path(browser, f"/apply/cases/{case_no}/authorisation")
    check_page(browser, shots_dir, "apply-8-authorisation", ["grantor_id", "auth-submit"])

    def authorise(express: bool) -> None:
        browser.get(f"{served.base_url}/apply/cases/{case_no}/authorisation")
        browser.find_element(By.ID, "grantor_id").send_keys(owner.id_number)
        browser.find_element(By.ID, "authorization_id").send_keys("SQ-2026-0001")
        browser.execute_script(
            "document.getElementById('valid_to').value = arguments[0]", "2099-12-31"
        )
        browser.find_element(By.ID, "document_ref").send_keys("档案 A-17")
        if express:
            browser.find_element(By.ID, "express").click()
        browser.find_element(By.ID, "auth-submit").click()

    for express in (False, True):  # a general power of attorney or an express one alike
        authorise(express=express)
        wait_for(browser, lambda d: "GZ-AU-011" in d.find_element(By.TAG_NAME, "main").text)
        text = browser.find_element(By.TAG_NAME, "main").text
        assert "特别授权书" in text and "R-024" in text
        # refused before its content is checked: the answer names no one (an outsider
        # must not learn the applicant's identifier by guessing the grantor)
        assert mask_identifier(owner.id_number) not in text and "GZ-RL-" not in text
    check_page(browser, shots_dir, "apply-9-refused", ["back"])
    browser.get(f"{served.base_url}/apply/cases/{case_no}")
    wait_path(browser, f"/apply/cases/{case_no}/authorisation")  # still closed to it
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    assert case["status"] == "NOTICE_ISSUED" and not case["choices"], case


def test_r024_applicant_signs_the_authorisation_in_the_browser_and_the_proxy_pledge_verifies(
    browser: Any, served: ServedService, event_ca_pki: Any, shots_dir: Path, tmp_path: Path
) -> None:
    """The applicant (grantor) logs in, names the proxy and the authorisation's terms,
    authenticates (emulated identity provider), gets an event certificate for a WebCrypto
    P-256 key and signs the special authorisation in the browser. The proxy then logs in as
    itself, presents that authorisation by the grantor's ID and its number, reads, chooses
    and signs with its own event certificate: the pledge is stored, and ``gaozhi verify``
    passes it offline with the proxy's entitlement (the applicant's signed grant) verified;
    openssl confirms the proxy's signature over the PAE bytes."""
    owner = synthetic_applicant(random.Random(71))
    proxy = synthetic_applicant(random.Random(72))
    case_no = _open_at_the_window(served, owner)
    auth_id = f"SQ-{case_no}-1"

    login(browser, served, owner.name, owner.id_number)
    browser.get(f"{served.base_url}/apply/cases/{case_no}")
    browser.find_element(By.ID, "to-grant").click()
    wait_path(browser, f"/apply/cases/{case_no}/grant")
    check_page(browser, shots_dir, "apply-10-grant", ["proxy_name", "grant-submit"])
    assert browser.find_element(By.ID, "authorization_id").get_attribute("value") == auth_id
    browser.find_element(By.ID, "proxy_name").send_keys(proxy.name)
    browser.find_element(By.ID, "proxy_id").send_keys(proxy.id_number)
    browser.execute_script("document.getElementById('valid_to').value = arguments[0]", "2099-12-31")
    browser.find_element(By.ID, "express").click()
    browser.find_element(By.ID, "grant-submit").click()
    wait_path(browser, f"/apply/cases/{case_no}/grant/sign")
    check_page(browser, shots_dir, "apply-11-grant-sign", ["grant-terms", "sign-start"])
    assert browser.find_element(By.ID, "grant-id").text == auth_id
    assert proxy.id_number not in browser.page_source  # masked only
    _sign_in_browser(browser)
    wait_path(browser, f"/apply/cases/{case_no}/grant/done", timeout=60)
    check_page(browser, shots_dir, "apply-12-grant-done", ["grant-digest", "grant-revoke", "back"])
    method = browser.find_element(By.ID, "grant-method").get_attribute("data-method")
    assert method == "EVENT_CERTIFICATE"
    # the case still waits for the pledge: granting is not pledging
    browser.get(f"{served.base_url}/apply/cases/{case_no}/receipt")
    status = browser.find_element(By.ID, "receipt-status").get_attribute("data-status")
    assert status == "NOTICE_ISSUED"

    login(browser, served, proxy.name, proxy.id_number, role="PROXY")
    browser.get(f"{served.base_url}/apply/open?case_no={case_no}")
    wait_path(browser, f"/apply/cases/{case_no}/authorisation")
    browser.find_element(By.ID, "grantor_id").send_keys(owner.id_number)
    browser.find_element(By.ID, "authorization_id").send_keys(auth_id)
    browser.find_element(By.ID, "auth-submit").click()
    wait_path(browser, f"/apply/cases/{case_no}")
    _choose_and_agree(browser, case_no)
    _sign_in_browser(browser)
    wait_path(browser, f"/apply/cases/{case_no}/receipt", timeout=60)
    check_page(browser, shots_dir, "apply-13-proxy-receipt", ["receipt-digest", "download"])
    assert browser.find_element(By.ID, "receipt-status").get_attribute("data-status") == "PLEDGED"
    method = browser.find_element(By.ID, "receipt-method").get_attribute("data-method")
    assert method == "EVENT_CERTIFICATE"

    bundle = _bundle(browser, served, case_no, tmp_path / "pledge.bundle.json")
    pledge = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    assert pledge["pledgor"]["id_number"] == owner.id_number
    assert pledge["proxy"]["party"]["id_number"] == proxy.id_number
    grant = json.loads(pledge["proxy"]["authorization"]["signed_grant"])
    assert grant["signingMethod"]["method"] == "EVENT_CERTIFICATE"
    trust = auditor_trust(served, event_ca_pki[0], tmp_path / "trust")
    report = verify_cli(tmp_path / "pledge.bundle.json", trust)
    assert report["indication"] == "TOTAL_PASSED"
    assert report["signing_method"]["method"] == "EVENT_CERTIFICATE"
    policy = next(c for c in report["signatures"][0]["checks"] if c["name"] == "signer_policy")
    assert policy["status"] == "PASSED" and "代为承诺人" in policy["message"], policy
    assert openssl_verifies(bundle, tmp_path) == "Verified OK"
    # the applicant's signed grant alone, audited offline too: signed by the grantor
    (tmp_path / "grant.bundle.json").write_text(
        pledge["proxy"]["authorization"]["signed_grant"], "utf-8"
    )
    alone = verify_cli(tmp_path / "grant.bundle.json", trust)
    assert alone["indication"] == "TOTAL_PASSED"
    assert alone["signing_method"]["method"] == "EVENT_CERTIFICATE"


def test_r024_a_signed_authorisation_opens_the_case_only_to_the_proxy_it_names(
    browser: Any, served: ServedService
) -> None:
    """Someone else who knows the grantor's ID and the number of an authorisation the
    applicant signed for another proxy is refused (GZ-AU-011), and the applicant's
    authorisation page refuses a general power of attorney before anything is signed
    (GZ-RL-002)."""
    owner = synthetic_applicant(random.Random(81))
    named = synthetic_applicant(random.Random(82))
    intruder = synthetic_applicant(random.Random(83))
    case_no = _open_at_the_window(served, owner)
    login(browser, served, owner.name, owner.id_number)

    def grant(express: bool) -> None:
        browser.get(f"{served.base_url}/apply/cases/{case_no}/grant")
        browser.find_element(By.ID, "proxy_name").send_keys(named.name)
        browser.find_element(By.ID, "proxy_id").send_keys(named.id_number)
        browser.execute_script(
            "document.getElementById('valid_to').value = arguments[0]", "2099-12-31"
        )
        if express:
            browser.find_element(By.ID, "express").click()
        browser.find_element(By.ID, "grant-submit").click()

    grant(express=False)
    wait_for(browser, lambda d: "GZ-RL-002" in d.find_element(By.TAG_NAME, "main").text)
    grant(express=True)
    wait_path(browser, f"/apply/cases/{case_no}/grant/sign")
    _sign_in_browser(browser)
    wait_path(browser, f"/apply/cases/{case_no}/grant/done", timeout=60)

    login(browser, served, intruder.name, intruder.id_number, role="PROXY")
    browser.get(f"{served.base_url}/apply/cases/{case_no}/authorisation")
    browser.find_element(By.ID, "grantor_id").send_keys(owner.id_number)
    browser.find_element(By.ID, "authorization_id").send_keys(f"SQ-{case_no}-1")
    browser.find_element(By.ID, "auth-submit").click()
    wait_for(browser, lambda d: "GZ-AU-011" in d.find_element(By.TAG_NAME, "main").text)
    browser.get(f"{served.base_url}/apply/cases/{case_no}")
    wait_path(browser, f"/apply/cases/{case_no}/authorisation")  # still closed to it
