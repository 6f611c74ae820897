"""A proxy's authority before it signs, attacked (issue 14, R-024; DESIGN §4, §10).

Since this session the applicant can *sign* a proxy's special authorisation
(``proxy-authorization``, ``svc.cases.authorization_data_to_sign`` / ``assemble_authorization``,
the ``/apply/…/grant`` pages), and a proxy's pledge verifies only with that signed grant.
The steps before signing still take the proxy's own word: an authorisation *typed in*
(HTTP body ``proxy``, or the paper form of ``/apply/cases/{case}/authorisation``) whose
terms merely name the case's applicant as grantor is accepted by ``record_choices``. A
person who knows a case number and the applicant's ID number — nobody the applicant
authorised — can choose for the applicant, and choosing "submit documents" for every
proof *declines* the applicant's pledge route (R-022): the case leaves NOTICE_ISSUED.

Fixed (lead's decision): a proxy acts on a case — chooses as it signs — only with the
special authorisation the applicant signed (``proxy.authorization.signed_grant``), checked
under the service's anchors and signer policy; the proxy's own word is refused GZ-AU-011
and nothing is recorded. A paper authorisation is checked by a window clerk, who acts in
their own role (window flow).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService
from gaozhi_sdk.testing.synthetic import synthetic_applicant

LIST_ID = "SZ-411222-GZCN-2025"
ENTRY = "SZ-GA-HJ-001"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedService]:
    s = ServedService(tmp_path_factory.mktemp("attack-proxy-grant"), TestPKI.create()).start()
    try:
        yield s
    finally:
        s.stop()


def test_r024_a_self_made_authorisation_cannot_decline_the_applicants_case(
    served: ServedService,
) -> None:
    app = synthetic_applicant(random.Random(9301))
    r = served.client("clerk").post(
        "/v1/notices",
        {"list_id": LIST_ID, "entry_ids": [ENTRY], "applicant": app.model_dump(mode="json")},
    )
    assert r.status_code == 201, r.text
    case = served.client("clerk").get(f"/v1/cases/{r.json()['case_no']}").json()
    assert case["status"] == "NOTICE_ISSUED", case
    outsider = synthetic_applicant(random.Random(9302))  # authorised by no one
    start = date.today() - timedelta(days=1)
    self_made: dict[str, Any] = {
        "party": outsider.model_dump(mode="json"),
        "authorization": {
            "authorization_id": "SQ-FAKE-1",
            "grantor_id_number": app.id_number,  # all the outsider needs to know
            "matter_code": case["matter_code"],
            "entry_ids": [ENTRY],
            "valid_from": start.isoformat(),
            "valid_to": (start + timedelta(days=30)).isoformat(),
            "express_pledge_authority": True,
            "document_ref": "自称的授权书",
        },
    }
    as_outsider = served.client("platform").acting_for(outsider.id_number, role="PROXY")
    r = as_outsider.post(
        f"/v1/cases/{case['case_no']}/choices",
        {"choices": [{"entry_id": ENTRY, "mode": "DOCUMENT"}], "proxy": self_made},
    )
    after = served.client("clerk").get(f"/v1/cases/{case['case_no']}").json()
    assert after["status"] == "NOTICE_ISSUED", (r.status_code, after["status"])
    assert r.status_code == 403, r.text
