"""Shared fixtures for the service tests: a real :class:`PledgeService` on a SQLite file.

``world`` builds, per test, a service over ``tmp_path/gaozhi.db`` with a test PKI (organ
seals for the sample list owner and for 三门峡市陕州区公安局), a simulated clock, a
deterministic id factory and the fake data-sharing provider; the sample list is drafted,
submitted and published. :class:`World` carries helpers that bring a case to a state.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.esign import Bundle, sign
from gaozhi_sdk.models import (
    CST,
    Actor,
    Applicant,
    Case,
    Decision,
    Notice,
    Pledge,
    ProofChoice,
    Proxy,
    ReviewRecord,
    SpecialAuthorization,
    Verification,
)
from gaozhi_sdk.models.enums import (
    ActorRole,
    AssistanceReply,
    CaseStatus,
    ProofMode,
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.rules import RulesConfig, load_list
from gaozhi_sdk.service import PledgeService
from gaozhi_sdk.store import SqliteStore, Store
from gaozhi_sdk.store.base import JournalEntry
from gaozhi_sdk.testing import SimulatedClock, sample_list_text
from gaozhi_sdk.testing.fakes import FakeDataSharingProvider
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant
from gaozhi_sdk.workflow.roles import RolePolicy

START = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
OWNER_USCC = "11411222005123018X"
OWNER_NAME = "三门峡市陕州区人民政府"
POLICE_USCC = "11411222005123026Q"
POLICE_NAME = "三门峡市陕州区公安局"
JUSTICE_USCC = "11411222005123085U"

# Entries of the sample list, by what the tests need from them.
ONLINE_ENTRY = "SZ-GA-HJ-001"  # ONLINE, in-process (20 WD from acceptance), fallback ASSISTED
ONLINE_FIRST_ENTRY = "SZ-SCJG-001"  # ON_SITE with a data source → ONLINE first, post-decision
EXEMPT_ENTRY = "SZ-SCJG-002"  # EXEMPT → 双随机 daily supervision
EXAM_ENTRY = "SZ-JY-KS-001"  # 资格考试: no proxy, SAME_MATTER_SAME_YEAR
ASSISTED_ENTRY = "SZ-RS-SB-001"  # ASSISTED, in-process (15 WD)
ON_SITE_ENTRY = "SZ-WJ-YL-001"  # ON_SITE, no data source, post-decision (1 month)
TWO_PROOF_LIST = "SZ-411222-GZCN-TWO"  # see World.publish_two_proof_list


def review() -> ReviewRecord:
    """The justice bureau's review record used to publish lists."""
    return ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2026, 1, 4))


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    """One test PKI for the session (valid from well before START for ten years)."""
    return TestPKI.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650)
    )


@pytest.fixture(scope="session")
def seals(pki: TestPKI) -> dict[str, Any]:
    """Organ seals: the sample list owner and 三门峡市陕州区公安局."""
    nb = START - timedelta(days=1)
    return {
        OWNER_USCC: pki.organ_seal(OWNER_NAME, OWNER_USCC, not_before=nb),
        POLICE_USCC: pki.organ_seal(POLICE_NAME, POLICE_USCC, not_before=nb),
    }


def _official(role: ActorRole, actor_id: str, organ: str | None = OWNER_USCC) -> Actor:
    return Actor(role=role, actor_id=actor_id, organ_uscc=organ)


@dataclass
class World:
    """A service under test plus the parties and helpers that drive it."""

    svc: PledgeService
    clock: SimulatedClock
    pki: TestPKI
    provider: FakeDataSharingProvider
    db_path: Path
    list_id: str
    rng: random.Random = field(default_factory=lambda: random.Random(20210420))
    clerk: Actor = field(default_factory=lambda: _official(ActorRole.WINDOW_CLERK, "CK0001"))
    inspector: Actor = field(default_factory=lambda: _official(ActorRole.INSPECTOR, "IN0007"))
    credit_officer: Actor = field(
        default_factory=lambda: _official(ActorRole.CREDIT_OFFICER, "CR0003")
    )
    officer: Actor = field(default_factory=lambda: _official(ActorRole.LIST_OFFICER, "LS0001"))
    reviewer: Actor = field(
        default_factory=lambda: _official(ActorRole.JUSTICE_REVIEWER, "SF0001", JUSTICE_USCC)
    )
    police: Actor = field(
        default_factory=lambda: _official(ActorRole.INSPECTOR, "GA0101", POLICE_USCC)
    )
    police_clerk: Actor = field(
        default_factory=lambda: _official(ActorRole.WINDOW_CLERK, "GA0102", POLICE_USCC)
    )
    police_credit: Actor = field(
        default_factory=lambda: _official(ActorRole.CREDIT_OFFICER, "GA0103", POLICE_USCC)
    )
    system: Actor = field(default_factory=lambda: Actor(role=ActorRole.SYSTEM, actor_id="system"))
    applicants: list[Applicant] = field(default_factory=list)
    _signers: dict[str, Any] = field(default_factory=dict)

    # -- parties -------------------------------------------------------------------------
    def new_applicant(self, *, legal: bool = False) -> Applicant:
        """A synthetic applicant (remembered, so PII scans can look for it)."""
        app = synthetic_applicant(self.rng, legal_person=legal)
        self.applicants.append(app)
        return app

    @staticmethod
    def actor_of(app: Applicant, role: ActorRole = ActorRole.APPLICANT) -> Actor:
        """The applicant (or a proxy) acting for itself."""
        return Actor(role=role, actor_id=app.id_number)

    def signer_of(self, app: Applicant) -> Any:
        """``app``'s own signing certificate: masked CN, identifier in subject serialNumber
        (the strict signer policy matches it against the pledgor or named proxy)."""
        if app.id_number not in self._signers:
            self._signers[app.id_number] = self.pki.applicant(
                f"申请人 #{len(self._signers) + 1}",
                app.id_number,
                not_before=START - timedelta(days=1),
                not_after=START + timedelta(days=3650),
            )
        return self._signers[app.id_number]

    def proxy_for(
        self,
        grantor: Applicant,
        entry_ids: Sequence[str],
        *,
        proxy_app: Applicant | None = None,
        matter_code: str | None = None,
        express: bool = True,
        valid_days: int = 90,
        valid_from: date | None = None,
    ) -> tuple[Proxy, Applicant]:
        """A proxy with a special authorisation from ``grantor`` (R-024)."""
        party = proxy_app or self.new_applicant()
        entry = self.svc.lists.published(self.list_id).entries
        code = matter_code or next(e.matter_code for e in entry if e.entry_id == entry_ids[0])
        start = valid_from or self.clock().date()
        auth = SpecialAuthorization(
            authorization_id=f"SQ-{len(self.applicants):04d}",
            grantor_id_number=grantor.id_number,
            matter_code=code,
            entry_ids=tuple(entry_ids),
            valid_from=start,
            valid_to=start + timedelta(days=valid_days),
            express_pledge_authority=express,
            document_ref="特别授权委托书 (经公证)",
        )
        return Proxy(party=party, authorization=auth), party

    def with_grant(self, case_no: str, proxy: Proxy, signer_app: Applicant | None = None) -> Proxy:
        """``proxy`` carrying the special authorisation signed by the case's applicant (or
        by ``signer_app``, to forge) — R-024: only that makes the proxy's signature count."""
        grant = self.svc.cases.authorization_to_sign(case_no, proxy)
        who = signer_app or self.svc.cases.get(case_no).applicant
        return proxy.with_signed_grant(sign(grant, self.signer_of(who)).to_json())

    # -- case helpers --------------------------------------------------------------------
    def notice(self, entry_ids: Sequence[str], app: Applicant | None = None) -> Notice:
        """Issue a notice for ``entry_ids`` (a new applicant unless given)."""
        return self.svc.cases.issue_notice(
            list_id=self.list_id,
            entry_ids=list(entry_ids),
            applicant=app or self.new_applicant(),
            actor=self.clerk,
        )

    def choose(self, case_no: str, modes: dict[str, ProofMode]) -> Case:
        """Record the applicant's choices."""
        case = self.svc.cases.get(case_no)
        return self.svc.cases.record_choices(
            case_no,
            [ProofChoice(entry_id=e, mode=m) for e, m in modes.items()],
            self.actor_of(case.applicant),
        )

    def signed_pledge(
        self,
        case_no: str,
        *,
        proxy: Proxy | None = None,
        signer_app: Applicant | None = None,
        **update: Any,
    ) -> tuple[Pledge, Bundle]:
        """Draft the pledge, apply ``update`` (to forge), sign it as the applicant/proxy."""
        case = self.svc.cases.get(case_no)
        if proxy is not None and proxy.authorization.signed_grant is None:
            proxy = self.with_grant(case_no, proxy)
        pledge = self.svc.cases.draft_pledge(case_no, proxy=proxy)
        if update:
            pledge = pledge.model_copy(update=update)
        who = signer_app or (proxy.party if proxy is not None else case.applicant)
        return pledge, sign(pledge, self.signer_of(who))

    def pledge(self, case_no: str, *, proxy: Proxy | None = None) -> Pledge:
        """Sign and submit the pledge as the applicant (or the proxy)."""
        _, bundle = self.signed_pledge(case_no, proxy=proxy)
        case = self.svc.cases.get(case_no)
        actor = (
            self.actor_of(proxy.party, ActorRole.PROXY)
            if proxy is not None
            else self.actor_of(case.applicant)
        )
        return self.svc.cases.submit_pledge(bundle, actor)

    def bring(
        self,
        entry_id: str,
        state: str,
        *,
        app: Applicant | None = None,
        truth: bool | None = True,
    ) -> Case:
        """Bring a new case for ``entry_id`` to ``state``.

        States: ``NOTICE_ISSUED``, ``CHOSEN`` (pledge chosen, eligibility checked),
        ``PLEDGED``, ``ACCEPTED``, ``DECIDED`` (in-process verifications concluded with
        ``truth`` first). ``truth`` is what the data-sharing provider knows (None: nothing).
        """
        app = app or self.new_applicant()
        if truth is not None:
            self.provider.truth[(app.id_number, entry_id)] = truth
        n = self.notice([entry_id], app)
        order = ["NOTICE_ISSUED", "CHOSEN", "PLEDGED", "ACCEPTED", "DECIDED"]
        target = order.index(state)
        if target >= 1:
            self.choose(n.case_no, {entry_id: ProofMode.PLEDGE})
            assert self.svc.cases.check_eligibility(n.case_no, self.clerk).eligible
        if target >= 2:
            self.pledge(n.case_no)
        if target >= 3:
            self.svc.cases.accept(n.case_no, self.clerk)
        if target >= 4:
            self.finish_in_process(n.case_no, truth=bool(truth))
            self.decide(n.case_no)
        return self.svc.cases.get(n.case_no)

    def decide(self, case_no: str) -> Case:
        """Make the administrative decision now."""
        return self.svc.cases.decide(
            case_no,
            Decision(decision_no=f"陕准字〔2026〕{case_no}号", decided_at=self.clock()),
            self.clerk,
        )

    def finish(self, vid: str, *, truth: bool) -> Verification:
        """Drive one verification to a conclusion with the given truth."""
        svc = self.svc
        for _ in range(8):
            v = svc.verifications.get(vid)
            if v.status in (VerificationStatus.CONCLUDED, VerificationStatus.CANCELLED):
                return v
            if v.method is VerificationMethod.ONLINE:
                svc.verifications.run_online(vid)
            elif v.method is VerificationMethod.ON_SITE:
                if v.status is not VerificationStatus.ON_SITE_TASK:
                    svc.verifications.dispatch_on_site(vid, "IN0007", self.inspector)
                svc.verifications.record_on_site(
                    vid,
                    VerificationResult.TRUE if truth else VerificationResult.FALSE,
                    self.inspector,
                )
            elif v.method is VerificationMethod.ASSISTED:
                if v.status is not VerificationStatus.ASSIST_REQUESTED:
                    svc.verifications.request_assistance(
                        vid,
                        requested_organ=POLICE_USCC,
                        question="请核实承诺事项是否属实",
                        actor=self.inspector,
                    )
                aid = svc.verifications.get(vid).assistance_id or ""
                svc.verifications.reply_assistance(
                    aid,
                    AssistanceReply.CONFIRMED if truth else AssistanceReply.DENIED_FACT,
                    self.police,
                )
            else:
                raise AssertionError(f"cannot finish {v.method} verification {vid}")
        raise AssertionError(f"verification {vid} did not conclude")

    def finish_in_process(self, case_no: str, *, truth: bool) -> None:
        """Conclude every in-process verification of the case."""
        for v in self.svc.verifications.list(case_no=case_no):
            if v.phase is VerificationPhase.IN_PROCESS:
                self.finish(v.verification_id, truth=truth)

    def false_case(self, state: CaseStatus) -> Case:
        """A case with a FALSE verification: ACCEPTED (事中) or DECIDED (事后)."""
        if state is CaseStatus.ACCEPTED:
            case = self.bring(ONLINE_ENTRY, "ACCEPTED", truth=False)
            (v,) = self.svc.verifications.list(case_no=case.case_no)
            assert self.finish(v.verification_id, truth=False).result is VerificationResult.FALSE
            return self.svc.cases.get(case.case_no)
        case = self.bring(ON_SITE_ENTRY, "DECIDED")
        (v,) = self.svc.verifications.list(case_no=case.case_no)
        assert self.finish(v.verification_id, truth=False).result is VerificationResult.FALSE
        return self.svc.cases.get(case.case_no)

    def publish_two_proof_list(self) -> str:
        """Publish a list where one matter needs two proofs (ON_SITE-first and EXEMPT)."""
        doc = load_list(sample_list_text()).model_dump(mode="json")
        first = next(e for e in doc["entries"] if e["entry_id"] == ONLINE_FIRST_ENTRY)
        second = next(e for e in doc["entries"] if e["entry_id"] == EXEMPT_ENTRY)
        second["matter_code"] = first["matter_code"]
        doc.update(list_id=TWO_PROOF_LIST, entries=[first, second])
        self.svc.lists.draft(doc, self.officer)
        self.svc.lists.submit(TWO_PROOF_LIST, 1, self.officer)
        self.svc.lists.publish(TWO_PROOF_LIST, 1, review(), self.reviewer)
        return TWO_PROOF_LIST

    def state(self, kind: str, id: str) -> str:
        """The stored state of one record (which must exist)."""
        rec = self.svc.store.get(kind, id)
        assert rec is not None, (kind, id)
        return rec.state

    # -- journal ---------------------------------------------------------------------------
    def journal(
        self,
        *,
        aggregate_id: str | None = None,
        event: str | None = None,
        outcome: str | None = None,
    ) -> list[JournalEntry]:
        """Journal entries, filtered."""
        return [
            e
            for e in self.svc.store.journal()
            if (aggregate_id is None or e.aggregate_id == aggregate_id)
            and (event is None or e.event == event)
            and (outcome is None or e.outcome == outcome)
        ]

    def journal_count(self) -> int:
        """Number of journal entries."""
        head = self.svc.store.journal_head()
        return 0 if head is None else head.seq

    def raw_journal_text(self) -> str:
        """Every stored column of the journal table, read straight from the SQLite file."""
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT * FROM journal ORDER BY seq").fetchall()
        finally:
            con.close()
        return "\n".join("|".join(str(c) for c in row) for row in rows)


WorldFactory = Callable[..., World]


def build_world(
    db: Path,
    pki: TestPKI,
    seals: dict[str, Any],
    *,
    rules: RulesConfig | None = None,
    role_policy: RolePolicy | None = None,
    start: datetime = START,
    publish: bool = True,
    store: Store | None = None,
) -> World:
    """A service over the SQLite file ``db`` (or over ``store``); the sample list
    published unless told."""
    clock = SimulatedClock(start)
    counter = itertools.count(1)
    provider = FakeDataSharingProvider()
    svc = PledgeService.open(
        store if store is not None else SqliteStore(db, synchronous="NORMAL"),
        signers=dict(seals),
        trust=pki.trust_store(),
        rules=rules,
        role_policy=role_policy,
        clock=clock,
        id_factory=lambda prefix: f"{prefix}-{next(counter):06d}",
        online_verifier=provider,
    )
    clist = load_list(sample_list_text())
    w = World(svc=svc, clock=clock, pki=pki, provider=provider, db_path=db, list_id=clist.list_id)
    if publish:
        svc.lists.draft(clist, w.officer)
        svc.lists.submit(clist.list_id, clist.version, w.officer)
        svc.lists.publish(clist.list_id, clist.version, review(), w.reviewer)
    return w


@pytest.fixture
def world_factory(tmp_path: Path, pki: TestPKI, seals: dict[str, Any]) -> Iterator[WorldFactory]:
    """Build worlds in ``tmp_path``; keywords as :func:`build_world` plus ``name`` (file)."""
    opened: list[World] = []

    def make(*, name: str = "gaozhi.db", **kw: Any) -> World:
        w = build_world(tmp_path / name, pki, seals, **kw)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.svc.close()


@pytest.fixture
def world(world_factory: WorldFactory) -> World:
    """The default world: sample list published, clock at START (2026-01-05 09:00 CST)."""
    return world_factory()
