"""承诺书公开 (R-071–R-074, R-092, R-093): redaction, sealing, journaling, refusals."""

from __future__ import annotations

import json

import pytest

from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.documents import redaction_profile, render_disclosure, scan_pii
from gaozhi_sdk.documents.disclosure import build_disclosure
from gaozhi_sdk.errors import PermissionDeniedError, RuleViolationError, WorkflowError
from gaozhi_sdk.esign import Bundle, Indication, validate
from gaozhi_sdk.models import Actor, CommitmentList
from gaozhi_sdk.models.enums import ActorRole, DisclosurePolicy
from gaozhi_sdk.testing.synthetic import synthetic_applicant

from .conftest import (
    OTHER_USCC,
    PRIVATE_ENTRY,
    PUBLIC_ENTRY,
    SENSITIVE_ENTRY,
    DocsWorld,
    official,
)


def test_r093_sensitive_entries_are_never_published(sample_list: CommitmentList) -> None:
    entry = sample_list.entry(SENSITIVE_ENTRY)
    assert not redaction_profile(entry).publish
    forced = entry.model_copy(update={"pledge_disclosure": DisclosurePolicy.PUBLIC_REDACTED})
    profile = redaction_profile(forced)
    assert not profile.publish and "R-093" in profile.reason
    assert redaction_profile(sample_list.entry(PUBLIC_ENTRY)).publish
    assert not redaction_profile(sample_list.entry(PRIVATE_ENTRY)).publish


def test_r093_build_disclosure_drops_sensitive_items(
    docs_world: DocsWorld, sample_list: CommitmentList
) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    entry = sample_list.entry(PUBLIC_ENTRY).model_copy(update={"sensitive_data": True})
    with pytest.raises(RuleViolationError) as exc:
        build_disclosure(
            pledge,
            {PUBLIC_ENTRY: entry},
            disclosure_id="D",
            organ_name="机关",
            published_at=pledge.signed_at,
        )
    assert exc.value.code == "GZ-RL-501"


def test_r092_citizen_is_masked_and_contact_address_withheld(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    app = docs_world.applicants[-1]
    d = docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    assert d.pledgor_display != app.name and d.pledgor_display[0] == app.name[0]
    for fmt in ("html", "json", "docx"):
        out = render_disclosure(d, fmt)
        text = out.decode("utf-8", "replace") if fmt != "docx" else out.hex()
        for secret in (app.name, app.id_number, app.contact or "", app.address or ""):
            assert secret and secret not in text
        if fmt != "docx":
            assert scan_pii(text) == []
    assert d.pledge_hash == sha256_hex(model_bytes(pledge))


def test_r092_legal_person_name_and_uscc_are_kept(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY, legal=True)
    app = docs_world.applicants[-1]
    d = docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    assert (d.pledgor_display, d.pledgor_id_display) == (app.name, app.id_number)
    text = render_disclosure(d, "html").decode()
    assert app.name in text and app.id_number in text
    assert (app.contact or "-") not in text and (app.address or "-") not in text


def test_r072_published_copy_carries_the_complaint_channel(
    docs_world: DocsWorld, sample_list: CommitmentList
) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    d = docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    channel = sample_list.entry(PUBLIC_ENTRY).complaint_channel
    assert channel and d.complaint_channel == channel
    assert channel in render_disclosure(d, "html").decode()
    body = json.loads(render_disclosure([d], "json"))
    assert body[0]["complaint_channel"] == channel
    assert any("R-074" in h or "不予公开" in h for h in body[0]["withheld"])


def test_publish_is_sealed_journaled_and_emitted_once(docs_world: DocsWorld) -> None:
    svc = docs_world.svc
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    d = svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    entries = [e for e in svc.store.journal() if e.event == "disclosure.publish"]
    assert len(entries) == 1 and entries[0].outcome == "APPLIED"
    detail = entries[0].detail
    assert detail["pledge_id"] == pledge.pledge_id and detail["to"] == "PUBLISHED"
    blob = svc.store.get_blob(detail["bundle"])
    assert blob is not None
    assert sha256_hex(blob.data) == blob.sha256 == detail["bundle_sha256"]
    bundle = Bundle.from_json(blob.data)
    report = validate(bundle, docs_world.pki.trust_store(), at=svc.now())
    assert report.indication is Indication.TOTAL_PASSED
    assert bundle.payload == model_bytes(d)
    topics = [m.topic for m in svc.store.pending_outbox(limit=1000)]
    assert topics.count("disclosure.published") == 1
    assert svc.disclosure.publish(pledge.pledge_id, docs_world.clerk) == d  # idempotent
    assert sum(e.event == "disclosure.publish" for e in svc.store.journal()) == 1
    assert svc.disclosure.list() == [d]


def test_r071_entry_not_marked_public_is_refused_and_journaled(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PRIVATE_ENTRY)
    with pytest.raises(RuleViolationError) as exc:
        docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    assert exc.value.code == "GZ-RL-501"
    refused = [e for e in docs_world.svc.store.journal() if e.outcome == "REFUSED"]
    assert refused[-1].event == "disclosure.publish"
    assert refused[-1].detail["code"] == "GZ-RL-501"
    assert docs_world.svc.disclosure.list() == []


def test_only_officials_of_the_owning_organ_publish(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    app = docs_world.applicants[-1]
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    with pytest.raises(PermissionDeniedError) as exc:
        docs_world.svc.disclosure.publish(pledge.pledge_id, me)
    assert exc.value.code == "GZ-AU-001"
    other = official(ActorRole.WINDOW_CLERK, "GA0102", OTHER_USCC)
    with pytest.raises(PermissionDeniedError) as exc:
        docs_world.svc.disclosure.publish(pledge.pledge_id, other)
    assert exc.value.code == "GZ-AU-002"
    refused = [e for e in docs_world.svc.store.journal() if e.outcome == "REFUSED"]
    assert [e.detail["code"] for e in refused[-2:]] == ["GZ-AU-001", "GZ-AU-002"]
    assert app.id_number not in json.dumps([e.actor for e in refused], ensure_ascii=False)


def test_withdrawn_pledges_are_not_published(docs_world: DocsWorld) -> None:
    notice, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    app = docs_world.applicants[-1]
    me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
    docs_world.svc.cases.withdraw(notice.case_no, "已自行取得证明, 改按原程序办理", me)
    with pytest.raises(WorkflowError) as exc:
        docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    assert exc.value.code == "GZ-WF-501"


def test_r073_third_party_proxy_is_not_disclosed(docs_world: DocsWorld) -> None:
    """The proxy is a third party: its name and ID never appear in the public copy."""
    proxy = synthetic_applicant(docs_world.rng)
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY, proxy=proxy)
    assert pledge.proxy is not None
    d = docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    for fmt in ("html", "json"):
        text = render_disclosure(d, fmt).decode()
        assert proxy.name not in text and proxy.id_number not in text
        assert pledge.proxy.authorization.authorization_id not in text
        assert scan_pii(text) == []


def test_r074_the_copy_states_what_was_withheld_and_why(docs_world: DocsWorld) -> None:
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY)
    d = docs_world.svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    withheld = dict(h.split(": ", 1) for h in d.withheld)
    assert set(withheld) == {"联系方式", "住所或地址", "代为承诺人身份", "签署声明原文"}
    assert all("不予公开" in why for why in withheld.values())
    html = render_disclosure(d, "html").decode()
    assert "不予公开的内容" in html
    assert all(h in html for h in d.withheld)
