"""Journal, outbox and role policy across the service (DESIGN §6; R-091, R-092, R-114)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.errors import GaozhiError, PermissionDeniedError, StoreError, WorkflowError
from gaozhi_sdk.ids import validate_resident_id
from gaozhi_sdk.models import CreditRepairApplication, Objection
from gaozhi_sdk.models.enums import (
    ActorRole,
    AssistanceReply,
    CaseStatus,
    DispositionAction,
    ObjectionOutcome,
    ProofMode,
    RepairDecision,
    VerificationResult,
)
from gaozhi_sdk.store.sqlite import SqliteTransaction
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.workflow.roles import RolePolicy

from .conftest import (
    ASSISTED_ENTRY,
    EXAM_ENTRY,
    EXEMPT_ENTRY,
    JUSTICE_USCC,
    ON_SITE_ENTRY,
    ONLINE_ENTRY,
    OWNER_USCC,
    POLICE_USCC,
    World,
    WorldFactory,
    build_world,
)

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
# SHA-256 digests and hash-chain values: random hex may contain 11-digit runs
_DIGESTS = re.compile(r"[0-9a-f]{32,}")
_ALSO_EVENTS = {"verification.schedule", "verification.cancel", "credit.record", "entry.supersede"}


# -- a full lifecycle ----------------------------------------------------------------------------
def _lifecycle(w: World) -> None:
    """Drive every machine through most transitions, with refusals on the way."""
    svc = w.svc
    # declined, ineligible-by-withdrawal, proxy + withdrawal
    declined = w.bring(ONLINE_ENTRY, "NOTICE_ISSUED")
    w.choose(declined.case_no, {ONLINE_ENTRY: ProofMode.DOCUMENT})
    exam = w.bring(EXAM_ENTRY, "ACCEPTED")
    svc.cases.withdraw(exam.case_no, "改为提交学历证明", w.actor_of(exam.applicant))
    again = w.notice([EXAM_ENTRY], exam.applicant)
    w.choose(again.case_no, {EXAM_ENTRY: ProofMode.PLEDGE})
    svc.cases.check_eligibility(again.case_no, w.clerk)
    by_proxy = w.bring(ONLINE_ENTRY, "CHOSEN")
    proxy, party = w.proxy_for(by_proxy.applicant, [ONLINE_ENTRY])
    w.pledge(by_proxy.case_no, proxy=proxy)
    svc.cases.withdraw(by_proxy.case_no, "委托人改按原程序办理", w.actor_of(party, ActorRole.PROXY))
    # online TRUE → decided → closed; a legal person among them
    ok = w.bring(ONLINE_ENTRY, "DECIDED", app=w.new_applicant(legal=True))
    svc.cases.close(ok.case_no, w.clerk)
    # assisted with a written refusal, then on site
    assisted = w.bring(ASSISTED_ENTRY, "ACCEPTED")
    (av,) = svc.verifications.list(case_no=assisted.case_no)
    req = svc.verifications.request_assistance(
        av.verification_id, requested_organ=POLICE_USCC, question="请核实", actor=w.inspector
    )
    svc.verifications.reply_assistance(
        req.assistance_id, AssistanceReply.REFUSED, w.police, refusal_reason="档案已移交"
    )
    w.finish(av.verification_id, truth=True)
    # false pledges: terminated with a penalty (legal person), rectification after decision
    liar = w.bring(ONLINE_ENTRY, "ACCEPTED", app=w.new_applicant(legal=True), truth=False)
    (lv,) = svc.verifications.list(case_no=liar.case_no)
    w.finish(lv.verification_id, truth=False)
    d1 = svc.credit.dispose(
        liar.case_no,
        [DispositionAction.TERMINATE, DispositionAction.ADMIN_PENALTY],
        w.inspector,
        penalty_ref="陕市监罚〔2026〕11号",
    )
    late = w.false_case(CaseStatus.DECIDED)
    d2 = svc.credit.dispose(
        late.case_no,
        [DispositionAction.ORDER_RECTIFICATION],
        w.inspector,
        rectification_due=w.clock().date() + timedelta(days=30),
    )
    svc.credit.confirm_rectified(late.case_no, w.inspector)
    # exempt pledges, a draw and an inspection
    for _ in range(3):
        w.bring(EXEMPT_ENTRY, "DECIDED")
    (draw,) = svc.verifications.draw_inspections(
        OWNER_USCC, ["IN0007", "IN0008"], w.inspector, seed_hex="ab" * 16, rate_percent=30
    )
    svc.verifications.record_supervision(draw.selected[0], False, w.inspector)
    # credit: publicity, objection, repair
    r1, r2 = d1.credit_record_id or "", d2.credit_record_id or ""
    svc.credit.publicize(r1, w.credit_officer)
    svc.credit.publicize(r2, w.credit_officer)
    svc.credit.object_to_record(
        r1,
        Objection(
            objection_id="OBJ-1", record_id=r1, submitted_on=w.clock().date(), grounds="事实有误"
        ),
        w.actor_of(liar.applicant),
    )
    svc.credit.resolve_objection(
        "OBJ-1", ObjectionOutcome.MAINTAINED, w.credit_officer, reason="维持"
    )
    # refused attempts on the way
    pending = w.bring(ON_SITE_ENTRY, "PLEDGED")
    for attempt in (
        lambda: svc.cases.accept(pending.case_no, w.actor_of(pending.applicant)),
        lambda: svc.cases.accept(pending.case_no, w.police_clerk),
        lambda: w.decide(pending.case_no),
    ):
        with pytest.raises(GaozhiError):
            attempt()
    # overdue and expiry
    open_case = w.bring(ONLINE_ENTRY, "ACCEPTED", truth=None)
    (ov,) = svc.verifications.list(case_no=open_case.case_no)
    assert ov.due_at is not None
    w.clock.set(ov.due_at + timedelta(days=2))
    svc.sweep()
    w.clock.advance(days=95)
    app = svc.credit.apply_repair(
        r2,
        CreditRepairApplication(
            application_id="XF-1",
            record_id=r2,
            submitted_on=w.clock().date(),
            obligations_fulfilled_ref="整改完成证明",
            credit_commitment_ref="信用承诺书",
        ),
        w.actor_of(late.applicant),
    )
    svc.credit.decide_repair(app.application_id, RepairDecision.REPAIRED, w.credit_officer)
    # complaints with a reporter's phone number (kept in the complaint, never journaled)
    c = svc.complaints.receive(
        channel="12345政务服务便民热线",
        subject_ref=ok.case_no,
        content="举报经营场所与实际不符",
        reporter_contact="13900001111",
        actor=w.clerk,
    )
    svc.complaints.assign(c.complaint_id, "IN0007", w.clerk)
    svc.complaints.handle(c.complaint_id, "经现场核实, 举报不属实", w.inspector)
    svc.complaints.give_feedback(c.complaint_id, "已电话告知举报人", w.inspector)
    w.clock.advance(days=400)
    svc.sweep()


@pytest.fixture(scope="module")
def lived(
    tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, seals: dict[str, Any]
) -> Iterator[World]:
    """One world after a full lifecycle (shared by the read-only checks of this module)."""
    w = build_world(tmp_path_factory.mktemp("lived") / "gaozhi.db", pki, seals)
    _lifecycle(w)
    yield w
    w.svc.close()


# -- journal ↔ state -------------------------------------------------------------------------------
def test_every_case_version_has_exactly_one_journal_entry(lived: World) -> None:
    """Every stored change of a case is one APPLIED journal entry whose target is the state."""
    applied = Counter(
        e.aggregate_id
        for e in lived.journal(outcome="APPLIED")
        if e.aggregate_type == "case" and e.event.startswith("case.")
    )
    cases = list(lived.svc.store.list("case"))
    assert len(cases) > 10
    for rec in cases:
        assert applied[rec.id] == rec.version, rec.id
        last = [e for e in lived.journal(aggregate_id=rec.id, outcome="APPLIED")][-1]
        assert last.detail["to"] == rec.state


@pytest.mark.parametrize(
    "kind", ["verification", "credit_record", "complaint", "draw", "list_version"]
)
def test_every_aggregate_state_matches_its_last_journal_entry(lived: World, kind: str) -> None:
    """The state of every aggregate is the target of its last APPLIED journal entry."""
    last: dict[str, str] = {}
    for e in lived.journal(outcome="APPLIED"):
        if e.aggregate_type == kind and "to" in e.detail:
            last[e.aggregate_id] = e.detail["to"]
    records = list(lived.svc.store.list(kind))
    assert records
    for rec in records:
        assert last.get(rec.id) == rec.state, rec.id


def test_every_transition_writes_one_entry_plus_also(world: World) -> None:
    """Each call writes one entry for its own transition and one per other aggregate it
    changed (``also``), all with the same time."""
    case = world.bring(ONLINE_ENTRY, "PLEDGED")
    calls: list[tuple[Callable[[], Any], str, set[str]]] = [
        (
            lambda: world.svc.cases.accept(case.case_no, world.clerk),
            "case.accept",
            {"verification.schedule"},
        ),
        (
            lambda: world.svc.cases.withdraw(case.case_no, "理由", world.actor_of(case.applicant)),
            "case.withdraw",
            {"verification.cancel"},
        ),
    ]
    for call, event, also in calls:
        before = world.journal_count()
        call()
        new = list(world.svc.store.journal(after_seq=before))
        assert new[0].event == event
        assert {e.event for e in new[1:]} == also
        assert len(new) == 1 + len(also)
        assert len({e.at for e in new}) == 1
        assert all(e.outcome == "APPLIED" for e in new)


def test_state_and_journal_commit_together(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal entry is written in the same transaction as the state: if the journal
    cannot be written, the state change is rolled back as well."""
    case = world.bring(ONLINE_ENTRY, "PLEDGED")
    rec_before = world.svc.store.get("case", case.case_no)
    original = SqliteTransaction.append_journal

    def failing(self: SqliteTransaction, **kw: Any) -> Any:
        if kw["event"] == "case.accept":
            raise StoreError("GZ-ST-999", "模拟台账写入失败")
        return original(self, **kw)

    monkeypatch.setattr(SqliteTransaction, "append_journal", failing)
    with pytest.raises(StoreError):
        world.svc.cases.accept(case.case_no, world.clerk)
    monkeypatch.setattr(SqliteTransaction, "append_journal", original)
    assert world.svc.store.get("case", case.case_no) == rec_before
    assert world.svc.store.count("verification") == 0
    assert world.journal(event="case.accept") == []
    world.svc.cases.accept(case.case_no, world.clerk)
    assert world.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED


def test_failed_commit_leaves_no_applied_entry(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the journal append (outbox) rolls the journal entry back too; only
    the REFUSED record of the attempt remains."""
    case = world.bring(ONLINE_ENTRY, "PLEDGED")
    original = SqliteTransaction.enqueue

    def failing(self: SqliteTransaction, topic: str, payload: Any, **kw: Any) -> None:
        if topic == "pledge.accepted":
            raise StoreError("GZ-ST-998", "模拟发件箱写入失败")
        original(self, topic, payload, **kw)

    monkeypatch.setattr(SqliteTransaction, "enqueue", failing)
    with pytest.raises(StoreError):
        world.svc.cases.accept(case.case_no, world.clerk)
    assert world.journal(event="case.accept", outcome="APPLIED") == []
    (refused,) = world.journal(event="case.accept", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-ST-998"}
    assert world.svc.cases.get(case.case_no).status is CaseStatus.PLEDGED
    assert world.journal(event="verification.schedule") == []


# -- refused attempts ------------------------------------------------------------------------------
_REFUSALS: dict[str, tuple[str, str, str]] = {
    # name: (code, journal event, target state of the case set-up)
    "accept_by_applicant": ("GZ-AU-001", "case.accept", "PLEDGED"),
    "accept_by_other_organ": ("GZ-AU-002", "case.accept", "PLEDGED"),
    "accept_twice": ("GZ-WF-002", "case.accept", "ACCEPTED"),
    "decide_before_accept": ("GZ-WF-002", "case.decide", "PLEDGED"),
    "sign_again": ("GZ-WF-002", "case.sign_pledge", "PLEDGED"),
}


@pytest.mark.parametrize("name", sorted(_REFUSALS))
def test_refused_attempt_journaled_and_state_unchanged(world: World, name: str) -> None:
    """Refused attempts (role policy, organ scope, illegal state) are journaled REFUSED with
    their code; the state and its version are unchanged."""
    code, event, state = _REFUSALS[name]
    case = world.bring(ONLINE_ENTRY, state)
    before = world.svc.store.get("case", case.case_no)
    count = world.journal_count()
    attempts: dict[str, Callable[[], Any]] = {
        "accept_by_applicant": lambda: world.svc.cases.accept(
            case.case_no, world.actor_of(case.applicant)
        ),
        "accept_by_other_organ": lambda: world.svc.cases.accept(case.case_no, world.police_clerk),
        "accept_twice": lambda: world.svc.cases.accept(case.case_no, world.clerk),
        "decide_before_accept": lambda: world.decide(case.case_no),
        "sign_again": lambda: world.svc.cases.submit_pledge(
            _resign(world, case.case_no), world.actor_of(case.applicant)
        ),
    }
    with pytest.raises(GaozhiError) as ei:
        attempts[name]()
    assert ei.value.code == code
    assert world.svc.store.get("case", case.case_no) == before
    new = list(world.svc.store.journal(after_seq=count))
    assert len(new) == 1
    (entry,) = new
    assert entry.outcome == "REFUSED" and entry.event == event
    assert entry.detail == {"code": code}
    assert entry.aggregate_id == case.case_no


def _resign(world: World, case_no: str) -> Any:
    """A second signature over the stored pledge (the case is already PLEDGED)."""
    from gaozhi_sdk.esign import sign

    case = world.svc.cases.get(case_no)
    return sign(world.svc.cases.pledge(case.pledge_id or ""), world.signer_of(case.applicant))


def test_role_policy_override_applies_in_service(world_factory: WorldFactory) -> None:
    """A deployment's role policy replaces the default grants (here: inspectors accept)."""
    w = world_factory(role_policy=RolePolicy({"case.accept": ["INSPECTOR"]}))
    case = w.bring(ONLINE_ENTRY, "PLEDGED")
    with pytest.raises(PermissionDeniedError) as ei:
        w.svc.cases.accept(case.case_no, w.clerk)
    assert ei.value.code == "GZ-AU-001"
    w.svc.cases.accept(case.case_no, w.inspector)
    assert w.svc.cases.get(case.case_no).status is CaseStatus.ACCEPTED


def test_r011_reviewer_from_unconfigured_bureau_refused(world_factory: WorldFactory) -> None:
    """R-009/R-011: with configured justice bureaus, other reviewers cannot publish."""
    w = world_factory(
        publish=False, role_policy=RolePolicy(justice_bureaus=frozenset({"11411222005123093N"}))
    )
    from gaozhi_sdk.rules import load_list
    from gaozhi_sdk.testing import sample_list_text

    from .conftest import review

    cl = load_list(sample_list_text())
    w.svc.lists.draft(cl, w.officer)
    w.svc.lists.submit(cl.list_id, 1, w.officer)
    assert w.reviewer.organ_uscc == JUSTICE_USCC
    with pytest.raises(PermissionDeniedError) as ei:
        w.svc.lists.publish(cl.list_id, 1, review(), w.reviewer)
    assert ei.value.code == "GZ-AU-003"
    (refused,) = w.journal(event="entry.publish", outcome="REFUSED")
    assert refused.detail == {"code": "GZ-AU-003"}


def test_complaint_steps_follow_the_machine(world: World) -> None:
    """R-072: a complaint is received, assigned, handled and answered in that order."""
    c = world.svc.complaints.receive(
        channel="12345", subject_ref="CASE-X", content="举报", actor=world.clerk
    )
    with pytest.raises(WorkflowError) as ei:
        world.svc.complaints.give_feedback(c.complaint_id, "已反馈", world.inspector)
    assert ei.value.code == "GZ-WF-002"
    world.svc.complaints.assign(c.complaint_id, "IN0007", world.clerk)
    world.svc.complaints.handle(c.complaint_id, "已核实", world.inspector)
    done = world.svc.complaints.give_feedback(c.complaint_id, "已反馈", world.inspector)
    assert done.status.value == "CLOSED" and done.closed_at == world.clock()


# -- personal data (R-091, R-092) ----------------------------------------------------------------
def _identifiers(w: World) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for app in w.applicants:
        out.append(("id_number", app.id_number))
        if app.is_natural_person:
            out.append(("name", app.name))
        if app.contact:
            out.append(("contact", app.contact))
    out.append(("reporter", "13900001111"))
    return out


def _assert_no_personal_data(text: str, w: World, where: str) -> None:
    for kind, value in _identifiers(w):
        assert value not in text, f"{kind} found in {where}"
    text = _DIGESTS.sub("#", text)  # the pattern scans below look at everything else
    for m in _RESIDENT_ID.finditer(text):
        try:
            validate_resident_id(m.group(0))
        except GaozhiError:
            continue
        raise AssertionError(f"a valid resident ID appears in {where}")
    assert not _MOBILE.search(text), f"a mobile number appears in {where}"


def test_journal_table_holds_no_personal_identifiers(lived: World) -> None:
    """R-091/R-092: the journal table of the SQLite file holds no resident ID, USCC of an
    applicant, name or phone number — neither raw nor inside its JSON columns."""
    raw = lived.raw_journal_text()
    assert "case.sign_pledge" in raw and "PROXY" in raw  # the lifecycle did reach the journal
    _assert_no_personal_data(raw, lived, "journal table")
    decoded = "\n".join(
        json.dumps(json.loads(part), ensure_ascii=False)
        for line in raw.splitlines()
        for part in line.split("|")
        if part.startswith("{")
    )
    _assert_no_personal_data(decoded, lived, "journal JSON columns")
    # the applicants are in the state records (the cases need them), so the scan is real
    case_docs = "".join(
        json.dumps(dict(r.doc), ensure_ascii=False) for r in lived.svc.store.list("case")
    )
    assert lived.applicants[0].id_number in case_docs


def test_exported_journal_holds_no_personal_identifiers(lived: World, tmp_path: Path) -> None:
    """R-091/R-092: the exported journal.jsonl is free of personal identifiers too."""
    path = tmp_path / "journal.jsonl"
    n = lived.svc.store.export_journal(path)  # type: ignore[attr-defined]
    assert n == lived.journal_count()
    _assert_no_personal_data(path.read_bytes().decode("utf-8"), lived, "journal.jsonl")


def test_applicant_and_proxy_refs_are_digests(lived: World) -> None:
    """Applicants and proxies appear in the journal only as digests keyed with the store's
    deployment secret, with its key id: ``hmac:<key id>:<32 hex>``."""
    refs = {e.actor["ref"] for e in lived.journal() if e.actor["role"] in ("APPLICANT", "PROXY")}
    key_id = lived.svc.store.deployment_secret().key_id
    assert refs and all(r.startswith(f"hmac:{key_id}:") and len(r) == 47 for r in refs)
    digests = {"hmac:" + lived.svc.subject_digest(a.id_number)[:42] for a in lived.applicants}
    assert refs <= digests


def test_outbox_has_idempotency_keys_and_no_personal_data(lived: World) -> None:
    """Outbox events carry unique idempotency keys tied to their journal entry, and no
    personal identifiers (plugins fetch details through the API)."""
    msgs = lived.svc.store.pending_outbox(limit=100_000)
    assert len(msgs) > 20
    keys = [m.idempotency_key for m in msgs]
    assert len(set(keys)) == len(keys)
    by_seq = {e.seq: e for e in lived.journal()}
    for m in msgs:
        topic, agg, seq = m.idempotency_key.rsplit(":", 2)
        assert topic == m.topic
        entry = by_seq[int(seq)]
        assert entry.aggregate_id == agg and entry.outcome == "APPLIED"
        assert m.payload["journal_seq"] == int(seq)
    text = json.dumps([dict(m.payload) for m in msgs], ensure_ascii=False)
    _assert_no_personal_data(text, lived, "outbox")
    assert {"notice.issued", "pledge.signed", "credit.record_created", "draw.published"} <= {
        m.topic for m in msgs
    }


def test_journal_chain_verifies_after_full_lifecycle(lived: World) -> None:
    """The hash chain of the journal verifies after a full lifecycle with refusals."""
    report = lived.svc.store.verify_journal()  # type: ignore[attr-defined]
    assert report.ok, report.problems
    assert report.count == lived.journal_count()
    seqs = [e.seq for e in lived.journal()]
    assert seqs == list(range(1, len(seqs) + 1))
    outcomes = Counter(e.outcome for e in lived.journal())
    assert outcomes["REFUSED"] >= 3 and outcomes["APPLIED"] > 50
    assert {e.event for e in lived.journal()} >= _ALSO_EVENTS - {"entry.supersede"}


def test_lifecycle_reached_the_expected_states(lived: World) -> None:
    """Sanity of the shared lifecycle: the checks above ran over a varied store."""
    states = Counter(r.state for r in lived.svc.store.list("case"))
    for s in (
        "DECLINED",
        "INELIGIBLE",
        "WITHDRAWN",
        "TERMINATED",
        "CLOSED_TRUE",
        "CLOSED_RECTIFIED",
        "DECIDED",
        "PLEDGED",
        "ACCEPTED",
    ):
        assert states[s] >= 1, s
    results = Counter(v.result for v in lived.svc.verifications.list())
    assert results[VerificationResult.FALSE] >= 2 and results[VerificationResult.TRUE] >= 2


def test_r060_refused_guards_are_journaled_too(world: World) -> None:
    """R-060 guard refusals (not only role-policy refusals) leave a REFUSED journal entry
    with the error code, and the state is unchanged."""
    case = world.bring(ONLINE_ENTRY, "ACCEPTED")
    before = world.journal_count()
    with pytest.raises(GaozhiError) as ei:
        world.svc.cases.withdraw(case.case_no, "   ", world.actor_of(case.applicant))
    (refused,) = world.journal(event="case.withdraw", outcome="REFUSED")
    assert refused.aggregate_id == case.case_no
    assert refused.detail["code"] == ei.value.code
    assert world.journal_count() == before + 1
    assert world.svc.cases.get(case.case_no).status.value == "ACCEPTED"
