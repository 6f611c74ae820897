"""Cases: notice, choice, eligibility, signed pledge, withdrawal and decision (machine B)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.errors import (
    GaozhiError,
    ModelValidationError,
    PermissionDeniedError,
    RuleViolationError,
    SignatureError,
    WorkflowError,
)
from gaozhi_sdk.esign import Bundle, Indication, SubIndication, sign, validate
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models import CST, CreditRepairApplication, Notice, ProofChoice
from gaozhi_sdk.models.enums import (
    ActorRole,
    CaseStatus,
    CreditStatus,
    DispositionAction,
    ProofMode,
    RepairDecision,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.rules import RulesConfig, WithdrawalConfig, WithdrawalPolicy
from gaozhi_sdk.testing.pki import TestPKI

from .conftest import (
    ASSISTED_ENTRY,
    EXAM_ENTRY,
    EXEMPT_ENTRY,
    ON_SITE_ENTRY,
    ONLINE_ENTRY,
    ONLINE_FIRST_ENTRY,
    START,
    TWO_PROOF_LIST,
    World,
    WorldFactory,
)


@pytest.fixture
def two_proofs(world: World) -> World:
    """The world plus a published list where one matter needs two proofs."""
    world.publish_two_proof_list()
    return world


def _false_and_terminated(world: World) -> tuple[Any, str]:
    """An applicant whose pledge was found false and disposed of (credit record made)."""
    case = world.false_case(CaseStatus.ACCEPTED)
    d = world.svc.credit.dispose(case.case_no, [DispositionAction.TERMINATE], world.inspector)
    assert d.credit_record_id is not None
    return case.applicant, d.credit_record_id


# -- R-001 notice ------------------------------------------------------------------------------
def test_r001_notice_is_sealed_stored_and_journaled(world: World) -> None:
    """R-001: the written notice is sealed by the organ, stored, and journaled with the digest
    of the stored bundle and the notice hash; the applicant appears only digested/masked."""
    app = world.new_applicant()
    notice = world.notice([ONLINE_ENTRY], app)
    assert world.svc.cases.notice(notice.notice_id) == notice
    case = world.svc.cases.get(notice.case_no)
    assert case.status is CaseStatus.NOTICE_ISSUED and case.notice_id == notice.notice_id
    blob = world.svc.store.get_blob(f"notice/{notice.notice_id}")
    assert blob is not None
    bundle = Bundle.from_json(blob.data)
    report = validate(bundle, world.pki.trust_store(), at=world.clock())
    assert report.indication is Indication.TOTAL_PASSED
    assert bundle.payload == model_bytes(notice)
    (entry,) = world.journal(event="case.issue_notice")
    assert entry.aggregate_id == notice.case_no and entry.outcome == "APPLIED"
    assert entry.detail["bundle_sha256"] == blob.sha256
    assert entry.detail["notice_hash"] == sha256_hex(model_bytes(notice))
    assert entry.detail["from"] == "" and entry.detail["to"] == "NOTICE_ISSUED"
    assert app.id_number not in notice.model_dump_json()
    assert notice.applicant_digest == world.svc.subject_digest(app.id_number)
    # the told items are those of the published entry
    (item,) = notice.items
    assert item.entry_id == ONLINE_ENTRY and item.liability and item.verification_power


def test_r001_notice_without_organ_seal_stores_nothing(world: World) -> None:
    """R-001/R-035: without the organ's seal the notice cannot be issued; nothing is stored."""
    world.svc.sealer._signers.clear()  # the deployment lost its seal configuration
    with pytest.raises(GaozhiError) as ei:
        world.notice([ONLINE_ENTRY])
    assert ei.value.code == "GZ-CF-030"
    assert world.svc.store.count("case") == 0
    assert world.svc.store.count("notice") == 0
    assert list(world.svc.store.list_blobs("bundle")) == []
    (refused,) = world.journal(event="case.issue_notice", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-CF-030"}


def test_r001_pledge_must_answer_the_notice(world: World) -> None:
    """R-001: a pledge carrying another notice hash is refused; nothing is stored."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    forged, bundle = world.signed_pledge(case.case_no, notice_hash="0" * 64)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-210"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED
    assert world.svc.store.get("pledge", forged.pledge_id) is None
    assert world.svc.store.get_blob(f"pledge/{forged.pledge_id}") is None
    (refused,) = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-RL-210"}
    world.pledge(case.case_no)  # the genuine pledge is still accepted
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED


def test_r001_pledge_signed_before_notice_refused(world: World) -> None:
    """R-001: the notice comes first — a pledge dated before the notice is refused."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    notice = world.svc.cases.notice(case.notice_id or "")
    early = world.svc.cases.draft_pledge(
        case.case_no, signed_at=notice.issued_at - timedelta(hours=1)
    )
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(
            sign(early, world.signer_of(case.applicant)), world.actor_of(case.applicant)
        )
    assert ei.value.code == "GZ-RL-211"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r001_signed_pledge_is_stored_with_its_bundle(world: World) -> None:
    """R-001/R-035: an accepted pledge is stored with its signed bundle, digest journaled."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    pledge = world.pledge(case.case_no)
    assert world.svc.cases.pledge(pledge.pledge_id) == pledge
    assert world.svc.cases.get(case.case_no).pledge_id == pledge.pledge_id
    blob = world.svc.store.get_blob(f"pledge/{pledge.pledge_id}")
    assert blob is not None
    (entry,) = world.journal(event="case.sign_pledge", outcome="APPLIED")
    assert entry.detail["bundle_sha256"] == blob.sha256
    assert entry.detail["proxy"] is False
    assert entry.actor["role"] == "APPLICANT"
    assert entry.actor["ref"].startswith("hmac:k")


# -- choice ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "choices",
    [[], [ONLINE_ENTRY, ONLINE_ENTRY], [EXEMPT_ENTRY]],
    ids=["none", "twice", "foreign_entry"],
)
def test_r021_one_choice_per_told_proof(world: World, choices: list[str]) -> None:
    """R-021: exactly one free choice per told proof item, no more, no other."""
    case = world.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.record_choices(
            case.case_no,
            [{"entry_id": e, "mode": "PLEDGE"} for e in choices],
            world.actor_of(case.applicant),
        )
    assert ei.value.code == "GZ-RL-205"
    assert world.svc.cases.get(case.case_no).choices == ()


def test_r021_mixed_choice_pledges_only_chosen_proofs(two_proofs: World) -> None:
    """R-021: with two proofs, the applicant may pledge one and submit the other; the pledge
    covers only the pledged proof, and only it is verified."""
    w = two_proofs
    app = w.new_applicant()
    n = w.svc.cases.issue_notice(
        list_id=TWO_PROOF_LIST,
        entry_ids=[ONLINE_FIRST_ENTRY, EXEMPT_ENTRY],
        applicant=app,
        actor=w.clerk,
    )
    assert [i.entry_id for i in n.items] == [ONLINE_FIRST_ENTRY, EXEMPT_ENTRY]
    case = w.choose(
        n.case_no, {ONLINE_FIRST_ENTRY: ProofMode.DOCUMENT, EXEMPT_ENTRY: ProofMode.PLEDGE}
    )
    assert case.status is CaseStatus.NOTICE_ISSUED
    (entry,) = w.journal(event="case.record_choices")
    assert entry.detail["pledged"] == 1
    assert w.svc.cases.check_eligibility(n.case_no, w.clerk).eligible
    pledge = w.pledge(n.case_no)
    assert [i.entry_id for i in pledge.items] == [EXEMPT_ENTRY]
    vs = w.svc.cases.accept(n.case_no, w.clerk)
    assert [v.entry_id for v in vs] == [EXEMPT_ENTRY]


def test_r021_pledge_covering_other_items_refused(two_proofs: World) -> None:
    """R-021: the signed pledge must cover exactly the proofs chosen for pledging."""
    w = two_proofs
    app = w.new_applicant()
    n = w.svc.cases.issue_notice(
        list_id=TWO_PROOF_LIST,
        entry_ids=[ONLINE_FIRST_ENTRY, EXEMPT_ENTRY],
        applicant=app,
        actor=w.clerk,
    )
    w.choose(n.case_no, {ONLINE_FIRST_ENTRY: ProofMode.PLEDGE, EXEMPT_ENTRY: ProofMode.PLEDGE})
    full = w.svc.cases.draft_pledge(n.case_no)
    # re-record the choice: only one proof pledged, but the pledge still names both
    w.choose(n.case_no, {ONLINE_FIRST_ENTRY: ProofMode.PLEDGE, EXEMPT_ENTRY: ProofMode.DOCUMENT})
    with pytest.raises(RuleViolationError) as ei:
        w.svc.cases.submit_pledge(sign(full, w.signer_of(app)), w.actor_of(app))
    assert ei.value.code == "GZ-RL-213"


def test_r022_all_document_declines(world: World) -> None:
    """R-022: choosing the proof for every item declines the pledge route (terminal)."""
    case = world.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    new = world.choose(case.case_no, {ONLINE_ENTRY: ProofMode.DOCUMENT})
    assert new.status is CaseStatus.DECLINED
    assert world.state("case", case.case_no) == "DECLINED"
    (entry,) = world.journal(event="case.decline")
    assert entry.detail["to"] == "DECLINED"
    with pytest.raises(WorkflowError) as ei:
        world.svc.cases.draft_pledge(case.case_no)
    assert ei.value.code == "GZ-WF-002"
    with pytest.raises(WorkflowError):
        world.choose(case.case_no, {ONLINE_ENTRY: ProofMode.PLEDGE})  # DECLINED is terminal
    assert world.svc.cases.get(case.case_no).status is CaseStatus.DECLINED


# -- R-020 eligibility -------------------------------------------------------------------------
def test_r020_prior_false_pledge_bars_until_repaired(world: World) -> None:
    """R-020: after a false pledge the applicant is INELIGIBLE (proof route) until the record
    is repaired; after REPAIRED the pledge route is open again."""
    app, record_id = _false_and_terminated(world)
    n = world.notice([ONLINE_ENTRY], app)
    world.choose(n.case_no, {ONLINE_ENTRY: ProofMode.PLEDGE})
    result = world.svc.cases.check_eligibility(n.case_no, world.clerk)
    assert not result.eligible
    assert result.barring_record_ids == (record_id,)
    assert any("R-020" in r for r in result.reasons)
    case = world.svc.cases.get(n.case_no)
    assert case.status is CaseStatus.INELIGIBLE
    assert {c.mode for c in case.choices} == {ProofMode.DOCUMENT}
    (entry,) = world.journal(event="case.mark_ineligible")
    assert entry.detail["barring_records"] == [record_id]
    with pytest.raises(WorkflowError):
        world.svc.cases.draft_pledge(n.case_no)
    # repair after the minimum publicity period (一般: 3 months, R-113)
    world.svc.credit.publicize(record_id, world.credit_officer)
    world.clock.advance(days=100)
    application = world.svc.credit.apply_repair(
        record_id,
        CreditRepairApplication(
            application_id="XF-1",
            record_id=record_id,
            submitted_on=world.clock().date(),
            obligations_fulfilled_ref="整改完成证明",
            credit_commitment_ref="信用承诺书",
        ),
        world.actor_of(app),
    )
    world.svc.credit.decide_repair(
        application.application_id, RepairDecision.REPAIRED, world.credit_officer
    )
    again = world.bring(ONLINE_ENTRY, "PLEDGED", app=app)
    assert again.status is CaseStatus.PLEDGED


def test_r020_eligibility_rechecked_at_pledge(world: World) -> None:
    """R-020: a false pledge recorded between the eligibility check and the signature bars the
    pledge at submission (GZ-RL-217); the case stays NOTICE_ISSUED."""
    app = world.new_applicant()
    pending = world.bring(ON_SITE_ENTRY, "CHOSEN", app=app)
    lie = world.bring(ONLINE_ENTRY, "ACCEPTED", app=app, truth=False)
    (v,) = world.svc.verifications.list(case_no=lie.case_no)
    world.finish(v.verification_id, truth=False)
    world.svc.credit.dispose(lie.case_no, [DispositionAction.TERMINATE], world.inspector)
    _, bundle = world.signed_pledge(pending.case_no)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(app))
    assert ei.value.code == "GZ-RL-217"
    assert ei.value.rules == ("R-020",)
    assert "R-020" in (ei.value.message_en or "")
    assert world.svc.cases.get(pending.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r020_eligibility_needs_a_choice_first(world: World) -> None:
    """R-021: the credit gate runs on the chosen proofs, so a choice must exist first."""
    case = world.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.check_eligibility(case.case_no, world.clerk)
    assert ei.value.code == "GZ-RL-206"


# -- proxies ---------------------------------------------------------------------
def test_r024_proxy_with_special_authorisation_accepted(world: World) -> None:
    """R-024: a proxy holding the applicant's special authorisation may pledge."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, _ = world.proxy_for(case.applicant, [ONLINE_ENTRY])
    pledge = world.pledge(case.case_no, proxy=proxy)
    assert pledge.proxy is not None and pledge.proxy.party == proxy.party
    # the special authorisation travels as the applicant's signed grant
    assert pledge.proxy.authorization.signed_grant is not None
    assert pledge.proxy.authorization.model_copy(update={"signed_grant": None}) == (
        proxy.authorization
    )
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED
    (entry,) = world.journal(event="case.sign_pledge", outcome="APPLIED")
    assert entry.detail["proxy"] is True and entry.actor["role"] == "PROXY"


def _grant_forged(world: World, case_no: str, proxy: Any, how: str) -> Any:
    """The proxy carrying a special authorisation that does not bind it (R-024)."""
    if how == "none":
        return proxy
    if how == "signed_by_proxy":  # the proxy signs its own authorisation
        return world.with_grant(case_no, proxy, signer_app=proxy.party)
    grant = world.svc.cases.authorization_to_sign(case_no, proxy)
    changes = {
        "other_case": {"case_no": "CASE-OTHER"},
        "other_proxy": {"proxy": world.new_applicant()},
        "fewer_proofs": {"entry_ids": ("SZ-OTHER-001",)},
        "expired": {"valid_to": grant.valid_from},
    }[how]
    if how == "expired":
        changes["valid_from"] = grant.valid_from - timedelta(days=30)
        changes["valid_to"] = grant.valid_from - timedelta(days=1)
    forged = grant.model_copy(update=changes)
    applicant = world.svc.cases.get(case_no).applicant
    return proxy.with_signed_grant(sign(forged, world.signer_of(applicant)).to_json())


@pytest.mark.parametrize(
    "how", ["none", "signed_by_proxy", "other_case", "other_proxy", "fewer_proofs", "expired"]
)
def test_r024_proxy_pledge_without_the_applicants_signed_authorisation_refused(
    world: World, how: str
) -> None:
    """R-024: the special authorisation a proxy claims is evidence only when the applicant
    signed it for this case, this proxy, these proofs, valid on the signing date —
    otherwise submit_pledge refuses the proxy (GZ-AU-011, checked before the case's
    status or the pledge's content, naming no one) and stores nothing; a verifier does
    not pass the proxy's signature (SIGNER_NOT_AUTHORISED)."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, party = world.proxy_for(case.applicant, [ONLINE_ENTRY])
    forged = _grant_forged(world, case.case_no, proxy, how)
    pledge = world.svc.cases.draft_pledge(case.case_no, proxy=forged)
    bundle = sign(pledge, world.signer_of(party))
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(party, ActorRole.PROXY))
    assert ei.value.code == "GZ-AU-011"
    assert "特别授权书" in ei.value.message and "authorisation" in (ei.value.message_en or "")
    masked = mask_identifier(case.applicant.id_number)
    assert masked not in ei.value.message and masked not in (ei.value.message_en or "")
    (refused,) = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-AU-011"}
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED
    report = validate(bundle, world.svc.sealer.trust, at=world.clock())
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED, report.summary_en()


@pytest.mark.parametrize(
    "how", ["none", "signed_by_proxy", "other_case", "other_proxy", "fewer_proofs", "expired"]
)
def test_r024_proxy_chooses_only_with_the_applicants_signed_authorisation(
    world: World, how: str
) -> None:
    """R-024, R-022: a proxy acts for the applicant before the pledge too — choosing
    "submit documents" for every proof declines the applicant's pledge route. Its own
    claim of authority (no grant, a grant it signed itself, or one for another case,
    proxy, fewer proofs or an expired period) is refused GZ-AU-011, the refusal is
    journaled and nothing is recorded; the grant the applicant signed lets it choose."""
    n = world.notice([ONLINE_ENTRY])
    case = world.svc.cases.get(n.case_no)
    proxy, party = world.proxy_for(case.applicant, [ONLINE_ENTRY])
    forged = _grant_forged(world, case.case_no, proxy, how)
    decline = [ProofChoice(entry_id=ONLINE_ENTRY, mode=ProofMode.DOCUMENT)]
    acting = world.actor_of(party, ActorRole.PROXY)
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.cases.record_choices(case.case_no, decline, acting, proxy=forged)
    assert ei.value.code == "GZ-AU-011"
    assert "特别授权书" in ei.value.message and "R-024" in ei.value.message_en
    masked = mask_identifier(case.applicant.id_number)  # the answer names no one
    assert masked not in ei.value.message and masked not in (ei.value.message_en or "")
    after = world.svc.cases.get(case.case_no)
    assert after.status is CaseStatus.NOTICE_ISSUED and not after.choices
    refused = [e for e in world.svc.journal.entries() if e.outcome == "REFUSED"]
    assert refused and refused[-1].event == "case.decline", refused[-1:]  # what it tried
    assert refused[-1].detail["code"] == "GZ-AU-011"
    granted = world.with_grant(case.case_no, proxy)
    done = world.svc.cases.record_choices(case.case_no, decline, acting, proxy=granted)
    assert done.status is CaseStatus.DECLINED


def test_r024_a_proxys_refusal_is_no_oracle_for_the_applicants_identifier(world: World) -> None:
    """R-024: without the applicant's signed grant, a proxy's typed-in terms are refused
    before their content is checked — the same GZ-AU-011 and the same words whether the
    grantor it guessed is right or wrong — so an outsider cannot test guesses of the
    applicant's identifier (the content check's GZ-RL-006 names the pledgor)."""
    n = world.notice([ONLINE_ENTRY])
    case = world.svc.cases.get(n.case_no)
    guessed = world.new_applicant()
    acting_as = world.new_applicant()
    answers = []
    for grantor in (guessed, case.applicant):
        proxy, _ = world.proxy_for(grantor, [ONLINE_ENTRY], proxy_app=acting_as)
        with pytest.raises(PermissionDeniedError) as ei:
            world.svc.cases.record_choices(
                case.case_no,
                [ProofChoice(entry_id=ONLINE_ENTRY, mode=ProofMode.DOCUMENT)],
                world.actor_of(acting_as, ActorRole.PROXY),
                proxy=proxy,
            )
        answers.append((ei.value.code, ei.value.message, ei.value.message_en))
    assert answers[0] == answers[1] and answers[0][0] == "GZ-AU-011", answers
    assert mask_identifier(case.applicant.id_number) not in answers[0][1]


def test_r024_a_stranger_proxys_choices_tell_nothing_of_the_case(world: World) -> None:
    """R-024, R-021: an outsider in the PROXY role without the applicant's signed grant
    gets one answer from record_choices — GZ-AU-011, journaled as what it tried — whether
    it guessed the told proofs right or wrong and whatever the case's status; before, a
    wrong guess answered GZ-RL-205 and a case past the choice its status (GZ-WF-…)."""
    outsider = world.new_applicant()
    acting = world.actor_of(outsider, ActorRole.PROXY)
    cases = [world.bring(ONLINE_ENTRY, s) for s in ("NOTICE_ISSUED", "CHOSEN", "PLEDGED")]
    answers = set()
    for case in cases:
        proxy, _ = world.proxy_for(case.applicant, [ONLINE_ENTRY], proxy_app=outsider)
        for guess in (ONLINE_ENTRY, EXAM_ENTRY):
            with pytest.raises(GaozhiError) as ei:
                world.svc.cases.record_choices(
                    case.case_no,
                    [ProofChoice(entry_id=guess, mode=ProofMode.DOCUMENT)],
                    acting,
                    proxy=proxy,
                )
            answers.add((ei.value.code, ei.value.message, ei.value.message_en))
        refused = [e for e in world.svc.journal.entries() if e.outcome == "REFUSED"]
        assert [e.event for e in refused[-2:]] == ["case.decline"] * 2
        assert world.svc.cases.get(case.case_no) == case  # nothing recorded
    assert len(answers) == 1, answers
    assert next(iter(answers))[0] == "GZ-AU-011"


def test_r024_a_stranger_proxys_pledge_tells_nothing_of_the_cases_status(world: World) -> None:
    """R-024: a pledge an outsider in the PROXY role signed under typed-in terms gets one
    answer from submit_pledge — GZ-AU-011 naming no one, journaled — while the case awaits
    the pledge and after the applicant pledged; before, the first answer (GZ-SG-050) named
    the applicant by masked ID and the second was the case's status."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    outsider = world.new_applicant()
    proxy, _ = world.proxy_for(case.applicant, [ONLINE_ENTRY], proxy_app=outsider)
    bundle = sign(
        world.svc.cases.draft_pledge(case.case_no, proxy=proxy), world.signer_of(outsider)
    )
    acting = world.actor_of(outsider, ActorRole.PROXY)
    answers = []
    for pledged_by_then in (False, True):
        if pledged_by_then:
            world.pledge(case.case_no)  # the applicant signs their own pledge
        with pytest.raises(GaozhiError) as ei:
            world.svc.cases.submit_pledge(bundle, acting)
        answers.append((ei.value.code, ei.value.message, ei.value.message_en))
    assert answers[0] == answers[1] and answers[0][0] == "GZ-AU-011", answers
    masked = mask_identifier(case.applicant.id_number)  # before: named in GZ-SG-050
    assert masked not in answers[0][1] and masked not in (answers[0][2] or "")
    refused = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert [e.detail["code"] for e in refused] == ["GZ-AU-011"] * 2
    stored = world.svc.cases.pledge(world.svc.cases.get(case.case_no).pledge_id or "")
    assert stored.proxy is None  # the applicant's own pledge, not the outsider's


@pytest.mark.parametrize(
    ("kind", "code", "why"),
    [
        ("general_power", "GZ-RL-002", "不是明确的代为承诺授权"),
        ("expired", "GZ-RL-005", "不在授权期限"),
        ("other_matter", "GZ-RL-003", "事项编码不同"),
        ("acting_someone_else", None, "代为承诺人须出示申请人对本办件的特别授权"),
    ],
)
def test_r024_proxy_without_valid_special_authorisation_refused(
    world: World, kind: str, code: str | None, why: str
) -> None:
    """R-024: a general power, an expired authorisation, another matter, or a proxy acting
    under someone else's name are refused — at submission GZ-AU-011 with the reason (the
    applicant's signed grant is checked first, before the case's status), by the content
    check with the rule's own code; the case stays NOTICE_ISSUED."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, party = world.proxy_for(
        case.applicant,
        [ONLINE_ENTRY],
        express=kind != "general_power",
        valid_from=(world.clock() - timedelta(days=40)).date() if kind == "expired" else None,
        valid_days=30,
        matter_code="411222-OTHER-001" if kind == "other_matter" else None,
    )
    _, bundle = world.signed_pledge(case.case_no, proxy=proxy)
    acting = world.new_applicant() if kind == "acting_someone_else" else party
    with pytest.raises(PermissionDeniedError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(acting, ActorRole.PROXY))
    assert ei.value.code == "GZ-AU-011" and why in ei.value.message
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED
    assert world.svc.store.count("pledge") == 0
    (refused,) = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-AU-011"}
    if code is not None:  # the content check names the rule
        with pytest.raises(RuleViolationError) as rv:
            world.svc.cases.check_proxy(case.case_no, proxy)
        assert rv.value.code == code


def test_r024_authorisation_from_another_grantor_refused(world: World) -> None:
    """R-024: an authorisation granted by someone other than the applicant cannot even be
    drafted into a pledge: a coded error (GZ-MD-001), not a raw validation error."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, _ = world.proxy_for(world.new_applicant(), [ONLINE_ENTRY])
    with pytest.raises(ModelValidationError) as ei:
        world.svc.cases.draft_pledge(case.case_no, proxy=proxy)
    assert ei.value.code == "GZ-MD-001"
    assert case.applicant.id_number not in str(ei.value)
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r025_proxy_on_exam_entry_refused(world: World) -> None:
    """R-025: qualification-exam pledges are signed by the candidate; no proxy at all."""
    case = world.bring(EXAM_ENTRY, "CHOSEN")
    proxy, party = world.proxy_for(case.applicant, [EXAM_ENTRY])
    _, bundle = world.signed_pledge(case.case_no, proxy=proxy)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(party, ActorRole.PROXY))
    assert ei.value.code == "GZ-RL-001"
    assert "R-025" in ei.value.message
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r024_pledge_by_someone_else_as_applicant_refused(world: World) -> None:
    """R-024: only the applicant (or an authorised proxy) makes the pledge."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    stranger = world.new_applicant()
    _, bundle = world.signed_pledge(case.case_no, signer_app=stranger)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(bundle, world.actor_of(stranger))
    assert ei.value.code == "GZ-RL-216"


# -- R-035 signatures --------------------------------------------------------------------------
def test_r035_bundle_signed_by_untrusted_key_refused(world: World) -> None:
    """R-035: a pledge signed with a key outside the trust store is refused (SignatureError);
    nothing is stored and the refusal is journaled."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    pledge = world.svc.cases.draft_pledge(case.case_no)
    rogue = TestPKI.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=365)
    )
    signer = rogue.applicant(  # names the applicant, but under a root nobody trusts
        "申请人 (伪造)",
        case.applicant.id_number,
        not_before=START - timedelta(days=1),
        not_after=START + timedelta(days=365),
    )
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(sign(pledge, signer), world.actor_of(case.applicant))
    assert ei.value.code == "GZ-SG-020"
    assert world.svc.store.get("pledge", pledge.pledge_id) is None
    assert world.svc.store.get_blob(f"pledge/{pledge.pledge_id}") is None
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED
    (refused,) = world.journal(event="case.sign_pledge", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-SG-020"}


def test_r035_tampered_bundle_refused(world: World) -> None:
    """R-035: changing the signed payload after signing breaks the signature; nothing stored."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    pledge, bundle = world.signed_pledge(case.case_no)
    altered = pledge.model_copy(update={"signed_at": pledge.signed_at + timedelta(minutes=5)})
    doc = json.loads(bundle.to_json())
    doc["dsseEnvelope"]["payload"] = base64.b64encode(model_bytes(altered)).decode("ascii")
    tampered = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    with pytest.raises(SignatureError) as ei:
        world.svc.cases.submit_pledge(tampered, world.actor_of(case.applicant))
    assert ei.value.code == "GZ-SG-020"
    assert world.svc.store.count("pledge") == 0
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


def test_r029_pledge_clauses_edited_refused(world: World) -> None:
    """R-029/R-033: the pledge clauses are the template's; an edited clause is refused."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    draft = world.svc.cases.draft_pledge(case.case_no)
    item = draft.items[0]
    edited = item.model_copy(update={"clauses": (*item.clauses[:-1], "本人愿意接受核查。")})
    forged = draft.model_copy(update={"items": (edited,)})
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.submit_pledge(
            sign(forged, world.signer_of(case.applicant)), world.actor_of(case.applicant)
        )
    assert ei.value.code == "GZ-RL-214"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.NOTICE_ISSUED


# -- R-060 … R-064 withdrawal ------------------------------------------------------------------
def test_r060_withdraw_after_acceptance(world: World) -> None:
    """R-060/R-061: withdrawing before conclusion cancels open verifications, switches every
    proof to DOCUMENT and creates no credit record."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED")
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    assert v.status is VerificationStatus.SCHEDULED
    new = world.svc.cases.withdraw(
        case.case_no, "申请人已自行取得证明", world.actor_of(case.applicant)
    )
    assert new.status is CaseStatus.WITHDRAWN
    assert new.withdrawal is not None and new.withdrawal.reason == "申请人已自行取得证明"
    assert {c.mode for c in new.choices} == {ProofMode.DOCUMENT}
    assert world.svc.verifications.get(v.verification_id).status is VerificationStatus.CANCELLED
    (cancel,) = world.journal(event="verification.cancel")
    assert cancel.aggregate_id == v.verification_id
    (wd,) = world.journal(event="case.withdraw")
    assert wd.detail["cancelled"] == [v.verification_id]
    assert world.svc.store.count("credit_record") == 0
    assert world.svc.credit.records_of(case.applicant) == []
    assert world.state("case", case.case_no) == "WITHDRAWN"


def test_r060_withdraw_from_pledged(world: World) -> None:
    """R-060: a pledge can be withdrawn before acceptance too (no verification exists yet)."""
    case = world.bring(ONLINE_ENTRY, "PLEDGED")
    new = world.svc.cases.withdraw(case.case_no, "改按原程序办理", world.actor_of(case.applicant))
    assert new.status is CaseStatus.WITHDRAWN
    assert world.svc.verifications.list(case_no=case.case_no) == []


@pytest.mark.parametrize("reason", ["", "   \t"])
def test_r060_withdraw_needs_reason(world: World, reason: str) -> None:
    """R-060: a withdrawal needs a (non-blank) reasonable reason; the state is unchanged."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED")
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.withdraw(case.case_no, reason, world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-011"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED
    assert all(
        v.status is VerificationStatus.SCHEDULED
        for v in world.svc.verifications.list(case_no=case.case_no)
    )


def test_r060_no_withdrawal_after_conclusion(world: World) -> None:
    """R-060: once the matter is concluded (DECIDED) the pledge can no longer be withdrawn."""
    case = world.bring(ONLINE_ENTRY, "DECIDED")
    world.clock.advance(minutes=5)
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.withdraw(case.case_no, "想撤回", world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-010"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.DECIDED


def test_r060_no_withdrawal_before_pledge(world: World) -> None:
    """R-060: there is nothing to withdraw before a pledge was made."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.withdraw(case.case_no, "理由", world.actor_of(case.applicant))
    assert ei.value.code == "GZ-RL-012"


def test_r060_only_the_party_withdraws(world: World) -> None:
    """R-060: a stranger cannot withdraw somebody else's pledge."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED")
    stranger = world.new_applicant()
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.withdraw(case.case_no, "理由", world.actor_of(stranger))
    assert ei.value.code == "GZ-RL-218"
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED


def test_r060_proxy_withdraws_for_the_applicant(world: World) -> None:
    """R-060/R-024: the authorised proxy who made the pledge may withdraw it."""
    case = world.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, party = world.proxy_for(case.applicant, [ONLINE_ENTRY])
    world.pledge(case.case_no, proxy=proxy)
    new = world.svc.cases.withdraw(
        case.case_no, "委托人改按原程序办理", world.actor_of(party, ActorRole.PROXY)
    )
    assert new.status is CaseStatus.WITHDRAWN


def test_r064_same_matter_same_year_bars_after_withdrawal(world: World) -> None:
    """R-064: after withdrawing an exam pledge, the pledge route is closed for that matter in
    that year (recorded as the case's restriction); next year it is open again."""
    case = world.bring(EXAM_ENTRY, "ACCEPTED")
    app = case.applicant
    new = world.svc.cases.withdraw(case.case_no, "改为提交学历证明", world.actor_of(app))
    assert new.withdrawal is not None
    assert new.withdrawal.restriction == "SAME_MATTER_SAME_YEAR"
    assert world.svc.store.count("credit_record") == 0
    world.clock.advance(days=30)
    n = world.notice([EXAM_ENTRY], app)
    world.choose(n.case_no, {EXAM_ENTRY: ProofMode.PLEDGE})
    result = world.svc.cases.check_eligibility(n.case_no, world.clerk)
    assert not result.eligible
    assert any("R-064" in r for r in result.reasons)
    assert world.svc.cases.get(n.case_no).status is CaseStatus.INELIGIBLE
    # another matter is not affected
    assert world.bring(ONLINE_ENTRY, "CHOSEN", app=app).status is CaseStatus.NOTICE_ISSUED
    # the next calendar year the route is open again
    world.clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=CST))
    assert world.bring(EXAM_ENTRY, "PLEDGED", app=app).status is CaseStatus.PLEDGED


def test_r064_withdrawal_still_bars_after_deployment_secret_rotation(world: World) -> None:
    """Issue 10 item 2: identifier digests carry the key id of the deployment secret; after
    a rotation new records use the new secret and the archive made under the old one is
    still found (R-064 keeps barring the same matter in the same year)."""
    case = world.bring(EXAM_ENTRY, "ACCEPTED")
    app = case.applicant
    old_kid = world.svc.store.deployment_secret().key_id
    old_digest = world.svc.subject_digest(app.id_number)
    assert old_digest.startswith(old_kid + ":")
    world.svc.cases.withdraw(case.case_no, "改为提交学历证明", world.actor_of(app))
    new_kid = world.svc.rotate_deployment_secret()
    assert new_kid != old_kid and world.svc.store.deployment_secret().key_id == new_kid
    new_digest = world.svc.subject_digest(app.id_number)
    assert new_digest.startswith(new_kid + ":") and new_digest != old_digest
    assert world.svc.subject_digests(app.id_number) == [new_digest, old_digest]
    world.clock.advance(days=30)
    n = world.notice([EXAM_ENTRY], app)
    assert n.applicant_digest == new_digest
    world.choose(n.case_no, {EXAM_ENTRY: ProofMode.PLEDGE})
    result = world.svc.cases.check_eligibility(n.case_no, world.clerk)
    assert not result.eligible
    assert any("R-064" in r for r in result.reasons)


def test_notice_shows_only_the_tail_of_the_id_beside_its_digest(world: World) -> None:
    """Issue 10 item 2: beside a keyed digest the mask keeps only the last 4 characters."""
    app = world.new_applicant()
    n = world.notice([EXAM_ENTRY], app)
    assert n.applicant_masked == "*" * 14 + app.id_number[-4:]
    text = n.model_dump_json()
    assert app.id_number[:6] + "*" not in text and app.id_number not in text


def test_r064_withdrawal_without_restriction_does_not_bar(world: World) -> None:
    """R-064 is item-specific: withdrawing an ordinary pledge does not bar a new pledge."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED")
    world.svc.cases.withdraw(case.case_no, "理由", world.actor_of(case.applicant))
    assert world.bring(ONLINE_ENTRY, "PLEDGED", app=case.applicant).status is CaseStatus.PLEDGED


# -- decision ----------------------------------------------------------------------------------
def test_r040_decide_blocked_until_in_process_verification_true(world: World) -> None:
    """R-040: a decision needs every in-process (事中) verification concluded TRUE."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=None)  # the provider knows nothing yet
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    assert v.phase is VerificationPhase.IN_PROCESS
    with pytest.raises(RuleViolationError) as ei:
        world.decide(case.case_no)
    assert ei.value.code == "GZ-RL-220"
    world.svc.verifications.run_online(v.verification_id)  # NOT_FOUND → re-planned, still open
    with pytest.raises(RuleViolationError):
        world.decide(case.case_no)
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED
    world.finish(v.verification_id, truth=True)
    decided = world.decide(case.case_no)
    assert decided.status is CaseStatus.DECIDED
    assert decided.concluded_at == world.clock()


def test_r040_decide_blocked_after_false_in_process_verification(world: World) -> None:
    """R-051: a FALSE in-process verification leads to 终止办理, never to a decision."""
    case = world.false_case(CaseStatus.ACCEPTED)
    with pytest.raises(RuleViolationError) as ei:
        world.decide(case.case_no)
    assert ei.value.code == "GZ-RL-220"


def test_r041_decision_fixes_post_decision_due_date(world: World) -> None:
    """R-041: a window anchored at the decision gets its due date when the decision is made."""
    case = world.bring(ON_SITE_ENTRY, "ACCEPTED")
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    assert v.phase is VerificationPhase.POST_DECISION and v.due_at is None
    world.decide(case.case_no)
    v = world.svc.verifications.get(v.verification_id)
    assert v.due_at is not None and v.due_at > world.clock()


def test_r041_close_case_needs_concluded_true(world: World) -> None:
    """A decided case is archived CLOSED_TRUE only when every verification concluded TRUE."""
    case = world.bring(ON_SITE_ENTRY, "DECIDED")
    with pytest.raises(RuleViolationError) as ei:
        world.svc.cases.close(case.case_no, world.clerk)
    assert ei.value.code == "GZ-RL-221"
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    world.finish(v.verification_id, truth=True)
    assert world.svc.cases.close(case.case_no, world.clerk).status is CaseStatus.CLOSED_TRUE


def test_r046_assisted_in_process_then_decide(world: World) -> None:
    """R-046: an assisted in-process verification confirmed by the other organ allows the
    decision."""
    case = world.bring(ASSISTED_ENTRY, "ACCEPTED")
    (v,) = world.svc.verifications.list(case_no=case.case_no)
    assert world.finish(v.verification_id, truth=True).result is VerificationResult.TRUE
    assert world.decide(case.case_no).status is CaseStatus.DECIDED


def test_r020_false_pledge_record_survives_in_archive(world: World) -> None:
    """R-055: the 诚信档案 is keyed by a digest, never the identifier, and lists the record."""
    app, record_id = _false_and_terminated(world)
    digest = world.svc.subject_digest(app.id_number)
    rec = world.svc.store.get("subject", digest)
    assert rec is not None and rec.doc["credit_records"] == [record_id]
    assert world.svc.store.get("subject", app.id_number) is None
    assert [r.record_id for r in world.svc.credit.records_of(app)] == [record_id]
    assert world.svc.credit.get(record_id).status is CreditStatus.RECORDED


def test_notice_items_must_share_one_matter(world: World) -> None:
    """One notice concerns one administrative matter (GZ-RL-203)."""
    with pytest.raises(RuleViolationError) as ei:
        world.notice([ONLINE_ENTRY, EXAM_ENTRY])
    assert ei.value.code == "GZ-RL-203"
    assert world.svc.store.count("case") == 0


def test_notice_reads_back_as_model(world: World) -> None:
    """The stored notice validates as the model (round trip through the SQLite file)."""
    n = world.notice([ONLINE_ENTRY])
    rec = world.svc.store.get("notice", n.notice_id)
    assert rec is not None and Notice.model_validate(rec.doc) == n


def test_r063_configured_withdrawal_deadline_applies(world_factory: WorldFactory) -> None:
    """R-063: an item-specific window (exam registration deadline) is enforced on
    withdrawal; before the deadline the withdrawal goes through."""
    deadline = START + timedelta(days=1)
    policy = WithdrawalPolicy(name_zh="2026 年度资格考试报名", deadline=deadline)
    w = world_factory(rules=RulesConfig(withdrawal=WithdrawalConfig(policies={EXAM_ENTRY: policy})))
    late = w.bring(EXAM_ENTRY, "ACCEPTED")
    early = w.bring(EXAM_ENTRY, "ACCEPTED")
    w.svc.cases.withdraw(early.case_no, "改为提交学历证明", w.actor_of(early.applicant))
    w.clock.set(deadline + timedelta(minutes=1))
    with pytest.raises(RuleViolationError) as ei:
        w.svc.cases.withdraw(late.case_no, "改为提交学历证明", w.actor_of(late.applicant))
    assert ei.value.code == "GZ-RL-013" and "R-063" in ei.value.message
    assert w.svc.cases.get(late.case_no).status is CaseStatus.ACCEPTED
    assert w.svc.cases.get(early.case_no).status is CaseStatus.WITHDRAWN
