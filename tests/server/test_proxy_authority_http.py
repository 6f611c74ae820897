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
