"""Resources mirroring the library over HTTP: false pledge → disposition → credit record →
objection; disclosure; complaints; the bureau report; journal checkpoint and evidence
package; dead letters (issue 13, item 2)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

from .test_authorization_matrix import ON_SITE_ENTRY, accepted


def _false_case(served: ServedService, seed: int) -> tuple[str, str]:
    t = accepted(served, seed, ON_SITE_ENTRY)
    inspector = served.client("inspector")
    vid = t.verification_id
    assert inspector.post(f"/v1/verifications/{vid}/on-site/dispatch", {"inspector": "IN0007"}).ok
    r = inspector.post(f"/v1/verifications/{vid}/on-site/result", {"result": "FALSE"})
    assert r.status_code == 200 and r.json()["result"] == "FALSE", r.text
    return t.case_no, t.applicant_id


def test_false_pledge_disposition_credit_record_and_objection(served: ServedService) -> None:
    case_no, applicant_id = _false_case(served, 8101)
    credit = served.client("credit")
    refused = credit.post(f"/v1/cases/{case_no}/disposition", {"actions": ["TERMINATE"]})
    assert refused.status_code == 403  # case.terminate is the window's or inspector's act
    r = served.client("inspector").post(
        f"/v1/cases/{case_no}/disposition", {"actions": ["TERMINATE"]}
    )
    assert r.status_code == 201, r.text
    record_id = r.json()["credit_record_id"]
    assert record_id
    recs = credit.get("/v1/credit-records").json()
    assert record_id in {x["record_id"] for x in recs["items"]} and recs["next"] is None
    assert credit.get(f"/v1/credit-records/{record_id}").json()["organ_uscc"] == OWNER_USCC
    assert served.client("credit").get("/v1/dispositions").status_code == 200
    # the other organ's officials do not see it; the applicant may not list records
    other = served.client("clerk-other").get(f"/v1/credit-records/{record_id}")
    assert other.status_code == 403
    me = served.client("platform").acting_for(applicant_id)
    assert me.get("/v1/credit-records").status_code == 403
    objection = {
        "objection_id": f"OBJ-{case_no}",
        "record_id": record_id,
        "submitted_on": date.today().isoformat(),
        "grounds": "认定事实有误",
    }
    r = me.post(f"/v1/credit-records/{record_id}/objections", objection)
    assert r.status_code in (201, 403, 422), r.text  # as the library's role policy decides
    if r.status_code == 201:
        r = credit.post(
            f"/v1/objections/{objection['objection_id']}/resolution",
            {"outcome": "MAINTAINED", "reason": "经复核, 认定无误"},
        )
        assert r.status_code == 200, r.text


def test_complaints_report_checkpoint_and_evidence(served: ServedService) -> None:
    clerk = served.client("clerk")
    r = clerk.post(
        "/v1/complaints",
        {
            "channel": "12345",
            "subject_ref": "CASE-x",
            "content": "承诺不实",
            "organ_uscc": OWNER_USCC,
        },
    )
    assert r.status_code in (201, 403), r.text
    assert clerk.get("/v1/complaints").status_code == 200
    auditor = served.client("auditor")
    md = auditor.get("/v1/statistics/report")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    docx = auditor.get("/v1/statistics/report", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert clerk.get("/v1/statistics/report").status_code == 403
    t = accepted(served, 8202)
    cp = served.client("system").post("/v1/journal/checkpoint", {"organ_uscc": OWNER_USCC})
    assert cp.status_code in (201, 403), cp.text
    if cp.status_code == 403:
        cp = clerk.post("/v1/journal/checkpoint", {"organ_uscc": OWNER_USCC})
    assert cp.status_code == 201, cp.text
    ev = auditor.get(f"/v1/cases/{t.case_no}/evidence")
    assert ev.status_code == 200, ev.text
    names = zipfile.ZipFile(io.BytesIO(ev.content)).namelist()
    assert any(n.endswith(".bundle.json") for n in names)
    assert served.client("clerk-other").get(f"/v1/cases/{t.case_no}/evidence").status_code == 403


def test_disclosure_and_dead_letters(served: ServedService) -> None:
    t = accepted(served, 8303)
    clerk = served.client("clerk")
    pledge_id = clerk.get(f"/v1/cases/{t.case_no}").json()["pledge_id"]
    r = clerk.post(f"/v1/pledges/{pledge_id}/disclosure")
    # the sample list publishes no pledge of this entry: a coded refusal
    assert r.status_code == 201 or r.json()["code"] == "GZ-RL-501", r.text
    assert clerk.get("/v1/disclosures").status_code == 200
    system = served.client("system")
    assert system.get("/v1/events/dead").status_code == 200
    assert clerk.get("/v1/events/dead").status_code == 403


def test_list_lint_export_and_due_verifications(served: ServedService) -> None:
    from gaozhi_sdk.rules import load_list
    from gaozhi_sdk.testing.sandbox import sample_list_text

    officer = served.client("list-officer")
    doc = load_list(sample_list_text()).model_dump(mode="json")
    doc["entries"][0]["proof_content"] = "其他材料"  # catch-all wording
    findings = officer.post("/v1/lists/lint", doc)
    assert findings.status_code == 200, findings.text
    assert findings.json() and all(f["code"].startswith("GZ-LS-") for f in findings.json())
    xlsx = officer.get("/v1/lists/SZ-411222-GZCN-2025/export")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    t = accepted(served, 8404)
    due = served.client("inspector").get(
        "/v1/verifications", params={"due_before": "2999-01-01T00:00:00+08:00"}
    )
    assert due.status_code == 200
    assert t.verification_id in {v["verification_id"] for v in due.json()["items"]}
    none = served.client("inspector").get(
        "/v1/verifications", params={"due_before": "2000-01-01T00:00:00+08:00"}
    )
    assert none.json() == {"items": [], "next": None}
