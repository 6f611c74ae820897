"""沙箱 — a ready service at a simulated date for embedders' tests (test material only).

:class:`Sandbox` opens a :class:`~gaozhi_sdk.PledgeService` on a
:class:`~gaozhi_sdk.testing.SimulatedClock`, with a :class:`~gaozhi_sdk.testing.TestPKI`
whose certificates follow that clock, the packaged sample list published (R-008, R-009, R-011)
and a :class:`~gaozhi_sdk.testing.FakeDataSharingProvider` for online verification.
:meth:`Sandbox.pledge_case` runs the intake of one case — notice (R-001), the
applicant's choice (R-021), eligibility (R-020), the signed pledge and acceptance (R-040)
— and returns what a test needs next::

    clock = SimulatedClock("2026-03-02T09:00:00+08:00")
    box = Sandbox.open(clock=clock)
    case = box.pledge_case(["SZ-GA-HJ-001"])
    clock.advance(days=3)
    done = box.svc.verifications.run_online(case.verifications[0].verification_id)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from gaozhi_sdk import esign
from gaozhi_sdk.esign import AnchorPurpose
from gaozhi_sdk.models import (
    Actor,
    ActorRole,
    Applicant,
    Case,
    CommitmentList,
    Decision,
    ImpactAssessment,
    Notice,
    Pledge,
    ProofChoice,
    ProofMode,
    ReviewRecord,
    Verification,
)
from gaozhi_sdk.rules import RulesConfig, load_list
from gaozhi_sdk.service import PledgeService
from gaozhi_sdk.testing.clock import SimulatedClock
from gaozhi_sdk.testing.event_ca import EmulatedEventCA
from gaozhi_sdk.testing.fakes import FakeDataSharingProvider
from gaozhi_sdk.testing.identity import EmulatedIdentityProvider
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant
from gaozhi_sdk.testing.tsa import LocalTSA

__all__ = [
    "PledgedCase",
    "Sandbox",
    "sample_impact_assessment",
    "sample_list",
    "sample_list_text",
]


def sample_list_text() -> str:
    """The packaged sample commitment list (YAML; same as ``examples/commitment_list.yaml``)."""
    return (resources.files("gaozhi_sdk") / "data" / "sample_commitment_list.yaml").read_text(
        encoding="utf-8"
    )


def sample_impact_assessment(organ_uscc: str, entry_id: str, on: date) -> ImpactAssessment:
    """A 个人信息保护影响评估 for publishing the pledges of ``entry_id`` (R-094), as the
    demo's organ records it (test material: a real one is the organ's own assessment)."""
    return ImpactAssessment(
        assessment_id=f"PIA-{entry_id}-{on:%Y%m%d}",
        organ_uscc=organ_uscc,
        entry_id=entry_id,
        decided_by="LS0001 (清单编制人员, 经机关负责人批准)",
        scope="公开告知承诺书: 自然人姓名只留姓、证件号码脱敏, 联系方式、住址、代为承诺人不公开",
        purpose="事项涉及公共利益或第三人利益, 依实施方案公开告知承诺书接受社会监督 (R-071)",
        risks=("姓氏与事项信息结合后可能识别到个人", "公开页面被批量抓取"),
        measures=(
            "姓名、证件号码脱敏, 其他个人信息不公开 (R-092)",
            "含敏感个人信息的条目一律不公开 (R-093)",
            "公开件经机关电子印章签章, 发布前以个人信息扫描复查",
        ),
        assessed_on=on,
        retain_until=on + timedelta(days=3 * 366),
    )


def sample_list() -> CommitmentList:
    """The packaged sample commitment list, parsed and validated (R-004…R-006)."""
    return load_list(sample_list_text())


@dataclass(frozen=True)
class PledgedCase:
    """One case taken through intake by :meth:`Sandbox.pledge_case`."""

    case_no: str
    applicant: Applicant
    #: the applicant as an actor (for withdrawals, repairs, objections).
    applicant_actor: Actor
    notice: Notice
    pledge: Pledge
    #: the verifications planned at acceptance (R-040), in plan order.
    verifications: tuple[Verification, ...]


class Sandbox:
    """A :class:`~gaozhi_sdk.PledgeService` ready for a test at a simulated date.

    Attributes:
        svc: the service (its clock is :attr:`clock`).
        clock: the simulated clock shared by the service and the PKI.
        pki: the test PKI (the organ's seal and applicant certificates).
        provider: the fake data-sharing provider; :meth:`pledge_case` records whether
            the shared data agrees with each pledge.
        clist: the published sample list.
        organ_uscc: the list owner's 统一社会信用代码.
        officer / reviewer / clerk: the list officer, justice-bureau reviewer and window
            clerk actors of that organ.
        trust: the service's trust store (the PKI's root; with ``applicant_signing`` also
            the TSA's and the event CA's roots, each for its purpose).
        tsa / identity_provider / event_ca: with ``applicant_signing=True``
            (:meth:`open`), the local TSA, emulated identity provider and emulated
            event-certificate CA the service uses (DESIGN §4a); else None.
    """

    tsa: Any = None
    identity_provider: Any = None
    event_ca: Any = None

    def __init__(
        self,
        svc: PledgeService,
        clock: SimulatedClock,
        pki: TestPKI,
        provider: FakeDataSharingProvider,
        clist: CommitmentList,
        *,
        seed: int = 0,
    ) -> None:
        self.svc = svc
        self.clock = clock
        self.pki = pki
        self.provider = provider
        self.clist = clist
        self.organ_uscc = clist.owner_uscc or ""
        self.officer = Actor(
            role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=self.organ_uscc
        )
        self.reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001")
        self.clerk = Actor(
            role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=self.organ_uscc
        )
        self._rng = random.Random(seed)
        self._decisions = 0
        self.trust = pki.trust_store()

    @classmethod
    def open(
        cls,
        url: str = "sqlite://",
        *,
        clock: SimulatedClock | None = None,
        start: datetime | str = "2026-03-02T09:00:00+08:00",
        rules: RulesConfig | None = None,
        seed: int = 0,
        applicant_signing: bool = False,
        **service_options: Any,
    ) -> Sandbox:
        """Open a sandbox and publish the sample list.

        Args:
            url: the store (default: an in-memory SQLite store).
            clock: the simulated clock; default a new one at ``start``.
            start: the simulated date when no ``clock`` is given (default 2026-03-02
                09:00 UTC+8, a working day after the sample list took effect).
            rules: rule configuration (default
                :meth:`RulesConfig.default() <gaozhi_sdk.rules.RulesConfig.default>`).
            seed: seeds the synthetic applicants, so a test is reproducible.
            applicant_signing: also give the service a :class:`~gaozhi_sdk.testing.LocalTSA`,
                an :class:`~gaozhi_sdk.testing.EmulatedIdentityProvider` and an
                :class:`~gaozhi_sdk.testing.EmulatedEventCA` (all in-process, on the
                clock), their roots trusted for time-stamping and event certificates —
                what ``svc.signing`` needs (DESIGN §4a).
            service_options: passed on to :meth:`gaozhi_sdk.PledgeService.open` (e.g.
                ``credit_source``, ``tsa``, ``role_policy``).
        """
        clock = clock or SimulatedClock(start)
        clist = sample_list()
        organ = clist.owner_uscc or ""
        pki = TestPKI.create(clock=clock)
        provider = FakeDataSharingProvider(seed=seed)
        options: dict[str, Any] = {"online_verifier": provider, **service_options}
        trust = pki.trust_store()
        extra: dict[str, Any] = {}
        if applicant_signing:
            since = clock() - timedelta(days=30)
            idp = EmulatedIdentityProvider(clock=clock)
            ca = EmulatedEventCA(
                {idp.name: idp.public_key},
                pki=TestPKI.create(name="沙箱事件证书 CA", clock=clock, not_before=since),
                clock=clock,
            )
            tsa = LocalTSA.create(clock=clock, not_before=since)
            trust.add_root(tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
            trust.add_root(ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
            extra = {"tsa": tsa, "identity_provider": idp, "event_ca": ca}
        svc = PledgeService.open(
            url,
            signers={organ: pki.organ_seal(clist.owner_organ, organ)},
            trust=trust,
            rules=rules,
            clock=clock,
            **extra,
            **options,
        )
        box = cls(svc, clock, pki, provider, clist, seed=seed)
        box.trust = trust
        box.tsa = extra.get("tsa")
        box.identity_provider = extra.get("identity_provider")
        box.event_ca = extra.get("event_ca")
        box.publish_sample_list()
        return box

    def pledge_ready_case(
        self, entry_ids: Sequence[str], *, applicant: Applicant | None = None
    ) -> tuple[Notice, Actor]:
        """A new case whose applicant chose to pledge ``entry_ids`` (notice issued, choices
        recorded), ready to be signed in any way (``svc.signing``); returns the notice and
        the applicant's actor."""
        app = applicant or self.applicant()
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        notice = self.svc.cases.issue_notice(
            list_id=self.clist.list_id, entry_ids=list(entry_ids), applicant=app, actor=self.clerk
        )
        choices = [ProofChoice(entry_id=e, mode=ProofMode.PLEDGE) for e in entry_ids]
        self.svc.cases.record_choices(notice.case_no, choices, me)
        return notice, me

    def publish_sample_list(self) -> CommitmentList:
        """Draft, submit and publish :attr:`clist` (state machine A, R-008, R-009, R-011)."""
        clist = self.clist
        self.svc.lists.draft(clist, self.officer)
        self.svc.lists.submit(clist.list_id, clist.version, self.officer)
        review = ReviewRecord(reviewer="司法局 (沙箱)", reviewed_on=self.clock().date())
        return self.svc.lists.publish(clist.list_id, clist.version, review, self.reviewer)

    def applicant(self, *, legal_person: bool = False) -> Applicant:
        """A new synthetic applicant (seeded; never a real person's identifier)."""
        return synthetic_applicant(self._rng, legal_person=legal_person)

    def pledge_case(
        self,
        entry_ids: Sequence[str],
        *,
        applicant: Applicant | None = None,
        shared_data_agrees: bool | None = True,
    ) -> PledgedCase:
        """Take one case from notice to acceptance, every entry chosen as a pledge.

        Args:
            entry_ids: sample-list entries the applicant pledges for.
            applicant: default a new synthetic citizen (:meth:`applicant`).
            shared_data_agrees: what the fake data-sharing provider answers for these
                entries — True (VERIFIED), False (MISMATCH) or None (NOT_FOUND, which
                routes to assisted verification).
        """
        app = applicant or self.applicant()
        for entry_id in entry_ids:
            key = (app.id_number, entry_id)
            if shared_data_agrees is None:
                self.provider.truth.pop(key, None)
            else:
                self.provider.truth[key] = shared_data_agrees
        notice, me = self.pledge_ready_case(entry_ids, applicant=app)
        self.svc.cases.check_eligibility(notice.case_no, self.clerk)
        pledge = self.svc.cases.draft_pledge(notice.case_no)
        signer = self.pki.applicant(f"申请人 (沙箱 {notice.case_no})", app.id_number)
        self.svc.cases.submit_pledge(esign.sign(pledge, signer), me)
        planned = self.svc.cases.accept(notice.case_no, self.clerk)
        return PledgedCase(
            case_no=notice.case_no,
            applicant=app,
            applicant_actor=me,
            notice=notice,
            pledge=pledge,
            verifications=tuple(planned),
        )

    def decide(self, case_no: str, *, kind: str = "APPROVED") -> Case:
        """Make the administrative decision (办结) now, by the window clerk.

        The service's guard applies: in-process verifications must have concluded TRUE
        (R-040), otherwise ``GZ-RL-220``.
        """
        self._decisions += 1
        decision = Decision(
            decision_no=f"沙箱决字〔{self.today().year}〕{self._decisions}号",
            decided_at=self.clock(),
            kind=kind,
        )
        return self.svc.cases.decide(case_no, decision, self.clerk)

    def today(self) -> date:
        """The simulated date (UTC+8 as the clock gives it)."""
        return self.clock().date()

    def close(self) -> None:
        """Close the service's store."""
        self.svc.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
