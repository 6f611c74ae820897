"""线上核查办理，线下复核备份 — the configurable offline review after online checks (R-048)."""

from __future__ import annotations

from datetime import datetime
from hashlib import sha256

from gaozhi_sdk.models.enums import (
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.testing import sample_list_text

from .conftest import ONLINE_ENTRY, World, WorldFactory, review


def _world(factory: WorldFactory, percent: int) -> World:
    w = factory(publish=False)
    doc = load_list(sample_list_text()).model_dump(mode="json")
    for e in doc["entries"]:
        if e["entry_id"] == ONLINE_ENTRY:
            e["verification"]["local_method_name"] = "网络核验"
            e["verification"]["offline_review"] = {
                "method": "ON_SITE",
                "sample_percent": percent,
                "amount": 10,
                "unit": "WORKING_DAYS",
            }
    w.svc.lists.draft(doc, w.officer)
    w.svc.lists.submit(doc["list_id"], 1, w.officer)
    w.svc.lists.publish(doc["list_id"], 1, review(), w.reviewer)
    return w


def test_r048_online_true_is_reviewed_offline_when_configured(
    world_factory: WorldFactory,
) -> None:
    w = _world(world_factory, 100)
    case = w.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    (online,) = w.svc.verifications.list(case_no=case.case_no)
    assert w.finish(online.verification_id, truth=True).result is VerificationResult.TRUE
    follow = [v for v in w.svc.verifications.list(case_no=case.case_no) if v.follow_up_of]
    (f,) = follow
    assert f.follow_up_of == online.verification_id
    assert (f.method, f.phase, f.status) == (
        VerificationMethod.ON_SITE,
        VerificationPhase.POST_DECISION,
        VerificationStatus.SCHEDULED,
    )
    # 10 working days from the online conclusion on 2026-01-05 → 2026-01-19, end of day
    assert f.due_at is not None and f.due_at.date().isoformat() == "2026-01-19"
    assert any("R-048" in r for r in f.plan_reasons)
    (j,) = w.journal(aggregate_id=f.verification_id, event="verification.schedule")
    assert j.detail["follow_up_of"] == online.verification_id
    # the backup review does not hold up the decision, and it is verified like any other
    w.decide(case.case_no)
    assert w.finish(f.verification_id, truth=True).result is VerificationResult.TRUE
    # a false online finding is no reason for a backup review: it goes to disposition
    bad = w.bring(ONLINE_ENTRY, "ACCEPTED", truth=False)
    (v,) = w.svc.verifications.list(case_no=bad.case_no)
    w.finish(v.verification_id, truth=False)
    assert [x.follow_up_of for x in w.svc.verifications.list(case_no=bad.case_no)] == [None]


def test_r048_review_sample_is_deterministic(world_factory: WorldFactory) -> None:
    w = _world(world_factory, 30)
    chosen, expected = set(), set()
    for _ in range(12):
        case = w.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
        (online,) = w.svc.verifications.list(case_no=case.case_no)
        w.finish(online.verification_id, truth=True)
        digest = int(sha256(online.verification_id.encode()).hexdigest()[:8], 16)
        if digest % 100 < 30:
            expected.add(online.verification_id)
        chosen |= {
            v.follow_up_of for v in w.svc.verifications.list(case_no=case.case_no) if v.follow_up_of
        }
    assert chosen == expected and 0 < len(chosen) < 12


def test_r048_no_review_without_configuration(world: World) -> None:
    case = world.bring(ONLINE_ENTRY, "ACCEPTED", truth=True)
    (online,) = world.svc.verifications.list(case_no=case.case_no)
    world.finish(online.verification_id, truth=True)
    assert len(world.svc.verifications.list(case_no=case.case_no)) == 1
    assert isinstance(online.due_at, datetime)
