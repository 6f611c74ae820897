"""PledgeService.open(..., host=...): signers, credit and online verification from plugins,
events delivered after commit (DESIGN §5)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk import PluginHost, hookimpl
from gaozhi_sdk.models import CST, Actor, ReviewRecord
from gaozhi_sdk.models.enums import ActorRole, OnlineOutcome, Severity
from gaozhi_sdk.models.parties import CreditSnapshot, CreditSnapshotItem
from gaozhi_sdk.plugin_types import LifecycleEvent, SignerRegistration
from gaozhi_sdk.plugins import HostCreditSource, HostOnlineVerifier
from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.service import PledgeService
from gaozhi_sdk.testing import SimulatedClock, sample_list_text
from gaozhi_sdk.testing.fakes import FakeDataSharingProvider
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.synthetic import synthetic_applicant

START = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
OWNER_USCC = "11411222005123018X"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650)
    )


class DepartmentPlugin:
    """Seal signer, credit platform, data sharing and an event receiver of one department."""

    def __init__(self, seal: Any) -> None:
        self.seal = seal
        self.events: list[LifecycleEvent] = []

    @hookimpl
    def gaozhi_register_signers(self) -> Iterable[SignerRegistration]:
        """The owner's seal, held by the plugin."""
        yield SignerRegistration(OWNER_USCC, self.seal, "测试印章")

    @hookimpl
    def gaozhi_credit_snapshot(self, applicant: Any, subject_digest: str) -> CreditSnapshot:
        """One adverse record on the credit platform (R-020)."""
        item = CreditSnapshotItem(
            record_id="EXT-1",
            conduct="FALSE_PLEDGE",
            severity=Severity.SERIOUS,
            status="RECORDED",
            recorded_on=date(2025, 3, 1),
        )
        return CreditSnapshot(
            subject_digest=subject_digest,
            taken_at=date(2026, 1, 5),
            source="信用平台",
            items=(item,),
        )

    @hookimpl
    def gaozhi_verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """Everything matches."""
        return ProofCheckResult(
            request_id=request.request_id, outcome=OnlineOutcome.VERIFIED, evidence_ref="R-9"
        )

    @hookimpl
    def gaozhi_event(self, event: LifecycleEvent) -> None:
        """Receives committed events."""
        self.events.append(event)


def _publish(svc: PledgeService) -> str:
    officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=OWNER_USCC)
    reviewer = Actor(
        role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001", organ_uscc="11411222005123085U"
    )
    clist = load_list(sample_list_text())
    svc.lists.draft(clist, officer)
    svc.lists.submit(clist.list_id, clist.version, officer)
    svc.lists.publish(
        clist.list_id,
        clist.version,
        ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2026, 1, 4)),
        reviewer,
    )
    return clist.list_id


def test_service_uses_plugin_signers_and_delivers_events_after_commit(
    tmp_path: Path, pki: TestPKI, plugin_host: PluginHost
) -> None:
    dept = DepartmentPlugin(
        pki.organ_seal("三门峡市陕州区人民政府", OWNER_USCC, not_before=START - timedelta(days=1))
    )
    plugin_host.register(dept, name="department")
    with PledgeService.open(
        f"sqlite:///{tmp_path / 'svc.db'}",
        trust=pki.trust_store(),
        clock=SimulatedClock(START),
        host=plugin_host,
    ) as svc:
        list_id = _publish(svc)  # the publication is sealed with the plugin's signer
        assert svc.plugin_host is plugin_host
        assert dept.events == []  # nothing is delivered before deliver_events (after commit)
        report = svc.deliver_events()
        assert report.delivered >= 1
        published = [e for e in dept.events if e.topic == "list.published"]
        assert len(published) == 1 and published[0].payload["list_id"] == list_id
        assert published[0].idempotency_key.startswith("list.published:")
        assert svc.deliver_events().calls == 0


def test_service_online_verifier_and_credit_source_delegate_to_hooks(
    tmp_path: Path, pki: TestPKI, plugin_host: PluginHost
) -> None:
    plugin_host.register(DepartmentPlugin(None), name="department")
    with PledgeService.open(f"sqlite:///{tmp_path / 'svc.db'}", host=plugin_host) as svc:
        assert isinstance(svc.online_verifier, HostOnlineVerifier)
        assert isinstance(svc.credit_source, HostCreditSource)
        snap = svc.credit.snapshot(synthetic_applicant(random.Random(3)))
        assert "信用平台" in snap.source and [i.record_id for i in snap.items] == ["EXT-1"]


def test_explicit_providers_win_over_plugins(tmp_path: Path, plugin_host: PluginHost) -> None:
    plugin_host.register(DepartmentPlugin(None), name="department")
    fake = FakeDataSharingProvider()
    with PledgeService.open(
        f"sqlite:///{tmp_path / 'svc.db'}", host=plugin_host, online_verifier=fake
    ) as svc:
        assert svc.online_verifier is fake
        assert isinstance(svc.credit_source, HostCreditSource)


def test_host_without_hooks_leaves_providers_unset(gaozhi_service: PledgeService) -> None:
    assert gaozhi_service.online_verifier is None and gaozhi_service.credit_source is None
