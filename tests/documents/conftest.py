"""Fixtures for the documents tests: a real service on SQLite with the sample list, and a demo.

``docs_world`` builds a :class:`~gaozhi_sdk.PledgeService` over ``tmp_path/gaozhi.db``
with a test PKI (organ seal of the sample list owner), a simulated clock and a
deterministic id factory; the sample list is published. ``demo_dir`` runs ``gaozhi demo``
once per session (40 applications) and is shared read-only by the tests that check what
the demo writes.
"""

from __future__ import annotations

import itertools
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.esign import sign
from gaozhi_sdk.models import (
    CST,
    Actor,
    Applicant,
    CommitmentList,
    Notice,
    Pledge,
    ProofChoice,
    Proxy,
    ReviewRecord,
    SpecialAuthorization,
)
from gaozhi_sdk.models.enums import ActorRole, ProofMode
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.service import PledgeService
from gaozhi_sdk.testing import SimulatedClock, sample_impact_assessment, sample_list_text
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant

START = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
OWNER_USCC = "11411222005123018X"
OWNER_NAME = "三门峡市陕州区人民政府"
OTHER_USCC = "11411222005123026Q"
JUSTICE_USCC = "11411222005123085U"
PUBLIC_ENTRY = "SZ-SCJG-001"  # PUBLIC_REDACTED, complaint channel given
PRIVATE_ENTRY = "SZ-GA-HJ-001"  # NONE
SENSITIVE_ENTRY = "SZ-MZ-JZ-001"  # sensitive_data


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    """One test PKI for the session."""
    return TestPKI.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650)
    )


@pytest.fixture(scope="session")
def sample_list() -> CommitmentList:
    """The packaged sample commitment list."""
    return load_list(sample_list_text())


def official(role: ActorRole, actor_id: str, organ: str | None = OWNER_USCC) -> Actor:
    """An official of an organ."""
    return Actor(role=role, actor_id=actor_id, organ_uscc=organ)


@dataclass
class DocsWorld:
    """A service with the sample list published, and helpers to sign pledges."""

    svc: PledgeService
    clock: SimulatedClock
    pki: TestPKI
    clist: CommitmentList
    db_path: Path
    rng: random.Random = field(default_factory=lambda: random.Random(20210420))
    clerk: Actor = field(default_factory=lambda: official(ActorRole.WINDOW_CLERK, "CK0001"))
    applicants: list[Applicant] = field(default_factory=list)

    def pledge_case(
        self, entry_id: str, *, legal: bool = False, proxy: Applicant | None = None
    ) -> tuple[Notice, Pledge]:
        """Notice → choice → eligibility → signed pledge (by ``proxy`` if given) for one entry."""
        app = synthetic_applicant(self.rng, legal_person=legal)
        self.applicants.append(app)
        svc = self.svc
        notice = svc.cases.issue_notice(
            list_id=self.clist.list_id, entry_ids=[entry_id], applicant=app, actor=self.clerk
        )
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        self.clock.advance(minutes=5)
        svc.cases.record_choices(
            notice.case_no, [ProofChoice(entry_id=entry_id, mode=ProofMode.PLEDGE)], me
        )
        assert svc.cases.check_eligibility(notice.case_no, self.clerk).eligible
        px = None
        if proxy is not None:
            px = Proxy(
                party=proxy,
                authorization=SpecialAuthorization(
                    authorization_id="SQ-0001",
                    grantor_id_number=app.id_number,
                    matter_code=self.clist.entry(entry_id).matter_code,
                    entry_ids=(entry_id,),
                    valid_from=START.date(),
                    valid_to=START.date() + timedelta(days=90),
                    express_pledge_authority=True,
                    document_ref="特别授权委托书 (经公证)",
                ),
            )
            # the applicant signs the special authorisation the proxy carries
            grantor = self.pki.applicant(
                "授权人",
                app.id_number,
                not_before=START - timedelta(days=1),
                not_after=START + timedelta(days=3650),
            )
            grant = svc.cases.authorization_to_sign(notice.case_no, px)
            px = px.with_signed_grant(sign(grant, grantor).to_json())
        pledge = svc.cases.draft_pledge(notice.case_no, proxy=px)
        signer = self.pki.applicant(
            f"申请人 #{len(self.applicants)}",
            app.id_number if proxy is None else proxy.id_number,
            not_before=START - timedelta(days=1),
            not_after=START + timedelta(days=3650),
        )
        signer_actor = (
            me if proxy is None else Actor(role=ActorRole.PROXY, actor_id=proxy.id_number)
        )
        svc.cases.submit_pledge(sign(pledge, signer), signer_actor)
        self.clock.advance(minutes=5)
        return notice, pledge


@pytest.fixture
def docs_world(
    request: pytest.FixtureRequest, tmp_path: Path, pki: TestPKI, sample_list: CommitmentList
) -> Iterator[DocsWorld]:
    """A fresh service per test over ``tmp_path/gaozhi.db`` with the sample list published
    and (unless parametrized indirectly with ``False``) a personal information impact
    assessment recorded for disclosing ``PUBLIC_ENTRY`` (R-094)."""
    clock = SimulatedClock(START)
    counter = itertools.count(1)
    nb = START - timedelta(days=1)
    seals: dict[str, Any] = {
        OWNER_USCC: pki.organ_seal(OWNER_NAME, OWNER_USCC, not_before=nb),
        OTHER_USCC: pki.organ_seal("三门峡市陕州区公安局", OTHER_USCC, not_before=nb),
    }
    db = tmp_path / "gaozhi.db"
    svc = PledgeService.open(
        f"sqlite:///{db}",
        signers=seals,
        trust=pki.trust_store(),
        clock=clock,
        id_factory=lambda p: f"{p}-{next(counter):06d}",
    )
    officer = official(ActorRole.LIST_OFFICER, "LS0001")
    reviewer = official(ActorRole.JUSTICE_REVIEWER, "SF0001", JUSTICE_USCC)
    svc.lists.draft(sample_list, officer)
    svc.lists.submit(sample_list.list_id, sample_list.version, officer)
    svc.lists.publish(
        sample_list.list_id,
        sample_list.version,
        ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2026, 1, 4)),
        reviewer,
    )
    if getattr(request, "param", True):
        svc.disclosure.record_impact_assessment(
            sample_impact_assessment(OWNER_USCC, PUBLIC_ENTRY, START.date()), officer
        )
    world = DocsWorld(svc=svc, clock=clock, pki=pki, clist=sample_list, db_path=db)
    yield world
    svc.close()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``gaozhi demo`` run once (40 applications); tests only read it."""
    root = tmp_path_factory.mktemp("demo")
    workdir = root / "work"
    run_demo(workdir, applications=40, seed=20210420)
    yield workdir
    shutil.rmtree(root, ignore_errors=True)
