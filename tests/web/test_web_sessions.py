"""Who may use the browser pages: the platform's login assertion, sessions, CSRF, Origin,
case access and masking (issue 14 item 3; DESIGN §10: the applicant's browser is never a
``/v1`` caller)."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from gaozhi_sdk.server.web.sessions import make_assertion
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import WEB


def _assertion(served: ServedService, **claims: Any) -> str:
    body = {"aud": "apply", "role": "APPLICANT", "name": "测试", "method": "FACE_RECOGNITION"}
    body.update(claims)
    now = body.pop("now", None)
    return make_assertion("ak-platform", served.secrets["platform"], body, now=now)


def _login(served: ServedService, id_number: str, **claims: Any) -> requests.Session:
    s = requests.Session()
    r = s.post(
        served.base_url + "/apply/login",
        data={"assertion": _assertion(served, sub=id_number, **claims)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303 and r.headers["location"] == "/apply/", r.text[:500]
    return s


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def _journal(served: ServedService) -> list[Any]:
    store = SqliteStore(served.workdir / "gaozhi.db")
    try:
        return list(store.journal())
    finally:
        store.close()


def _start_case(served: ServedService, s: requests.Session) -> str:
    home = s.get(served.base_url + "/apply/", timeout=10)
    matter = re.search(r'name="matter" value="([^"]+)"', home.text)
    assert matter
    r = s.post(
        served.base_url + "/apply/start",
        data={"csrf": _csrf(home.text), "matter": matter.group(1)},
        headers={"Origin": served.base_url},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303, r.text[:800]
    return str(r.headers["location"]).rsplit("/", 1)[1]


def test_platform_assertion_logs_in_with_a_strict_session_cookie(web_served: ServedService) -> None:
    app = synthetic_applicant(random.Random(21))
    r = requests.post(
        web_served.base_url + "/apply/login",
        data={"assertion": _assertion(web_served, sub=app.id_number)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("gz_apply=")
    for attr in ("HttpOnly", "SameSite=strict", "Path=/apply/"):
        assert attr.lower() in cookie.lower(), cookie
    home = requests.get(
        web_served.base_url + "/apply/", cookies={"gz_apply": r.cookies["gz_apply"]}, timeout=10
    )
    assert home.status_code == 200
    assert app.id_number not in home.text and app.id_number[-4:] in home.text  # masked
    for header, value in (
        ("content-security-policy", "script-src 'self'"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ):
        assert value in home.headers[header]
    # the window pages are another area: this session does not open them
    w = requests.get(
        web_served.base_url + "/window/",
        cookies={"gz_apply": r.cookies["gz_apply"]},
        allow_redirects=False,
        timeout=10,
    )
    assert w.status_code == 303 and w.headers["location"] == "/window/login"


@pytest.mark.parametrize(
    "case",
    ["forged", "replayed", "expired", "too-long-lived", "window-audience", "clerk-role", "other"],
)
def test_bad_login_assertions_are_refused_with_gz_ht_401(
    web_served: ServedService, case: str
) -> None:
    app = synthetic_applicant(random.Random(22))
    good = _assertion(web_served, sub=app.id_number)
    assertion = {
        "forged": make_assertion("ak-platform", "not-the-secret", {"aud": "apply", "sub": "x"}),
        "replayed": good,
        "expired": _assertion(web_served, sub=app.id_number, now=time.time() - 600),
        "too-long-lived": _assertion(web_served, sub=app.id_number, exp=int(time.time()) + 3600),
        "window-audience": _assertion(web_served, sub=app.id_number, aud="window"),
        "clerk-role": _assertion(web_served, sub="CK0001", role="WINDOW_CLERK"),
        "other": "gaozhi-login-sm3-v1.ak-clerk.e30.AAAA",
    }[case]
    if case == "replayed":
        first = requests.post(
            web_served.base_url + "/apply/login",
            data={"assertion": good},
            allow_redirects=False,
            timeout=10,
        )
        assert first.status_code == 303
    r = requests.post(
        web_served.base_url + "/apply/login",
        data={"assertion": assertion},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 401, (case, r.status_code)
    assert "GZ-HT-401" in r.text and "set-cookie" not in r.headers


def test_csrf_token_and_origin_are_required_for_every_state_change(
    web_served: ServedService,
) -> None:
    app = synthetic_applicant(random.Random(23))
    s = _login(web_served, app.id_number)
    home = s.get(web_served.base_url + "/apply/", timeout=10)
    matter = re.search(r'name="matter" value="([^"]+)"', home.text)
    assert matter
    url = web_served.base_url + "/apply/start"
    opened = sum(e.event == "web.notice_opened" for e in _journal(web_served))
    no_token = s.post(url, data={"matter": matter.group(1)}, timeout=10)
    assert no_token.status_code == 403 and "GZ-AU-030" in no_token.text
    wrong = s.post(url, data={"matter": matter.group(1), "csrf": "x" * 43}, timeout=10)
    assert "GZ-AU-030" in wrong.text
    cross = s.post(
        url,
        data={"matter": matter.group(1), "csrf": _csrf(home.text)},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert "GZ-AU-031" in cross.text
    # the three refused posts opened nothing
    assert sum(e.event == "web.notice_opened" for e in _journal(web_served)) == opened
    case_no = _start_case(web_served, s)
    assert case_no.startswith("CASE-")


def test_another_person_cannot_open_the_case_and_the_refusal_is_journaled(
    web_served: ServedService,
) -> None:
    owner = synthetic_applicant(random.Random(24))
    other = synthetic_applicant(random.Random(25))
    case_no = _start_case(web_served, _login(web_served, owner.id_number))
    intruder = _login(web_served, other.id_number)
    for path in ("", "/preview", "/receipt", "/bundle", "/withdraw"):
        r = intruder.get(f"{web_served.base_url}/apply/cases/{case_no}{path}", timeout=10)
        assert r.status_code == 403 and "GZ-AU-020" in r.text, (path, r.status_code)
        assert owner.id_number[-4:] not in r.text
    refused = [
        e for e in _journal(web_served) if e.outcome == "REFUSED" and e.aggregate_id == case_no
    ]
    assert len(refused) == 5
    # a proxy without an authorisation is sent to the authorisation page, not the notice
    proxy = _login(web_served, other.id_number, role="PROXY")
    r = proxy.get(f"{web_served.base_url}/apply/cases/{case_no}", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/authorisation")


def test_pages_never_carry_system_credentials_or_full_identifiers(
    web_served: ServedService,
) -> None:
    app = synthetic_applicant(random.Random(26))
    s = _login(web_served, app.id_number)
    case_no = _start_case(web_served, s)
    pages = [
        s.get(web_served.base_url + p, timeout=10).text
        for p in ("/apply/", f"/apply/cases/{case_no}", "/apply/login")
    ]
    pages += [
        requests.get(f"{web_served.base_url}/apply/static/{f}", timeout=10).text
        for f in ("sign.js", "app.css")
    ]
    for secret in web_served.secrets.values():
        assert all(secret not in p for p in pages)
    assert all("ak-platform" not in p and app.id_number not in p for p in pages)
    # journaled logins and notices carry digests and masks, never the identifier
    web = [e for e in _journal(web_served) if e.event.startswith("web.")]
    assert {"web.login", "web.notice_opened"} <= {e.event for e in web}
    assert all(app.id_number not in json.dumps(e.to_json_dict()) for e in _journal(web_served))


def test_static_files_are_served_by_exact_name_only(web_served: ServedService) -> None:
    base = web_served.base_url + "/apply/static/"
    assert (
        requests.get(base + "sign.js", timeout=10)
        .headers["content-type"]
        .startswith("text/javascript")
    )
    for bad in ("..%2Fsessions.py", "__init__.py", ".hidden.js", "nope.js", "%2E%2E%2Fpages.py"):
        assert requests.get(base + bad, timeout=10).status_code == 404, bad


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory, web_pki: Any) -> Iterator[Any]:
    """The application in-process without --dev (no emulated login)."""
    from fastapi.testclient import TestClient

    from gaozhi_sdk.server.app import create_app
    from gaozhi_sdk.server.config import load_config

    served = ServedService(tmp_path_factory.mktemp("prod"), web_pki, web=dict(WEB))
    config = served.prepare()
    app = create_app(served.db_url, load_config(config), dev=False)
    with TestClient(app, base_url="https://gaozhi.test") as client:
        yield client, served


def test_without_dev_mode_only_the_platform_assertion_logs_in(production: Any) -> None:
    client, served = production
    page = client.get("/apply/login")
    assert page.status_code == 200 and 'name="id_number"' not in page.text
    r = client.post(
        "/apply/login",
        data={"name": "张三", "id_number": "110101199003074514"},
        headers={"Origin": "https://gaozhi.test"},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "GZ-HT-401" in r.text
    app = synthetic_applicant(random.Random(27))
    ok = client.post(
        "/apply/login",
        data={"assertion": _assertion(served, sub=app.id_number)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "secure" in ok.headers["set-cookie"].lower()  # under TLS the cookie is Secure


def test_window_login_binds_the_clerk_to_the_platform_organ(production: Any) -> None:
    client, served = production
    assertion = make_assertion(
        "ak-platform",
        served.secrets["platform"],
        {"aud": "window", "sub": "CK0042", "name": "窗口人员", "role": "WINDOW_CLERK"},
    )
    r = client.post("/window/login", data={"assertion": assertion}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/window/"
    store = SqliteStore(Path(served.workdir) / "gaozhi.db")
    try:
        sessions = [rec.doc for rec in store.list("web_session") if rec.doc.get("area") == "window"]
    finally:
        store.close()
    assert sessions and sessions[-1]["actor"]["organ_uscc"] == OWNER_USCC


def test_expired_sessions_and_login_nonces_are_pruned_with_the_request_caches(
    production: Any,
) -> None:
    """Sessions hold the person's identifier: they are pruned once past their life (plus a
    margin), as the service's other caches are; login nonces only after any assertion that
    used them has expired."""
    from gaozhi_sdk.server.config import WebConfig
    from gaozhi_sdk.server.retention import Retention
    from gaozhi_sdk.server.web.sessions import web_retention

    client, served = production
    app = synthetic_applicant(random.Random(28))
    r = client.post(
        "/apply/login",
        data={"assertion": _assertion(served, sub=app.id_number)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    keep = web_retention(WebConfig.model_validate(WEB))
    assert keep == {"web_session": 1800 + 300, "web_login_nonce": 120 + 300}
    store = SqliteStore(Path(served.workdir) / "gaozhi.db")
    try:
        soon = Retention(
            store, hmac_max_skew_s=300, idempotency_retention_s=86_400, interval_s=60, more=keep
        )
        assert soon.prune().get("web_session") == 0  # nothing is pruned while it may be used
        later = Retention(
            store,
            hmac_max_skew_s=300,
            idempotency_retention_s=86_400,
            interval_s=60,
            more=keep,
            clock=lambda: time.time() + 2200,
        )
        removed = later.prune()
        assert removed["web_session"] >= 1 and removed["web_login_nonce"] >= 1
        assert not list(store.list("web_session")) and not list(store.list("web_login_nonce"))
    finally:
        store.close()


def test_emulated_signing_is_refused_outside_development_mode(tmp_path: Path, web_pki: Any) -> None:
    """The emulated identity provider and event CA would let anyone obtain an event
    certificate: ``web.emulated_signing_ca`` starts only with ``--dev`` (GZ-CF-065)."""
    from gaozhi_sdk.errors import ConfigError
    from gaozhi_sdk.server.app import create_app
    from gaozhi_sdk.server.config import load_config
    from gaozhi_sdk.testing.pki import TestPKI

    ca = tmp_path / "event-ca"
    TestPKI.create(name="测试事件证书 CA").save(ca)
    served = ServedService(tmp_path / "srv", web_pki, web={**WEB, "emulated_signing_ca": str(ca)})
    config = load_config(served.prepare())
    with pytest.raises(ConfigError) as refused:
        create_app(served.db_url, config, dev=False)
    assert refused.value.code == "GZ-CF-065"
    app = create_app(served.db_url, config, dev=True)  # development mode: accepted
    assert app is not None


def test_r024_the_applicant_revokes_the_grant_on_its_page_and_the_proxy_loses_the_case(
    web_served: ServedService,
) -> None:
    """R-024: the applicant revokes the signed grant from the page that shows it (the
    proxy and another person cannot: GZ-AU-011 / GZ-AU-020); a proxy whose web session
    registered it loses the case pages at once (GZ-AU-020, journaled) — before, the
    session kept showing the notice and the pledge text (the applicant's details)."""
    import base64
    from datetime import date, timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    base = web_served.base_url
    owner = synthetic_applicant(random.Random(31))
    party = synthetic_applicant(random.Random(32))
    owner_s = _login(web_served, owner.id_number)
    case_no = _start_case(web_served, owner_s)
    case = web_served.client("clerk").get(f"/v1/cases/{case_no}").json()
    today = date.today()
    terms = {
        "party": party.model_dump(mode="json"),
        "authorization": {
            "authorization_id": "SQ-WEB-1",
            "grantor_id_number": owner.id_number,
            "matter_code": case["matter_code"],
            "entry_ids": case["entry_ids"],
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
            "express_pledge_authority": True,
            "document_ref": "网上签署的特别授权书",
        },
    }
    signer = web_served.pki.applicant("申请人 #web", owner.id_number)
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]
    me = web_served.client("platform").acting_for(owner.id_number)
    grants = f"/v1/cases/{case_no}/authorizations"
    r = me.post(f"{grants}/data-to-sign", {"certificate_chain": chain, "proxy": terms})
    assert r.status_code == 200, r.text
    sig = signer.private_key.sign(base64.b64decode(r.json()["pae"]), ec.ECDSA(hashes.SHA256()))
    r = me.post(
        f"{grants}/signature",
        {"session_id": r.json()["session_id"], "signature": base64.b64encode(sig).decode()},
    )
    assert r.status_code == 201, r.text

    proxy = _login(web_served, party.id_number, role="PROXY")
    page = proxy.get(f"{base}/apply/cases/{case_no}/authorisation", timeout=10)
    r = proxy.post(
        f"{base}/apply/cases/{case_no}/authorisation",
        data={
            "csrf": _csrf(page.text),
            "grantor_id": owner.id_number,
            "authorization_id": "SQ-WEB-1",
        },
        headers={"Origin": base},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/apply/cases/{case_no}", r.text
    assert proxy.get(f"{base}/apply/cases/{case_no}", timeout=10).status_code == 200

    done = owner_s.get(f"{base}/apply/cases/{case_no}/grant/done?id=SQ-WEB-1", timeout=10)
    assert done.status_code == 200 and 'id="grant-revoke"' in done.text

    def revoke(who: requests.Session, csrf: str) -> requests.Response:
        return who.post(
            f"{base}/apply/cases/{case_no}/grant/revoke",
            data={"csrf": csrf, "authorization_id": "SQ-WEB-1"},
            headers={"Origin": base},
            allow_redirects=False,
            timeout=10,
        )

    r = revoke(proxy, _csrf(proxy.get(f"{base}/apply/cases/{case_no}", timeout=10).text))
    assert r.status_code == 403 and "GZ-AU-011" in r.text, r.status_code
    stranger = _login(web_served, synthetic_applicant(random.Random(33)).id_number)
    r = revoke(stranger, _csrf(stranger.get(f"{base}/apply/", timeout=10).text))
    assert r.status_code == 403 and "GZ-AU-020" in r.text, r.status_code
    assert proxy.get(f"{base}/apply/cases/{case_no}", timeout=10).status_code == 200
    r = revoke(owner_s, _csrf(done.text))
    assert r.status_code == 200 and 'id="grant-revoked"' in r.text, r.text[:500]
    events = {e.event for e in _journal(web_served) if e.aggregate_id == case_no}
    assert "case.proxy_authorization_revoked" in events
    assert any(e.event == "web.proxy_authorization_revoked" for e in _journal(web_served))
    for path in ("", "/preview"):
        r = proxy.get(f"{base}/apply/cases/{case_no}{path}", allow_redirects=False, timeout=10)
        assert r.status_code == 403 and "GZ-AU-020" in r.text, (path, r.status_code)
        assert owner.id_number[-4:] not in r.text
    refused = [
        e
        for e in _journal(web_served)
        if e.outcome == "REFUSED" and e.aggregate_id == case_no and e.actor["role"] == "PROXY"
    ]
    assert len(refused) >= 2
