"""Area services over one kernel (issue 11 item 1): ``svc.cases.accept(...)`` and friends,
typed accessors for every aggregate (assistance requests, draws and the journal included),
private plumbing with warning shims for one release."""

from __future__ import annotations

import inspect
import warnings

import pytest

from gaozhi_sdk import esign
from gaozhi_sdk.errors import GaozhiDeprecationWarning
from gaozhi_sdk.models import (
    Actor,
    ActorRole,
    Case,
    CaseStatus,
    Decision,
    ProofChoice,
    ProofMode,
    VerificationMethod,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.service import (
    MOVED,
    MOVED_IN_AREAS,
    Cases,
    Complaints,
    Credit,
    Disclosure,
    Journal,
    Lists,
    PledgeService,
    Signing,
    Verifications,
)
from gaozhi_sdk.testing import Sandbox, SimulatedClock


def test_a_whole_case_through_the_area_services() -> None:
    clock = SimulatedClock("2026-03-02T09:00:00+08:00")
    with Sandbox.open(clock=clock) as box:
        svc, clerk = box.svc, box.clerk
        assert isinstance(svc.cases, Cases) and svc.cases is svc.cases
        app = box.applicant()
        me = Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)
        box.provider.truth[(app.id_number, "SZ-GA-HJ-001")] = True
        notice = svc.cases.issue_notice(
            list_id=box.clist.list_id, entry_ids=["SZ-GA-HJ-001"], applicant=app, actor=clerk
        )
        choice = ProofChoice(entry_id="SZ-GA-HJ-001", mode=ProofMode.PLEDGE)
        svc.cases.record_choices(notice.case_no, [choice], me)
        assert svc.cases.check_eligibility(notice.case_no, clerk).eligible
        pledge = svc.cases.draft_pledge(notice.case_no)
        svc.cases.submit_pledge(
            esign.sign(pledge, box.pki.applicant("申请人 (区域服务)", app.id_number)), me
        )
        (planned,) = svc.cases.accept(notice.case_no, clerk)
        clock.advance(days=1)
        done = svc.verifications.run_online(planned.verification_id)
        assert done.result is VerificationResult.TRUE
        decision = Decision(decision_no="区字〔2026〕1号", decided_at=clock())
        svc.cases.decide(notice.case_no, decision, clerk)
        closed = svc.cases.close(notice.case_no, clerk)
        assert closed.status is CaseStatus.CLOSED_TRUE

        # typed accessors
        assert svc.cases.get(notice.case_no) == closed
        assert [c.case_no for c in svc.cases.list(status=CaseStatus.CLOSED_TRUE)] == [
            notice.case_no
        ]
        assert svc.cases.list(organ_uscc="no-such-organ") == []
        assert [n.notice_id for n in svc.cases.notices(case_no=notice.case_no)] == [
            notice.notice_id
        ]
        assert svc.cases.pledges(case_no=notice.case_no)[0].pledge_id == pledge.pledge_id
        assert svc.verifications.list(case_no=notice.case_no) == [done]
        assert svc.verifications.list(method=VerificationMethod.ON_SITE) == []
        assert [c.list_id for c in svc.lists.list(state="PUBLISHED")] == [box.clist.list_id]
        assert svc.lists.get(box.clist.list_id, box.clist.version).list_id == box.clist.list_id

        # the journal reader: the case's transitions in order, and an intact chain
        events = [e.event for e in svc.journal.entries(aggregate_id=notice.case_no)]
        assert events[0] == "case.issue_notice" and events[-1] == "case.close_true"
        assert "case.accept" in events
        head = svc.journal.head()
        assert head is not None and svc.journal.verify(expected_head=head.hash).ok
        assert isinstance(svc.journal, Journal)


def test_assistance_requests_and_draws_have_typed_accessors() -> None:
    with Sandbox.open(seed=3) as box:
        svc = box.svc
        case = box.pledge_case(["SZ-GA-HJ-001"], shared_data_agrees=None)
        v = svc.verifications.run_online(case.verifications[0].verification_id)
        assert v.status is not VerificationStatus.CONCLUDED  # NOT_FOUND → assistance route
        inspector = Actor(role=ActorRole.INSPECTOR, actor_id="JC0001", organ_uscc=box.organ_uscc)
        if v.method is not VerificationMethod.ASSISTED:
            v = svc.verifications.replan(
                v.verification_id, VerificationMethod.ASSISTED, "共享数据查无记录", inspector
            )
        req = svc.verifications.request_assistance(
            v.verification_id,
            requested_organ="三门峡市陕州区公安局",
            question="申请人户籍信息是否属实",
            actor=inspector,
        )
        assert svc.verifications.assistance(req.assistance_id) == req
        assert svc.verifications.assistance_requests(verification_id=v.verification_id) == [req]
        assert svc.verifications.assistance_requests(verification_id="other") == []

        for _ in range(3):
            box.pledge_case(["SZ-SCJG-002"], applicant=box.applicant(legal_person=True))
        (draw,) = svc.verifications.draw_inspections(
            box.organ_uscc, ["检查员甲"], inspector, seed_hex="ab" * 16, rate_percent=50
        )
        assert svc.verifications.draw(draw.draw_id) == draw
        assert svc.verifications.draws(organ_uscc=box.organ_uscc) == [draw]
        assert svc.verifications.draws(organ_uscc="other") == []


def test_plumbing_is_private_with_warning_shims() -> None:
    with Sandbox.open() as box:
        case = box.pledge_case(["SZ-GA-HJ-001"])
        with pytest.warns(DeprecationWarning, match=r"_load"):
            loaded = box.svc.load("case", case.case_no, Case)
        assert loaded == box.svc.cases.get(case.case_no)
        with pytest.warns(DeprecationWarning, match=r"svc\.cases\.list"):
            assert box.svc.cases() == box.svc.cases.list()
        with pytest.warns(DeprecationWarning, match=r"svc\.verifications\.list"):
            assert len(box.svc.verifications()) == 1
        with pytest.warns(DeprecationWarning, match=r"svc\.complaints\.list"):
            assert box.svc.complaints() == []
        with pytest.warns(DeprecationWarning, match=r"svc\.disclosure\.list"):
            assert box.svc.disclosures() == []
        for name in ("load", "run", "parse", "put_model", "new_id", "model_of"):
            assert "Deprecated" in (getattr(type(box.svc), name).__doc__ or "")
            assert callable(getattr(box.svc, f"_{name}"))


def test_area_services_add_no_deprecation_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with Sandbox.open() as box:
            case = box.pledge_case(["SZ-GA-HJ-001"])
            svc = box.svc
            svc.verifications.run_online(case.verifications[0].verification_id)
            assert svc.cases.list() and svc.verifications.list() and svc.credit.list() == []
            assert svc.complaints.list() == [] and svc.disclosure.list() == []
            assert isinstance(svc.verifications, Verifications)
            assert list(svc.journal.entries(event="case.accept"))


#: What PledgeService itself keeps (docs/embedding.md, 「内核保留的方法」): operations that
#: span the areas or concern the whole deployment, never a second spelling of an area's.
KEPT = {
    "actor_ref",
    "checkpoint_journal",
    "close",
    "deliver_events",
    "journal_refusal",
    "now",
    "open",
    "plugin_host",
    "identity_provider",  # the seams of svc.signing (DESIGN §4a), like plugin_host
    "event_ca",
    "rotate_deployment_secret",
    "statistics",
    "subject_digest",
    "subject_digests",
    "sweep",
    *("lists", "cases", "verifications", "credit", "disclosure", "complaints", "journal"),
    "signing",
}


def test_pledge_service_keeps_only_cross_area_operations() -> None:
    public = {
        name
        for name in dir(PledgeService)
        if not name.startswith("_")
        and not hasattr(inspect.getattr_static(PledgeService, name), "__gaozhi_moved_to__")
    }
    assert public == KEPT


_AREAS = {
    "lists": Lists,
    "cases": Cases,
    "verifications": Verifications,
    "credit": Credit,
    "disclosure": Disclosure,
    "complaints": Complaints,
}


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_every_moved_method_is_a_shim_to_an_existing_area_method(old: str, new: str) -> None:
    shim = inspect.getattr_static(PledgeService, old)
    assert shim.__gaozhi_moved_to__ == new
    assert f"svc.{new}(...)" in (shim.__doc__ or "")
    area, _, name = new.partition(".")
    assert callable(getattr(_AREAS[area], name, None)), new


def test_the_shims_warn_naming_the_replacement_and_still_work() -> None:
    """The one test where our own code calls deprecated names (pytest makes a
    GaozhiDeprecationWarning an error everywhere else)."""
    with Sandbox.open() as box:
        svc = box.svc
        case = box.pledge_case(["SZ-GA-HJ-001"])
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.case\(\.\.\.\).*svc\.cases\.get"):
            assert svc.case(case.case_no) == svc.cases.get(case.case_no)
        vid = case.verifications[0].verification_id
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.verifications\.run_online"):
            done = svc.run_online_verification(vid)
        assert done == svc.verifications.get(vid) and done.result is not None
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.credit\.list"):
            assert svc.credit_records() == svc.credit.list()
        list_id = box.clist.list_id
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.lists\.published"):
            assert svc.published_list(list_id) == svc.lists.published(list_id)
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.complaints\.list"):
            assert svc.complaints() == []
        with pytest.warns(GaozhiDeprecationWarning, match=r"verifications\.list\(case_no="):
            by_case = svc.verifications_of(case.case_no)
        assert by_case == svc.verifications.list(case_no=case.case_no)
        # a state change through a shim is the same transition, journaled once
        other = box.pledge_case(["SZ-GA-HJ-001"])
        with pytest.warns(GaozhiDeprecationWarning, match=r"svc\.cases\.withdraw"):
            svc.withdraw(other.case_no, "申请人撤回", other.applicant_actor)
        assert svc.cases.get(other.case_no).status is CaseStatus.WITHDRAWN
        assert len(list(svc.journal.entries(event="case.withdraw"))) == 1


def test_a_deprecation_from_gaozhi_sdk_is_an_error_in_this_test_suite() -> None:
    with Sandbox.open() as box, pytest.raises(GaozhiDeprecationWarning):
        box.svc.cases()


@pytest.mark.parametrize(("old", "new"), sorted(MOVED_IN_AREAS.items()))
def test_every_area_method_moved_within_the_areas_is_a_shim_to_its_home(old: str, new: str) -> None:
    """``svc.signing.data_to_sign`` and ``svc.signing.assemble`` are the second spelling of
    remote signing: shims (same mechanism as ``MOVED``) naming ``svc.cases.…``."""
    area, _, name = old.partition(".")
    shim = inspect.getattr_static({"signing": Signing}[area], name)
    assert shim.__gaozhi_moved_to__ == f"_kernel.{new}"
    assert f"svc.{new}(...)" in (shim.__doc__ or "")
    home, _, method = new.partition(".")
    assert callable(getattr(_AREAS[home], method, None)), new
