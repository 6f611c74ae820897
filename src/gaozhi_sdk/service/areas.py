"""Area services: the lifecycle by area, over one private kernel (issue 11).

:class:`~gaozhi_sdk.PledgeService` is the kernel — store, clock, seals, rules and role
policy — and exposes one service per area::

    svc.lists          清单: draft → submit → publish, entries, templates
    svc.cases          办件: notice → choices → eligibility → pledge → accept → decide → close
    svc.verifications  核查: online, on site, assistance, 双随机 draws, supervision
    svc.credit         处置与信用: disposition, credit records, repair, objections
    svc.disclosure     承诺书公开
    svc.complaints     投诉举报
    svc.signing        申请人签署方式: 实名认证, 事件证书, 平台作证, 窗口手写
                       (三步签署: svc.cases.pledge_data_to_sign / assemble_pledge)
    svc.journal        台账 (read only): entries, head, chain verification

Every state-changing call is one transaction with its journal entry and outbox events
(refusals are journaled too), exactly as the flat ``PledgeService`` methods it shares its
implementation with; those remain as shortcuts. Each area also has typed accessors —
``get(id)`` and ``list(...)`` with filters — for every aggregate, assistance requests and
draws included.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel

from gaozhi_sdk._deprecation import warn_deprecated
from gaozhi_sdk.models import (
    AssistanceRequest,
    Case,
    CaseStatus,
    CommitmentList,
    Complaint,
    ComplaintStatus,
    CreditRecord,
    CreditStatus,
    DisclosedPledge,
    Disposition,
    InspectionDraw,
    Notice,
    Pledge,
    Verification,
    VerificationMethod,
    VerificationStatus,
)
from gaozhi_sdk.models.signing import SigningMethod
from gaozhi_sdk.service.cases import SIGNING_METHOD_KIND, CasesMixin
from gaozhi_sdk.service.complaints import ComplaintsMixin
from gaozhi_sdk.service.credit import CreditMixin
from gaozhi_sdk.service.credit_archive import CreditArchiveMixin
from gaozhi_sdk.service.disclosure import DisclosureMixin
from gaozhi_sdk.service.lists import ListsMixin
from gaozhi_sdk.service.privacy import PrivacyMixin
from gaozhi_sdk.service.proxy_grants import ProxyGrantMixin
from gaozhi_sdk.service.remote_signing import RemoteSigningMixin
from gaozhi_sdk.service.signing_methods import SigningMixin
from gaozhi_sdk.service.verifications import VerificationsMixin
from gaozhi_sdk.store import (
    ChainReport,
    JournalEntry,
    RecordQuery,
    period_bounds,
    sortable_time,
    verify_chain,
)
from gaozhi_sdk.store.queries import MAX_LIMIT

if TYPE_CHECKING:
    from gaozhi_sdk.service import PledgeService

__all__ = [
    "Cases",
    "Complaints",
    "Credit",
    "Disclosure",
    "Journal",
    "Lists",
    "Signing",
    "Verifications",
]

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

#: Verification states in which a verification still has to be done (``due``).
_OPEN_CHECKS = tuple(
    s.value
    for s in VerificationStatus
    if s
    not in (
        VerificationStatus.CONCLUDED,
        VerificationStatus.CANCELLED,
        VerificationStatus.DAILY_SUPERVISION,
    )
)


def _query(
    kernel: PledgeService,
    model: type[M],
    kind: str,
    *,
    after: str | None,
    limit: int | None,
    states: tuple[str, ...] = (),
    **filters: Any,
) -> builtins.list[M]:
    """Records of ``kind`` matching ``filters`` — answered by the store's indexed query
    (:class:`~gaozhi_sdk.store.RecordQuery`), ordered by ``(at, id)``.

    ``limit``: one page of at most that many (1 … 1000), starting after the record whose
    id is ``after``; ``None``: every matching record (fetched page by page)."""
    store = kernel.store
    out: builtins.list[M] = []
    cursor = after
    while True:
        page = store.find(
            RecordQuery(
                kind,
                states=states,
                after=cursor,
                limit=MAX_LIMIT if limit is None else limit,
                **filters,
            )
        )
        out += [kernel._model_of(r, model) for r in page]
        if limit is not None or len(page) < MAX_LIMIT:
            return out
        cursor = page[-1].id


def _area(method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[_Area, P], R]:
    """The area-service form of a kernel method (same signature and documentation)."""
    name = method.__name__

    @functools.wraps(method)
    def call(self: _Area, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = getattr(self._kernel, name)(*args, **kwargs)
        return result

    return call


class _Area:
    """One area of the lifecycle over the service kernel."""

    def __init__(self, kernel: PledgeService) -> None:
        self._kernel = kernel

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        for name, value in vars(cls).items():
            if hasattr(value, "__wrapped__"):  # an _area() form: named as the area names it
                value.__name__ = name
                value.__qualname__ = f"{cls.__name__}.{name}"

    def _deprecated_call(self, old: str, new: str) -> None:
        warn_deprecated(f"svc.{old}(...)", f"svc.{new}(...)", stacklevel=4)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._kernel!r}>"


class Lists(_Area):
    """清单 (state machine A; R-008, R-009, R-011): ``svc.lists``."""

    draft = _area(ListsMixin._draft_list)
    submit = _area(ListsMixin._submit_list)
    publish = _area(ListsMixin._publish_list)
    reject = _area(ListsMixin._reject_list)
    retire_entry = _area(ListsMixin._retire_entry)
    register_template = _area(ListsMixin._register_template)
    template_for = _area(ListsMixin._template_for)
    published = _area(ListsMixin._published_list)
    get = _area(ListsMixin._commitment_list)
    entry = _area(ListsMixin._entry)
    entry_in_force = _area(ListsMixin._entry_in_force)

    def list(
        self, *, list_id: str | None = None, state: str | None = None
    ) -> builtins.list[CommitmentList]:
        """Every stored list version (optionally of one list, or in one state such as
        ``"PUBLISHED"``), by list id then version."""
        k = self._kernel
        found = [k._model_of(r, CommitmentList) for r in k.store.list("list_version", state=state)]
        if list_id is not None:
            found = [c for c in found if c.list_id == list_id]
        return sorted(found, key=lambda c: (c.list_id, c.version))


class Cases(_Area):
    """办件 (state machine B): ``svc.cases``, from the notice to the closed case."""

    issue_notice = _area(CasesMixin._issue_notice)
    record_choices = _area(CasesMixin._record_choices)
    check_eligibility = _area(CasesMixin._check_eligibility)
    authorization_to_sign = _area(CasesMixin._authorization_to_sign)
    check_proxy = _area(CasesMixin._check_proxy)
    authorization_data_to_sign = _area(ProxyGrantMixin._authorization_data_to_sign)
    assemble_authorization = _area(ProxyGrantMixin._assemble_authorization)
    signed_authorization = _area(ProxyGrantMixin._signed_authorization)
    revoke_authorization = _area(ProxyGrantMixin._revoke_authorization)
    verify_bundle = _area(ProxyGrantMixin._verify_bundle)
    draft_pledge = _area(CasesMixin._draft_pledge)
    submit_pledge = _area(CasesMixin._submit_pledge)
    accept = _area(CasesMixin._accept)
    withdraw = _area(CasesMixin._withdraw)
    decide = _area(CasesMixin._decide)
    close = _area(CasesMixin._close_case)
    get = _area(CasesMixin._case)
    notice = _area(CasesMixin._notice)
    pledge = _area(CasesMixin._pledge)
    entries = _area(CasesMixin._case_entries)
    prior_withdrawals = _area(CreditArchiveMixin._prior_withdrawals)
    entry_at = _area(CasesMixin._entry_at)
    pledge_data_to_sign = _area(RemoteSigningMixin._pledge_data_to_sign)
    assemble_pledge = _area(RemoteSigningMixin._assemble_pledge)

    def list(
        self,
        *,
        status: CaseStatus | None = None,
        organ_uscc: str | None = None,
        applicant_id: str | None = None,
        accepted_from: date | datetime | None = None,
        accepted_to: date | datetime | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Case]:
        """Cases, optionally in one state, of one organ, of one applicant and/or accepted
        in a period; ordered by acceptance time (告知/受理, ``created_at``) then case number.

        Answered by the store with indexes (DESIGN §6a), never by loading every case.

        Args:
            applicant_id: the applicant's identifier (证件号码); only its keyed digests
                under the store's deployment secrets are looked up.
            accepted_from / accepted_to: a :class:`~datetime.date` is a whole day (China
                Standard Time, both ends included); a :class:`~datetime.datetime` bounds
                ``[accepted_from, accepted_to)``.
            after: keyset cursor — the ``case_no`` of the last case of the previous page.
            limit: page size (1 … 1000); ``None`` returns every matching case.

        Raises:
            StoreError: GZ-ST-010 for a bad ``limit``, an ``after`` that is no case number
                or a period that ends before it starts.
        """
        k = self._kernel
        lo, hi = period_bounds(accepted_from, accepted_to)
        return _query(
            k,
            Case,
            "case",
            after=after,
            limit=limit,
            states=() if status is None else (CaseStatus(status).value,),
            organ=organ_uscc,
            subjects=() if applicant_id is None else tuple(k.subject_digests(applicant_id)),
            at_from=lo,
            at_to=hi,
        )

    def __call__(self, *, status: CaseStatus | None = None) -> builtins.list[Case]:
        """Deprecated: ``svc.cases()`` was a method before the area services; use
        :meth:`list`."""
        self._deprecated_call("cases", "cases.list")
        return self.list(status=status)

    def notices(
        self, *, case_no: str | None = None, after: str | None = None, limit: int | None = None
    ) -> builtins.list[Notice]:
        """Notices (of one case), by notice id; ``after``/``limit`` as :meth:`list`
        (``after`` is a notice id)."""
        return _query(self._kernel, Notice, "notice", after=after, limit=limit, ref=case_no)

    def pledges(
        self, *, case_no: str | None = None, after: str | None = None, limit: int | None = None
    ) -> builtins.list[Pledge]:
        """Pledges (of one case), by pledge id; ``after``/``limit`` as :meth:`list`."""
        return _query(self._kernel, Pledge, "pledge", after=after, limit=limit, ref=case_no)


class Verifications(_Area):
    """核查 (state machine C): ``svc.verifications`` — online, on site, assisted, exempt."""

    run_online = _area(VerificationsMixin._run_online_verification)
    replan = _area(VerificationsMixin._replan)
    dispatch_on_site = _area(VerificationsMixin._dispatch_on_site)
    record_on_site = _area(VerificationsMixin._record_on_site)
    request_assistance = _area(VerificationsMixin._request_assistance)
    reply_assistance = _area(VerificationsMixin._reply_assistance)
    draw_inspections = _area(VerificationsMixin._draw_inspections)
    record_supervision = _area(VerificationsMixin._record_supervision)
    get = _area(VerificationsMixin._verification)

    def list(
        self,
        *,
        status: VerificationStatus | None = None,
        case_no: str | None = None,
        method: VerificationMethod | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Verification]:
        """Verifications, filtered by state, case and/or current method; ordered by due
        time (those without one first) then id. ``after``: the ``verification_id`` of the
        last item of the previous page; ``limit``: page size (1 … 1000, ``None``: all)."""
        return _query(
            self._kernel,
            Verification,
            "verification",
            after=after,
            limit=limit,
            states=() if status is None else (VerificationStatus(status).value,),
            ref=case_no,
            fields=() if method is None else (("method", VerificationMethod(method).value),),
        )

    def due(
        self,
        at: datetime | None = None,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Verification]:
        """Verifications still to be done whose deadline (``due_at``, working days,
        R-102) is at or before ``at`` (default: now) — scheduled, in progress, awaiting
        assistance or already overdue; ordered by due time. ``after``/``limit`` as
        :meth:`list`. Answered by the store's index on (state, due time)."""
        when = at or self._kernel.now()
        return _query(
            self._kernel,
            Verification,
            "verification",
            after=after,
            limit=limit,
            states=_OPEN_CHECKS,
            at_from="0",  # excludes the verifications without a deadline ("")
            at_to=sortable_time(when + timedelta(microseconds=1)),  # due_at == at included
        )

    def __call__(self, *, status: VerificationStatus | None = None) -> builtins.list[Verification]:
        """Deprecated: ``svc.verifications()`` was a method; use :meth:`list`."""
        self._deprecated_call("verifications", "verifications.list")
        return self.list(status=status)

    def assistance(self, assistance_id: str) -> AssistanceRequest:
        """One 协助核查 request (GZ-ST-404 if missing)."""
        return self._kernel._load("assistance", assistance_id, AssistanceRequest)

    def assistance_requests(
        self, *, verification_id: str | None = None, state: str | None = None
    ) -> builtins.list[AssistanceRequest]:
        """协助核查 requests, optionally of one verification or in one state."""
        k = self._kernel
        found = [k._model_of(r, AssistanceRequest) for r in k.store.list("assistance", state=state)]
        return [a for a in found if verification_id is None or a.verification_id == verification_id]

    def draw(self, draw_id: str) -> InspectionDraw:
        """One 双随机 draw (GZ-ST-404 if missing); recompute it with
        :func:`gaozhi_sdk.workflow.compute_draw`."""
        return self._kernel._load("draw", draw_id, InspectionDraw)

    def draws(self, *, organ_uscc: str | None = None) -> builtins.list[InspectionDraw]:
        """Every 双随机 draw (of one organ), oldest first."""
        k = self._kernel
        found = [k._model_of(r, InspectionDraw) for r in k.store.list("draw")]
        found = [d for d in found if organ_uscc is None or d.organ_uscc == organ_uscc]
        return sorted(found, key=lambda d: (d.drawn_at, d.draw_id))


class Credit(_Area):
    """处置与信用 (state machine D): ``svc.credit``."""

    dispose = _area(CreditMixin._dispose)
    confirm_rectified = _area(CreditMixin._confirm_rectified)
    revoke_after_rectification = _area(CreditMixin._revoke_after_rectification)
    publicize = _area(CreditMixin._publicize)
    apply_repair = _area(CreditMixin._apply_repair)
    decide_repair = _area(CreditMixin._decide_repair)
    object_to_record = _area(CreditMixin._object_to_record)
    resolve_objection = _area(CreditMixin._resolve_objection)
    expire = _area(CreditMixin._expire_credit_records)
    get = _area(CreditMixin._credit_record)
    records_of = _area(CreditArchiveMixin._credit_records_of)
    snapshot = _area(CreditArchiveMixin._credit_snapshot)

    def list(
        self,
        *,
        status: CreditStatus | None = None,
        case_no: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[CreditRecord]:
        """Credit records, optionally in one state and/or of one case, by record id;
        ``after`` (a record id) / ``limit`` as :meth:`Cases.list`."""
        return _query(
            self._kernel,
            CreditRecord,
            "credit_record",
            after=after,
            limit=limit,
            states=() if status is None else (CreditStatus(status).value,),
            ref=case_no,
        )

    def dispositions(
        self, *, case_no: str | None = None, after: str | None = None, limit: int | None = None
    ) -> builtins.list[Disposition]:
        """Dispositions (of one case), by disposition id; ``after``/``limit`` as
        :meth:`Cases.list`."""
        return _query(
            self._kernel, Disposition, "disposition", after=after, limit=limit, ref=case_no
        )


class Disclosure(_Area):
    """承诺书公开 (R-071…R-074), 不予公开的标记 (R-073) 与个人信息保护影响评估 (R-094):
    ``svc.disclosure``."""

    publish = _area(DisclosureMixin._publish_disclosure)
    get = _area(DisclosureMixin._disclosure)
    mark_confidential = _area(PrivacyMixin._mark_confidential)
    override_confidentiality = _area(PrivacyMixin._override_confidentiality)
    confidential_marks = _area(PrivacyMixin._confidential_marks)
    record_impact_assessment = _area(PrivacyMixin._record_impact_assessment)
    impact_assessments = _area(PrivacyMixin._impact_assessments)
    impact_assessment_for = _area(PrivacyMixin._impact_assessment_for)

    def list(
        self, *, case_no: str | None = None, after: str | None = None, limit: int | None = None
    ) -> builtins.list[DisclosedPledge]:
        """Published redacted pledges (of one case), by disclosure id; ``after``/``limit``
        as :meth:`Cases.list`."""
        return _query(
            self._kernel, DisclosedPledge, "disclosure", after=after, limit=limit, ref=case_no
        )

    def __call__(self, disclosure_id: str) -> DisclosedPledge:
        """Deprecated: ``svc.disclosure(id)`` was a method; use :meth:`get`."""
        self._deprecated_call("disclosure", "disclosure.get")
        return self.get(disclosure_id)


class Complaints(_Area):
    """投诉举报 (R-072): ``svc.complaints``."""

    receive = _area(ComplaintsMixin._receive_complaint)
    assign = _area(ComplaintsMixin._assign_complaint)
    handle = _area(ComplaintsMixin._handle_complaint)
    give_feedback = _area(ComplaintsMixin._give_complaint_feedback)

    def get(self, complaint_id: str) -> Complaint:
        """One complaint (GZ-ST-404 if missing)."""
        return self._kernel._load("complaint", complaint_id, Complaint)

    def list(
        self,
        *,
        status: ComplaintStatus | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[Complaint]:
        """Complaints, optionally in one state, by time received; ``after`` (a complaint
        id) / ``limit`` as :meth:`Cases.list`."""
        return _query(
            self._kernel,
            Complaint,
            "complaint",
            after=after,
            limit=limit,
            states=() if status is None else (ComplaintStatus(status).value,),
        )

    def __call__(self) -> builtins.list[Complaint]:
        """Deprecated: ``svc.complaints()`` was a method; use :meth:`list`."""
        self._deprecated_call("complaints", "complaints.list")
        return self.list()


class Signing(_Area):
    """申请人签署方式 (DESIGN §4a, R-035): ``svc.signing`` — how an applicant signs a
    pledge: real-name authentication, an event certificate for a key on the device (then
    three-step signing with :meth:`Cases.pledge_data_to_sign` and
    :meth:`Cases.assemble_pledge`), platform attestation, or window handwriting."""

    start_authentication = _area(SigningMixin._start_authentication)
    finish_authentication = _area(SigningMixin._finish_authentication)
    authentication = _area(SigningMixin._authentication)
    event_certificate_challenge = _area(SigningMixin._event_certificate_challenge)
    issue_event_certificate = _area(SigningMixin._issue_event_certificate)
    attest_pledge = _area(SigningMixin._attest_pledge)
    window_pledge = _area(SigningMixin._window_pledge)
    signature_image = _area(SigningMixin._signature_image)

    def method_counts(self) -> dict[str, int]:
        """Every stored pledge counted by signing method, in Python (the reference for the
        SQL-grouped ``Statistics.pledges_by_signing_method``); pledges stored before
        methods were recorded count as ``CERTIFICATE``."""
        store = self._kernel.store
        counts: dict[str, int] = {}
        for rec in store.list(SIGNING_METHOD_KIND):
            counts[rec.state] = counts.get(rec.state, 0) + 1
        older = store.count("pledge") - sum(counts.values())
        if older > 0:
            counts["CERTIFICATE"] = counts.get("CERTIFICATE", 0) + older
        return dict(sorted(counts.items()))

    def method_of(self, pledge_id: str) -> SigningMethod:
        """How a stored pledge was signed (``CERTIFICATE`` for pledges stored before
        methods were recorded)."""
        rec = self._kernel.store.get(SIGNING_METHOD_KIND, pledge_id)
        return SigningMethod.CERTIFICATE if rec is None else SigningMethod(rec.state)


class Journal(_Area):
    """台账, read only (DESIGN §6): ``svc.journal``."""

    def entries(
        self,
        *,
        after_seq: int = 0,
        aggregate_type: str | None = None,
        aggregate_id: str | None = None,
        event: str | None = None,
    ) -> Iterator[JournalEntry]:
        """Journal entries in order, optionally of one aggregate (``"case"``,
        ``"CASE-…"``) or one event (``"case.accept"``); streamed, never all in memory."""
        for entry in self._kernel.store.journal(after_seq=after_seq):
            if aggregate_type is not None and entry.aggregate_type != aggregate_type:
                continue
            if aggregate_id is not None and entry.aggregate_id != aggregate_id:
                continue
            if event is not None and entry.event != event:
                continue
            yield entry

    def head(self) -> JournalEntry | None:
        """The last entry (None for an empty journal)."""
        return self._kernel.store.journal_head()

    def verify(self, *, expected_head: str | None = None) -> ChainReport:
        """Check the whole hash chain (and, given a trusted head hash from a signed
        checkpoint, that nothing was cut off or appended); never raises on bad data."""
        return verify_chain(
            (e.to_json_dict() for e in self._kernel.store.journal()),
            expected_head=expected_head,
        )
