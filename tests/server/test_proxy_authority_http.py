"""A proxy's authority over HTTP, checked first (R-024; DESIGN §4, §10): an outsider in
the PROXY role learns nothing of a case from ``POST /v1/cases/{case_no}/pledge/data-to-sign``
— one problem answer (403 GZ-AU-011, naming no one) whatever the case's status, and the
case is left as it was (the library test shows the proxy with the signed grant passes)."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization

from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.testing.server import ServedService

from .conftest import ONLINE_ENTRY, new_applicant, open_case, pledge_chosen
from .test_authorization_matrix import pledged


def _typed_in(outsider: Any, grantor_id: str, matter_code: str) -> dict[str, Any]:
    """Terms an outsider types in: all it needs is the applicant's ID number."""
    start = date.today() - timedelta(days=1)
    return {
        "party": outsider.model_dump(mode="json"),
        "authorization": {
            "authorization_id": "SQ-OUTSIDER-1",
            "grantor_id_number": grantor_id,
            "matter_code": matter_code,
            "entry_ids": [ONLINE_ENTRY],
            "valid_from": start.isoformat(),
            "valid_to": (start + timedelta(days=30)).isoformat(),
            "express_pledge_authority": True,
            "document_ref": "自称的授权书",
        },
    }


def test_r024_an_outsider_proxy_gets_one_answer_from_data_to_sign_over_http(
    served: ServedService,
) -> None:
    outsider = new_applicant(8801)
    signer = served.pki.applicant("代为承诺人 #outsider", outsider.id_number)
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]
    issued, issued_app = open_case(served, 8802)
    chosen, chosen_app = pledge_chosen(served, 8803)
    done = pledged(served, 8804)
    targets = [(issued, issued_app.id_number), (chosen, chosen_app.id_number)]
    targets.append((done.case_no, done.applicant_id))
    as_outsider = served.client("platform").acting_for(outsider.id_number, role="PROXY")

    def states() -> list[tuple[str, int]]:
        docs = [served.client("clerk").get(f"/v1/cases/{c}").json() for c, _ in targets]
        return [(d["status"], len(d["choices"])) for d in docs]

    before = states()  # notice issued; pledge chosen and eligible; pledged
    assert len(set(before)) == 3, before
    answers: dict[str, list[dict[str, Any]]] = {"none": [], "typed_in": []}
    for case_no, applicant_id in targets:
        case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
        for proxy in (_typed_in(outsider, applicant_id, case["matter_code"]), None):
            body: dict[str, Any] = {"certificate_chain": chain}
            if proxy is not None:
                body["proxy"] = proxy
            r = as_outsider.post(f"/v1/cases/{case_no}/pledge/data-to-sign", body)
            assert r.status_code == 403, r.text
            doc = r.json()
            assert mask_identifier(applicant_id) not in r.text
            kind = "none" if proxy is None else "typed_in"
            answers[kind].append({k: v for k, v in doc.items() if k != "instance"})
    for kind, seen in answers.items():
        assert all(a == seen[0] for a in seen), (kind, seen)
        assert seen[0]["code"] == "GZ-AU-011"
    # nothing moved: the cases are where they were
    assert states() == before


def _b64chain(signer: Any) -> list[str]:
    return [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]


def test_r024_the_applicant_signs_and_revokes_a_special_authorisation_over_http(
    served: ServedService,
) -> None:
    """R-024 over HTTP, mirroring the pledge's three steps: only the applicant gets the
    grant's bytes and submits its signature (201, the proxy carrying the signed grant);
    the proxy chooses with it; only the applicant revokes it (204, then 409 GZ-WF-032),
    and the proxy's data to sign under it is then refused 403 GZ-AU-011 (reason
    GZ-AU-012)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    case_no, app = open_case(served, 8811)
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    party = new_applicant(8812)
    today = date.today()
    terms = {
        "party": party.model_dump(mode="json"),
        "authorization": {
            "authorization_id": "SQ-HTTP-1",
            "grantor_id_number": app.id_number,
            "matter_code": case["matter_code"],
            "entry_ids": [ONLINE_ENTRY],
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
            "express_pledge_authority": True,
            "document_ref": "网上签署的特别授权书",
        },
    }
    signer = served.pki.applicant("申请人 #grant", app.id_number)
    body = {"certificate_chain": _b64chain(signer), "proxy": terms}
    base = f"/v1/cases/{case_no}/authorizations"
    me = served.client("platform").acting_for(app.id_number)
    as_proxy = served.client("platform").acting_for(party.id_number, role="PROXY")
    other = served.client("platform").acting_for(new_applicant(8813).id_number)
    for who, code in (
        (as_proxy, "GZ-AU-011"),
        (other, "GZ-AU-011"),
        (served.client("clerk"), "GZ-AU-001"),
    ):
        r = who.post(f"{base}/data-to-sign", body)
        assert (r.status_code, r.json()["code"]) == (403, code), r.text
    r = me.post(f"{base}/data-to-sign", body)
    assert r.status_code == 200, r.text
    dts = r.json()
    assert dts["authorization_id"] == "SQ-HTTP-1" and dts["pledge_id"] == ""
    sig = signer.private_key.sign(base64.b64decode(dts["pae"]), ec.ECDSA(hashes.SHA256()))
    signed = {"session_id": dts["session_id"], "signature": base64.b64encode(sig).decode()}
    r = as_proxy.post(f"{base}/signature", signed)  # not the proxy's session to finish
    assert r.status_code == 403, r.text
    r = me.post(f"{base}/signature", signed)
    assert r.status_code == 201, r.text
    held = r.json()
    assert held["party"]["id_number"] == party.id_number
    assert held["authorization"]["signed_grant"]

    r = as_proxy.post(
        f"/v1/cases/{case_no}/choices",
        {"choices": [{"entry_id": ONLINE_ENTRY, "mode": "PLEDGE"}], "proxy": held},
    )
    assert r.status_code == 200, r.text
    r = as_proxy.post(f"{base}/SQ-HTTP-1/revocation")
    assert (r.status_code, r.json()["code"]) == (403, "GZ-AU-011"), r.text
    r = me.post(f"{base}/SQ-HTTP-1/revocation")
    assert r.status_code == 204, r.text
    r = me.post(f"{base}/SQ-HTTP-1/revocation")
    assert (r.status_code, r.json()["code"]) == (409, "GZ-WF-032"), r.text
    r = me.post(f"{base}/{'X' * 65}/revocation")
    assert r.status_code == 422, r.text
    # the one number format in the path too; a number not signed here is no success
    for bad in ("SQ%20HTTP", "X:SQ-HTTP-1", "SQ%2F1"):
        r = me.post(f"{base}/{bad}/revocation")
        assert r.status_code in (404, 422), (bad, r.text)
    r = me.post(f"{base}/SQ-HTTP-/revocation")  # mistyped: no grant signed here
    assert (r.status_code, r.json()["code"]) == (404, "GZ-WF-033"), r.text
    r = me.post(f"{base}/SQ-PAPER-1/revocation", params={"signed_elsewhere": "true"})
    assert r.status_code == 204, r.text
    theirs = served.pki.applicant("代为承诺人 #grant", party.id_number)
    r = as_proxy.post(
        f"/v1/cases/{case_no}/pledge/data-to-sign",
        {"certificate_chain": _b64chain(theirs), "proxy": held},
    )
    assert (r.status_code, r.json()["code"]) == (403, "GZ-AU-011"), r.text
    assert "GZ-AU-012" in r.json()["title"]
    assert app.id_number not in r.text
    # R-024: /v1/verify reports a pledge the proxy signed anyway under the revoked grant
    # (offline validation cannot know; the service's verification does)
    import json

    from gaozhi_sdk.esign import sign
    from gaozhi_sdk.models import Pledge

    r = me.post(f"/v1/cases/{case_no}/pledge/draft", {"proxy": held})
    assert r.status_code == 200, r.text
    signed_anyway = json.loads(sign(Pledge.model_validate(r.json()), theirs).to_json())
    r = served.client("clerk").post("/v1/verify", signed_anyway)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["indication"], report["sub_indication"]) == (
        "TOTAL_FAILED",
        "SIGNER_NOT_AUTHORISED",
    ), report
    assert "proxy_grant_not_revoked" in [c["name"] for c in report["checks"]]
