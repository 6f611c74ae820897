"""不予公开的标记 (R-073) and the personal information impact assessment (R-094)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from gaozhi_sdk.documents import render_disclosure
from gaozhi_sdk.errors import ModelValidationError, PermissionDeniedError, RuleViolationError
from gaozhi_sdk.models import (
    Actor,
    ConfidentialGround,
    ConfidentialityMark,
    DisclosureOverride,
    DisclosureOverrideBasis,
    ImpactAssessment,
)
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.testing import sample_impact_assessment

from .conftest import OTHER_USCC, OWNER_USCC, PUBLIC_ENTRY, DocsWorld, official

START_DAY = date(2026, 1, 5)


def _mark(world: DocsWorld, pledge_id: str, n: int = 1, **kw: object) -> ConfidentialityMark:
    fields: dict[str, object] = {
        "mark_id": f"MK-{n}",
        "pledge_id": pledge_id,
        "entry_id": PUBLIC_ENTRY,
        "part": "PROOF_CONTENT",
        "ground": ConfidentialGround.TRADE_SECRET,
        "reason": "承诺内容载明生产工艺参数",
        "marked_by": ActorRole.APPLICANT,
        "marked_at": world.clock(),
    }
    fields.update(kw)
    return ConfidentialityMark.model_validate(fields)


def _applicant(world: DocsWorld) -> Actor:
    return Actor(role=ActorRole.APPLICANT, actor_id=world.applicants[-1].id_number)


def test_r073_marked_content_is_replaced_by_its_legal_ground(docs_world: DocsWorld) -> None:
    svc = docs_world.svc
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY, legal=True)
    content = pledge.items[0].proof_content
    clause = pledge.items[0].clauses[2]
    svc.disclosure.mark_confidential(
        pledge.pledge_id, _mark(docs_world, pledge.pledge_id), _applicant(docs_world)
    )
    svc.disclosure.mark_confidential(
        pledge.pledge_id,
        _mark(
            docs_world, pledge.pledge_id, 2, part="CLAUSE", clause_index=2,
            ground=ConfidentialGround.THIRD_PARTY_PRIVACY, reason="条款涉及合伙人的家庭情况",
        ),
        docs_world.clerk,
    )  # fmt: skip
    d = svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    (item,) = d.items
    assert content not in item.proof_content and "商业秘密" in item.proof_content
    assert "第十五条" in item.proof_content
    assert clause not in item.clauses and "第三方个人隐私" in item.clauses[2]
    assert item.clauses[0] == pledge.items[0].clauses[0]  # the rest is published
    assert any("R-073" in w and "承诺符合的条件" in w for w in d.withheld)
    assert any("第 3 条承诺条款" in w for w in d.withheld)
    html = render_disclosure(d, "html").decode()
    assert content not in html and clause not in html and "商业秘密" in html
    (entry,) = [e for e in svc.store.journal() if e.event == "disclosure.publish"]
    assert entry.detail["withheld_marks"] == ["MK-1", "MK-2"]
    marks = [e for e in svc.store.journal() if e.event == "disclosure.mark"]
    assert [m.actor["role"] for m in marks] == ["APPLICANT", "WINDOW_CLERK"]
    assert json.dumps([m.actor for m in marks]).count(docs_world.applicants[-1].id_number) == 0


def test_r073_consent_or_public_interest_publishes_with_a_recorded_reason(
    docs_world: DocsWorld,
) -> None:
    svc = docs_world.svc
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY, legal=True)
    content = pledge.items[0].proof_content
    svc.disclosure.mark_confidential(
        pledge.pledge_id, _mark(docs_world, pledge.pledge_id, part="ITEM"), _applicant(docs_world)
    )
    with pytest.raises(ModelValidationError):  # consent without its written record
        svc.disclosure.override_confidentiality(
            "MK-1",
            {"basis": "CONSENT", "reason": "权利人同意", "decided_by": "LS0001",
             "decided_at": docs_world.clock().isoformat()},
            docs_world.clerk,
        )  # fmt: skip
    with pytest.raises(ModelValidationError):  # public interest without a reason
        svc.disclosure.override_confidentiality(
            "MK-1",
            {"basis": "PUBLIC_INTEREST", "reason": " ", "decided_by": "LS0001",
             "decided_at": docs_world.clock().isoformat()},
            docs_world.clerk,
        )  # fmt: skip
    with pytest.raises(PermissionDeniedError):  # the applicant does not decide
        svc.disclosure.override_confidentiality(
            "MK-1",
            DisclosureOverride(
                basis=DisclosureOverrideBasis.PUBLIC_INTEREST, reason="公共安全",
                decided_by="X", decided_at=docs_world.clock(),
            ),
            _applicant(docs_world),
        )  # fmt: skip
    m = svc.disclosure.override_confidentiality(
        "MK-1",
        DisclosureOverride(
            basis=DisclosureOverrideBasis.PUBLIC_INTEREST,
            reason="该工艺涉及周边居民饮用水安全, 不公开会对公共利益造成重大影响",
            decided_by="LS0001", decided_at=docs_world.clock(),
        ),
        official(ActorRole.LIST_OFFICER, "LS0001"),
    )  # fmt: skip
    assert not m.withheld
    d = svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    assert d.items[0].proof_content == content
    (entry,) = [e for e in svc.store.journal() if e.event == "disclosure.publish"]
    assert entry.detail["overridden_marks"] == ["MK-1"] and entry.detail["withheld_marks"] == []
    overrides = [e for e in svc.store.journal() if e.event == "disclosure.override"]
    assert [e.outcome for e in overrides] == ["REFUSED"] * 3 + ["APPLIED"]
    assert overrides[-1].detail["basis"] == "PUBLIC_INTEREST"


def test_r073_who_may_mark_and_when(docs_world: DocsWorld) -> None:
    svc = docs_world.svc
    _, pledge = docs_world.pledge_case(PUBLIC_ENTRY, legal=True)
    stranger = Actor(role=ActorRole.APPLICANT, actor_id="91110000600037341L")
    with pytest.raises(PermissionDeniedError):
        svc.disclosure.mark_confidential(
            pledge.pledge_id, _mark(docs_world, pledge.pledge_id), stranger
        )
    other_organ = official(ActorRole.WINDOW_CLERK, "GA0102", OTHER_USCC)
    with pytest.raises(PermissionDeniedError) as ei:
        svc.disclosure.mark_confidential(
            pledge.pledge_id, _mark(docs_world, pledge.pledge_id), other_organ
        )
    assert ei.value.code == "GZ-AU-002"
    with pytest.raises(RuleViolationError) as er:
        svc.disclosure.mark_confidential(
            pledge.pledge_id,
            _mark(docs_world, pledge.pledge_id, part="CLAUSE", clause_index=99),
            docs_world.clerk,
        )
    assert er.value.code == "GZ-RL-503"
    svc.disclosure.publish(pledge.pledge_id, docs_world.clerk)
    with pytest.raises(RuleViolationError) as late:
        svc.disclosure.mark_confidential(
            pledge.pledge_id, _mark(docs_world, pledge.pledge_id), docs_world.clerk
        )
    assert late.value.code == "GZ-RL-504"
    refused = [e for e in svc.store.journal() if e.event == "disclosure.mark"]
    assert [e.outcome for e in refused] == ["REFUSED"] * 4
    assert svc.disclosure.confidential_marks(pledge.pledge_id) == []


@pytest.mark.parametrize("docs_world", [False], indirect=True)
def test_r094_natural_person_needs_an_impact_assessment(docs_world: DocsWorld) -> None:
    svc = docs_world.svc
    _, legal = docs_world.pledge_case(PUBLIC_ENTRY, legal=True)
    assert svc.disclosure.publish(legal.pledge_id, docs_world.clerk)  # no personal data
    _, natural = docs_world.pledge_case(PUBLIC_ENTRY)
    with pytest.raises(RuleViolationError) as ei:
        svc.disclosure.publish(natural.pledge_id, docs_world.clerk)
    assert ei.value.code == "GZ-RL-502" and "R-094" in ei.value.message
    assert ei.value.message_en
    (refused,) = [e for e in svc.store.journal() if e.outcome == "REFUSED"]
    assert refused.event == "disclosure.publish" and refused.detail["code"] == "GZ-RL-502"
    officer = official(ActorRole.LIST_OFFICER, "LS0001")
    today = docs_world.clock().date()
    future = sample_impact_assessment(OWNER_USCC, PUBLIC_ENTRY, today + timedelta(days=1))
    svc.disclosure.record_impact_assessment(future, officer)  # not yet made: does not count
    with pytest.raises(RuleViolationError):
        svc.disclosure.publish(natural.pledge_id, docs_world.clerk)
    pia = sample_impact_assessment(OWNER_USCC, PUBLIC_ENTRY, today)
    with pytest.raises(PermissionDeniedError):
        svc.disclosure.record_impact_assessment(pia, docs_world.clerk)
    svc.disclosure.record_impact_assessment(pia, officer)
    d = svc.disclosure.publish(natural.pledge_id, docs_world.clerk)
    assert d.pledgor_display != docs_world.applicants[-1].name
    pub = [e for e in svc.store.journal() if e.event == "disclosure.publish"]
    assert pub[-1].detail["impact_assessments"] == [pia.assessment_id]
    assert pub[0].detail["impact_assessments"] == []  # the legal person's
    assessed = [e for e in svc.store.journal() if e.event == "privacy.assess"]
    assert [e.outcome for e in assessed] == ["APPLIED", "REFUSED", "APPLIED"]
    assert assessed[-1].detail["retain_until"] == pia.retain_until.isoformat()


def test_r094_assessment_states_who_scope_risks_measures_and_is_kept_three_years() -> None:
    good = sample_impact_assessment(OWNER_USCC, PUBLIC_ENTRY, START_DAY)
    assert good.decided_by and good.scope and good.risks and good.measures
    doc = good.model_dump(mode="json")
    for field, bad in (
        ("retain_until", "2028-12-31"),  # less than three years
        ("decided_by", ""),
        ("risks", []),
        ("measures", [" "]),
    ):
        with pytest.raises(ValueError):
            ImpactAssessment.model_validate({**doc, field: bad})
    assert ImpactAssessment.model_validate({**doc, "retain_until": "2029-01-05"})
