"""Cases: notice → choice → eligibility → signed pledge → acceptance → decision (machine B).

Rules: R-001 (one-time written notice, no proof demanded after the pledge), R-008 (only
published entries), R-020, R-021, R-022, R-024, R-025 (free choice, eligibility,
proxies), R-035 (electronic
pledges), R-040 (verification planned at acceptance), R-060, R-061, R-064 (withdrawal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from gaozhi_sdk import rules as R
from gaozhi_sdk.canonical import model_bytes, sha256_hex
from gaozhi_sdk.errors import (
    GaozhiError,
    ModelValidationError,
    PermissionDeniedError,
    RuleViolationError,
    SignatureError,
    WorkflowError,
)
from gaozhi_sdk.esign import Bundle, payload_model
from gaozhi_sdk.esign.methods import AUTH_RECORD_TYPE, authentication_age_problem
from gaozhi_sdk.esign.policy import SignerContext
from gaozhi_sdk.esign.proxy_grant import grant_problem
from gaozhi_sdk.ids import mask_beside_digest
from gaozhi_sdk.models.case import Case, Decision, ProofChoice, Withdrawal
from gaozhi_sdk.models.documents import Notice, NoticeItem, Pledge, PledgeItem
from gaozhi_sdk.models.enums import (
    ActorRole,
    CaseStatus,
    EntryStatus,
    NoticeChannel,
    ProofMode,
    VerificationMethod,
    VerificationPhase,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.models.parties import (
    AUTHORIZATION_ID_PATTERN,
    Actor,
    Applicant,
    AuthorizationGrant,
    CreditSnapshot,
    Proxy,
)
from gaozhi_sdk.models.signing import AuthenticationRecord, SigningMethod
from gaozhi_sdk.models.verification import Verification
from gaozhi_sdk.service._core import Step, refusals_journaled
from gaozhi_sdk.service.credit_archive import CreditArchiveMixin
from gaozhi_sdk.service.lists import ListsMixin, entry_key
from gaozhi_sdk.store.base import Transaction

__all__ = ["SIGNING_METHOD_KIND", "CasesMixin"]

#: Store kind recording each pledge's signing method (statistics, DESIGN §4a).
SIGNING_METHOD_KIND = "pledge_signing_method"
#: Event certificates this service obtained, by SHA-256 of the leaf DER: when the
#: authentication they were issued on was made (DESIGN §4a).
EVENT_CERTIFICATE_KIND = "event_certificate"
#: Store kind of the applicant's signed special authorisations (R-024), id
#: :func:`grant_key`; state ``SIGNED`` or :data:`GRANT_REVOKED_STATE`.
GRANT_KIND = "proxy_grant"
GRANT_REVOKED_STATE = "REVOKED"


def grant_key(case_no: str, authorization_id: str) -> str:
    """The store id of case ``case_no``'s grant number ``authorization_id`` (R-024):
    ``<case_no>:<authorization_id>``. Unambiguous because a number never contains ``:``
    (:data:`~gaozhi_sdk.models.parties.AUTHORIZATION_ID_PATTERN`, checked here): the number
    is everything after the last ``:``, so case ``K`` number ``X:N`` cannot name case
    ``K:X`` number ``N``. A number outside the format is refused (GZ-MD-002) before any
    store access; the message does not repeat it."""
    if re.fullmatch(AUTHORIZATION_ID_PATTERN, authorization_id) is None:
        raise ModelValidationError(
            "GZ-MD-002",
            "特别授权书编号须为 1 至 64 个英文字母、数字或 . _ -, 以字母或数字开头 (R-024)",
            message_en="a special authorisation number is 1 to 64 ASCII letters, digits, "
            "'.', '_' or '-', beginning with a letter or digit (R-024)",
            details={"field": "authorization_id"},
        )
    return f"{case_no}:{authorization_id}"


def _combine(results: Sequence[R.EligibilityResult]) -> R.EligibilityResult:
    """One gate result for all pledged proofs: ineligible if any proof is barred."""
    if not results:
        return R.EligibilityResult(eligible=True)
    pairs = dict.fromkeys(p for r in results for p in zip(r.reasons, r.reasons_en, strict=False))
    return R.EligibilityResult(
        eligible=all(r.eligible for r in results),
        reasons=tuple(zh for zh, _ in pairs),
        reasons_en=tuple(en for _, en in pairs),
        rules=tuple(sorted({x for r in results for x in r.rules})),
        barring_record_ids=tuple(dict.fromkeys(x for r in results for x in r.barring_record_ids)),
        warnings=tuple(dict.fromkeys(x for r in results for x in r.warnings)),
        insurance_required=any(r.insurance_required for r in results),
        threshold=results[0].threshold,
    )


_OPEN_VERIFICATION = frozenset(
    {
        VerificationStatus.SCHEDULED,
        VerificationStatus.ONLINE_CHECK,
        VerificationStatus.ON_SITE_TASK,
        VerificationStatus.ASSIST_REQUESTED,
        VerificationStatus.ASSIST_REFUSED,
        VerificationStatus.DAILY_SUPERVISION,
        VerificationStatus.OVERDUE,
    }
)


class CasesMixin(ListsMixin, CreditArchiveMixin):
    """办件与承诺."""

    # -- reading ---------------------------------------------------------------------------
    def _case(self, case_no: str) -> Case:
        """The current state of a case."""
        return self._load("case", case_no, Case)

    def _notice(self, notice_id: str) -> Notice:
        """A stored notice."""
        return self._load("notice", notice_id, Notice)

    def _pledge(self, pledge_id: str) -> Pledge:
        """A stored pledge."""
        return self._load("pledge", pledge_id, Pledge)

    def _case_entries(self, case: Case) -> list[CommitmentListEntry]:
        """The list entries (at the case's list version) the case concerns."""
        return [self._entry(case.list_id, case.list_version, e)[0] for e in case.entry_ids]

    def _verifications_of(self, case_no: str) -> list[Verification]:
        """Every verification of a case."""
        rec = self.store.get("case_index", case_no)
        ids = list(rec.doc.get("verifications", [])) if rec else []
        return [self._load("verification", v, Verification) for v in ids]

    # -- notice ----------------------------------------------------------------------------
    @refusals_journaled("case.issue_notice", "case", "case_no")
    def _issue_notice(
        self,
        *,
        list_id: str,
        entry_ids: Sequence[str],
        applicant: Applicant | Mapping[str, Any],
        actor: Actor,
        channel: NoticeChannel = NoticeChannel.COUNTER,
        case_no: str | None = None,
    ) -> Notice:
        """Open a case and give the one-time written notice, sealed by the organ (R-001).

        Only PUBLISHED entries of one matter may be used (R-008).
        """
        app = self._parse(Applicant, applicant, "申请人")
        clist = self._published_list(list_id)
        if not clist.owner_uscc:
            raise RuleViolationError(
                "GZ-RL-204",
                "清单未载明编制单位统一社会信用代码, 不能据此告知",
                message_en="the list has no owner USCC",
            )
        if not entry_ids:
            raise RuleViolationError("GZ-RL-202", "至少须告知一项证明事项", message_en="no entries")
        entries: list[CommitmentListEntry] = []
        for eid in dict.fromkeys(entry_ids):
            entry, state = self._entry(list_id, clist.version, eid)
            if state != EntryStatus.PUBLISHED:
                raise RuleViolationError(
                    "GZ-RL-202",
                    f"证明事项 {eid} 当前状态为 {state}, 只有已公布的条目才能适用告知承诺 (R-008)",
                    message_en="only published entries can be used (R-008)",
                )
            entries.append(entry)
        if len({e.matter_code for e in entries}) != 1:
            raise RuleViolationError(
                "GZ-RL-203", "一次告知的证明事项须属于同一行政事项", message_en="mixed matters"
            )
        now = self.now()
        case_no = case_no or self._new_id("CASE")
        notice = Notice(
            notice_id=self._new_id("NTC"),
            case_no=case_no,
            organ_name=clist.owner_organ,
            organ_uscc=clist.owner_uscc,
            applicant_digest=self.subject_digest(app.id_number),
            applicant_masked=mask_beside_digest(app.id_number),
            channel=channel,
            issued_at=now,
            items=tuple(self._notice_item(e) for e in entries),
        )
        case = Case(
            case_no=case_no,
            organ_uscc=clist.owner_uscc,
            list_id=list_id,
            list_version=clist.version,
            matter_code=entries[0].matter_code,
            applicant=app,
            entry_ids=tuple(e.entry_id for e in entries),
            status=CaseStatus.NOTICE_ISSUED,
            notice_id=notice.notice_id,
            created_at=now,
        )
        with self._run(
            actor,
            "case",
            "issue_notice",
            "case",
            case_no,
            organ_uscc=clist.owner_uscc,
            creating=True,
        ) as step:
            step.now = now
            detail = self.sealer.seal(
                step.tx, notice, clist.owner_uscc, f"notice/{notice.notice_id}", now
            )
            self._put_model(step, "notice", notice.notice_id, notice, "ISSUED", create=True)
            self._put_model(step, "case", case_no, case, step.target, create=True)
            step.tx.put(
                "case_index", case_no, {"verifications": []}, state="AUX", expected_version=None
            )
            step.payload = notice.model_dump(mode="json")
            step.detail.update(detail, notice_hash=sha256_hex(model_bytes(notice)))
            step.emit("notice.issued", self._event(case))
        return notice

    def _notice_item(self, entry: CommitmentListEntry) -> NoticeItem:
        t = self._template_for(entry)
        return NoticeItem(
            entry_id=entry.entry_id,
            entry_version=entry.version,
            matter_name=entry.matter_name,
            legal_basis=entry.legal_basis,
            proof_name=entry.proof_name,
            proof_obligation=t.proof_obligation,
            proof_content=t.proof_content,
            commitment_method=t.commitment_method,
            liability=t.liability,
            verification_power=t.verification_power,
            cooperation_duty=t.cooperation_duty,
            credit_consequence=t.credit_consequence,
            disclosure=entry.pledge_disclosure,
            disclosure_notice=t.disclosure_notice,
            verification_method=entry.verification.method.value,
            proxy_allowed=entry.proxy_allowed,
            pledge_clauses=t.pledge_clauses,
        )

    @staticmethod
    def _event(case: Case, **extra: Any) -> dict[str, Any]:
        """An outbox event body: no personal identifiers (plugins fetch details via the API)."""
        return {
            "case_no": case.case_no,
            "organ_uscc": case.organ_uscc,
            "matter_code": case.matter_code,
            "status": case.status.value,
            **extra,
        }

    # -- choice and eligibility ------------------------------------------------------------
    @refusals_journaled("case.record_choices", "case", "case_no")
    def _record_choices(
        self,
        case_no: str,
        choices: Sequence[ProofChoice | Mapping[str, Any]],
        actor: Actor,
        *,
        proxy: Proxy | Mapping[str, Any] | None = None,
    ) -> Case:
        """Record the applicant's free choice per proof (R-021); all DOCUMENT → DECLINED (R-022).

        A proxy chooses only with the special authorisation it holds from this case's
        applicant for every told proof, valid today (``proxy``, R-024); without it the
        case is not the proxy's (GZ-AU-011) — checked first, so the answer tells nothing
        of the case's proofs or status.
        """
        case = self._case(case_no)
        px = None if proxy is None else self._parse(Proxy, proxy, "代为承诺人")
        parsed = [self._parse(ProofChoice, c, "办理方式选择") for c in choices]
        declined = all(c.mode is ProofMode.DOCUMENT for c in parsed)
        transition = "decline" if declined else "record_choices"
        # the proxy's authority before the told proofs or the status show
        self._check_proxy_first(case, actor, px, journal_as=f"case.{transition}")
        ids = [c.entry_id for c in parsed]
        if sorted(ids) != sorted(case.entry_ids) or len(set(ids)) != len(ids):
            raise RuleViolationError(
                "GZ-RL-205",
                "须对告知的每一项证明分别选择承诺或提交证明, 且每项只选一次 (R-021)",
                message_en="one choice per told proof item is required (R-021)",
            )
        with self._run(actor, "case", transition, "case", case_no, organ_uscc=case.organ_uscc) as s:
            assert s.current is not None
            self._check_own_case(case, actor, px)
            new = case.model_copy(
                update={
                    "choices": tuple(parsed),
                    "pledged_entry_ids": tuple(
                        c.entry_id for c in parsed if c.mode is ProofMode.PLEDGE
                    ),
                    "status": CaseStatus(s.target),
                }
            )
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = [c.model_dump(mode="json") for c in parsed]
            s.detail["pledged"] = sum(c.mode is ProofMode.PLEDGE for c in parsed)
            if declined:
                s.emit("case.declined", self._event(new))
        return new

    def _pledged_entries(self, case: Case) -> list[CommitmentListEntry]:
        """Entries the applicant chose to pledge for."""
        chosen = {c.entry_id for c in case.choices if c.mode is ProofMode.PLEDGE}
        return [e for e in self._case_entries(case) if e.entry_id in chosen]

    @refusals_journaled("case.mark_ineligible", "case", "case_no")
    def _check_eligibility(self, case_no: str, actor: Actor) -> R.EligibilityResult:
        """Credit gate before the pledge (R-020, R-064, R-075, R-076).

        Ineligible → the case moves to INELIGIBLE and every proof goes to DOCUMENT (R-022).
        Eligible → the snapshot is kept with the case for planning (R-026, R-040).
        """
        case = self._case(case_no)
        # the eligible path writes no transition, but the check is still the organ's act
        self.role_policy.check(actor, "case.mark_ineligible", case.organ_uscc)
        if case.status is not CaseStatus.NOTICE_ISSUED:
            raise WorkflowError(
                "GZ-WF-002",
                f"办件状态为 {case.status.value}, 只有已告知的办件需要审查适用条件",
                message_en="eligibility is checked only for NOTICE_ISSUED cases",
            )
        if not case.choices:
            raise RuleViolationError(
                "GZ-RL-206", "申请人尚未选择办理方式 (R-021)", message_en="no choice recorded"
            )
        snapshot = self._credit_snapshot(case.applicant)
        result = self._eligibility(case, snapshot)
        if result.eligible:
            with self.store.transaction() as tx:
                self._keep_snapshot(tx, case_no, snapshot)
            return result
        with self._run(
            actor, "case", "mark_ineligible", "case", case_no, organ_uscc=case.organ_uscc
        ) as s:
            choices = tuple(
                ProofChoice(entry_id=c.entry_id, mode=ProofMode.DOCUMENT, reason="不适用告知承诺")
                for c in case.choices
            )
            new = case.model_copy(
                update={
                    "status": CaseStatus.INELIGIBLE,
                    "choices": choices,
                    "ineligible_reasons": tuple(result.reasons),
                }
            )
            self._put_model(s, "case", case_no, new, s.target)
            self._keep_snapshot(s.tx, case_no, snapshot)
            s.payload = {"reasons": list(result.reasons)}
            s.detail["barring_records"] = list(result.barring_record_ids)
            s.emit("case.ineligible", self._event(new))
        return result

    def _eligibility(
        self, case: Case, snapshot: CreditSnapshot, *, signed_at: datetime | None = None
    ) -> R.EligibilityResult:
        entries = self._pledged_entries(case)
        if signed_at is not None:
            # R-008 / DOMAIN §2.3: the entry version in force at signing governs, even if a
            # newer version was published before the pledge reached the organ.
            entries = [
                e.model_copy(update={"status": EntryStatus.PUBLISHED})
                if self._entry_in_force(case.list_id, case.list_version, e.entry_id, signed_at)
                else e
                for e in entries
            ]
        withdrawals = self._prior_withdrawals(case.applicant)
        results = [
            R.check_eligibility(
                snapshot,
                e,
                self.rules.eligibility,
                on=self.now().date(),
                prior_withdrawals=withdrawals,
            )
            for e in entries
        ]
        return _combine(results)

    @staticmethod
    def _keep_snapshot(tx: Transaction, case_no: str, snapshot: CreditSnapshot) -> None:
        rec = tx.get("snapshot", case_no)
        tx.put(
            "snapshot",
            case_no,
            snapshot.model_dump(mode="json"),
            state="AUX",
            expected_version=rec.version if rec else None,
        )

    def _snapshot_for(self, case: Case) -> CreditSnapshot:
        rec = self.store.get("snapshot", case.case_no)
        if rec is not None:
            return CreditSnapshot.model_validate(rec.doc)
        return self._credit_snapshot(case.applicant)

    # -- the pledge ------------------------------------------------------------------------
    def _authorization_to_sign(
        self, case_no: str, proxy: Proxy | Mapping[str, Any]
    ) -> AuthorizationGrant:
        """The special authorisation the applicant signs for ``proxy`` (R-024).

        Built from this case (applicant, notice, matter) and the proxy's authorisation
        (number, proofs, validity). The applicant signs it with their own certificate
        (``esign.sign(grant, applicant_signer)``) and the proxy attaches the bundle
        (:meth:`Proxy.with_signed_grant`) before drafting the pledge: a pledge signed by
        a proxy without it is refused (GZ-SG-050, strict signer policy).
        """
        case = self._case(case_no)
        px = self._parse(Proxy, proxy, "代为承诺人")
        if case.notice_id is None:
            raise WorkflowError(
                "GZ-WF-002",
                f"办件状态为 {case.status.value}, 尚无告知书, 不能授权代为承诺",
                message_en="a proxy can be authorised only after the notice",
            )
        auth = px.authorization
        return self._parse(
            AuthorizationGrant,
            dict(
                authorization_id=auth.authorization_id,
                grantor=case.applicant,
                proxy=px.party,
                case_no=case.case_no,
                notice_id=case.notice_id,
                matter_code=auth.matter_code,
                entry_ids=auth.entry_ids,
                valid_from=auth.valid_from,
                valid_to=auth.valid_to,
                express_pledge_authority=auth.express_pledge_authority,
                granted_at=self.now(),
            ),
            "特别授权书",
        )

    def _draft_pledge(
        self,
        case_no: str,
        *,
        proxy: Proxy | Mapping[str, Any] | None = None,
        signed_at: datetime | None = None,
    ) -> Pledge:
        """The pledge document the applicant (or proxy) signs (R-001, R-033)."""
        case = self._case(case_no)
        if case.status is not CaseStatus.NOTICE_ISSUED or case.notice_id is None:
            raise WorkflowError(
                "GZ-WF-002",
                f"办件状态为 {case.status.value}, 不能起草承诺书",
                message_en="a pledge can be drafted only after the notice",
            )
        entries = self._pledged_entries(case)
        if not entries:
            raise RuleViolationError(
                "GZ-RL-206",
                "申请人未选择以承诺方式办理任何证明 (R-021)",
                message_en="no proof chosen for pledging",
            )
        notice = self._notice(case.notice_id)
        px = None if proxy is None else self._parse(Proxy, proxy, "代为承诺人")
        # parse(): a proxy whose authorisation names another grantor is a coded error
        return self._parse(
            Pledge,
            dict(
                pledge_id=self._new_id("PLG"),
                case_no=case.case_no,
                notice_id=notice.notice_id,
                notice_hash=sha256_hex(model_bytes(notice)),
                matter_code=case.matter_code,
                organ_uscc=case.organ_uscc,
                pledgor=case.applicant,
                proxy=px,
                items=tuple(
                    PledgeItem(
                        entry_id=e.entry_id,
                        entry_version=e.version,
                        proof_name=e.proof_name,
                        proof_content=e.proof_content,
                        clauses=self._template_for(e).pledge_clauses,
                    )
                    for e in entries
                ),
                acknowledged_notice=True,
                signed_at=signed_at or self.now(),
            ),
            "承诺书",
        )

    @refusals_journaled("case.sign_pledge", "case", "bundle")
    def _submit_pledge(self, bundle: Bundle | bytes | str, actor: Actor) -> Pledge:
        """Take a signed pledge (R-001, R-024, R-035): validated, checked, stored.

        The bundle must validate TOTAL_PASSED against the service trust store; its pledge
        must answer the stored notice (same hash), cover exactly the proofs chosen for
        pledging with the template's clauses unedited, be made by the applicant or a
        specially authorised proxy (R-024/R-025), and the applicant must still be
        eligible (R-020). Time-stamp tokens the bundle arrives with are dropped, never
        trusted to establish time: the organ's own TSA (``PledgeService.open(tsa=...)``)
        stamps every submitted pledge, and that proven time may not precede the notice
        (GZ-RL-219, R-001).
        """
        b = bundle if isinstance(bundle, Bundle) else Bundle.from_json(bundle)
        pledge = payload_model(b)
        if not isinstance(pledge, Pledge):
            raise SignatureError(
                "GZ-SG-021", "该签名文件不是承诺书", message_en="bundle does not carry a pledge"
            )
        case = self._case(pledge.case_no)
        # a proxy's authority first — before the case's status or the pledge's
        # content are judged, whose answers would tell an outsider about the case
        self._check_proxy_first(case, actor, pledge.proxy, journal_as="case.sign_pledge")
        with self._run(actor, "case", "sign_pledge", "case", case.case_no, organ_uscc=None) as s:
            # Domain rules first (their codes are the more specific refusal, e.g. a general
            # power of attorney → GZ-RL-002), then signature and signer policy (GZ-SG-020 /
            # GZ-SG-050: only the pledgor or the named proxy may sign, DESIGN §4).
            self._check_pledge(case, pledge, actor)
            method = self._check_signing_method(case, pledge, b.method)
            self._check_authentication_age(pledge, b)
            # Tokens the pledge arrives with never establish its time (issue 9): they are
            # dropped and the organ's own TSA stamps it.
            self.sealer.check(self.sealer.without_timestamps(b), s.now)
            b, proven = self.sealer.stamp_incoming(b, s.now)
            self._check_proven_time(case, proven)
            detail = self.sealer.store_bundle(s.tx, b, f"pledge/{pledge.pledge_id}")
            self._put_model(s, "pledge", pledge.pledge_id, pledge, "SIGNED", create=True)
            new = case.model_copy(
                update={"status": CaseStatus.PLEDGED, "pledge_id": pledge.pledge_id}
            )
            self._put_model(s, "case", case.case_no, new, s.target)
            s.tx.put(
                SIGNING_METHOD_KIND,
                pledge.pledge_id,
                {"case_no": case.case_no, "method": method.value},
                state=method.value,
                expected_version=None,
            )
            s.payload = pledge.model_dump(mode="json")
            s.detail.update(detail, proxy=pledge.proxy is not None, signing_method=method.value)
            s.emit("pledge.signed", self._event(new, pledge_id=pledge.pledge_id))
        return pledge

    def _check_signing_method(
        self, case: Case, pledge: Pledge, method: SigningMethod
    ) -> SigningMethod:
        """R-035, DESIGN §4a: the method meets the configured minimum for the organ and
        every pledged entry (GZ-RL-222); an event-certificate pledge needs the organ's TSA
        (GZ-SG-086), or its 10-minute certificate could never be verified later."""
        entries = tuple(i.entry_id for i in pledge.items)
        minimum = self.rules.minimum_signing_method(case.organ_uscc, entries)
        if minimum is not None and not method.at_least(minimum):
            raise RuleViolationError(
                "GZ-RL-222",
                f"该办件要求的最低签署方式为 {minimum.value}, 本承诺书的签署方式为 "
                f"{method.value}, 强度不足 (R-035)",
                message_en=f"the minimum signing method here is {minimum.value}; the pledge "
                f"was signed by {method.value}",
                details={"minimum": minimum.value, "method": method.value},
            )
        if method is SigningMethod.EVENT_CERTIFICATE:
            self._need_tsa_for_event_certificates()
        return method

    def _check_authentication_age(self, pledge: Pledge, bundle: Bundle) -> None:
        """DESIGN §4a, R-035: the real-name authentication behind the pledge vouches for
        the signer only near the signing time — at most ``authentication_max_age_s`` of
        the signer policy (default 30 minutes) before ``signed_at``. Its time comes from
        the platform's authentication record (``PLATFORM_ATTESTED``) or, for an event
        certificate this service obtained, from the authentication it was issued on
        (a certificate obtained elsewhere is the CA's word: it issues only on a fresh
        token). GZ-SG-089 otherwise."""
        when: datetime | None = None
        material = bundle.verification_material.signers
        if bundle.method is SigningMethod.PLATFORM_ATTESTED and bundle.signing_method:
            for ev in bundle.signing_method.evidence:
                record = payload_model(ev) if ev.payload_type == AUTH_RECORD_TYPE else None
                if isinstance(record, AuthenticationRecord):
                    when = record.authenticated_at
        elif bundle.method is SigningMethod.EVENT_CERTIFICATE and material:
            when = self._event_certificate_authenticated_at(material[0].chain_der[:1])
        self._check_authenticated_at(when, pledge.signed_at)

    def _event_certificate_authenticated_at(self, leaf: Sequence[bytes]) -> datetime | None:
        """When the authentication behind an event certificate this service obtained
        (``svc.signing.issue_event_certificate``) was made; None for any other."""
        rec = self.store.get(EVENT_CERTIFICATE_KIND, sha256_hex(leaf[0])) if leaf else None
        at = None if rec is None else rec.doc.get("authenticated_at")
        return None if not at else datetime.fromisoformat(at)

    def _check_authenticated_at(self, when: datetime | None, signed_at: datetime) -> None:
        if when is None:
            return
        max_age = int(self.sealer.policy.authentication_max_age_s)
        problem = authentication_age_problem(when, signed_at, max_age)
        if problem is not None:
            raise SignatureError(
                "GZ-SG-089",
                f"{problem[0]} (R-035)",
                message_en=problem[1],
                details={"max_age_s": max_age},
            )

    def _need_tsa_for_event_certificates(self) -> None:
        """GZ-SG-086 unless the organ's TSA is configured: a document signed with a
        10-minute event certificate can be verified later only at its time-stamped time."""
        if self.sealer.tsa is None:
            raise SignatureError(
                "GZ-SG-086",
                "以事件证书签署的文档须由机关时间戳服务盖时间戳, 否则其 10 分钟证书日后无法验证;"
                " 请以 PledgeService.open(tsa=...) 配置时间戳服务",
                message_en="event-certificate signatures need the organ's TSA (open(tsa=...))",
            )

    def _check_proven_time(self, case: Case, proven: datetime | None) -> None:
        """R-001: the pledge's best signature time never precedes the notice it answers."""
        if proven is None:
            return
        notice = self._notice(case.notice_id or "")
        if proven < notice.issued_at:
            raise RuleViolationError(
                "GZ-RL-219",
                f"承诺书经时间戳证明的签署时间 {proven.isoformat()} 早于告知时间 "
                f"{notice.issued_at.isoformat()} (R-001)",
                message_en="the pledge's time-stamped signing time precedes the notice",
            )

    def _check_pledge(self, case: Case, pledge: Pledge, actor: Actor) -> None:
        notice = self._notice(case.notice_id or "")
        if pledge.notice_id != notice.notice_id or pledge.notice_hash != sha256_hex(
            model_bytes(notice)
        ):
            raise RuleViolationError(
                "GZ-RL-210",
                "承诺书所依据的告知书与办件的告知书不一致 (R-001)",
                message_en="the pledge does not answer this case's notice",
            )
        if pledge.notice_hash and pledge.signed_at < notice.issued_at:
            raise RuleViolationError(
                "GZ-RL-211",
                "承诺书签署时间早于告知时间 (R-001)",
                message_en="pledge signed before the notice",
            )
        received = self.now()
        skew = timedelta(seconds=self.rules.pledge_clock_skew_seconds)
        if pledge.signed_at > received + skew:
            raise RuleViolationError(
                "GZ-RL-208",
                f"承诺书签署时间 {pledge.signed_at.isoformat()} 晚于机关收到时间 "
                f"{received.isoformat()} (允许时钟偏差 {skew.total_seconds():.0f} 秒, R-001)",
                message_en=f"the pledge is dated {pledge.signed_at.isoformat()}, after its "
                f"receipt at {received.isoformat()} (clock skew allowed: "
                f"{skew.total_seconds():.0f} s, R-001)",
                details={
                    "signed_at": pledge.signed_at.isoformat(),
                    "received_at": received.isoformat(),
                    "clock_skew_seconds": int(skew.total_seconds()),
                },
            )
        if (
            (pledge.pledgor.id_type, pledge.pledgor.id_number)
            != (case.applicant.id_type, case.applicant.id_number)
            or pledge.organ_uscc != case.organ_uscc
            or pledge.matter_code != case.matter_code
        ):
            raise RuleViolationError(
                "GZ-RL-212",
                "承诺人、受理机关或事项与办件不一致",
                message_en="pledgor, organ or matter differs from the case",
            )
        expected = {e.entry_id: e for e in self._pledged_entries(case)}
        got = {i.entry_id: i for i in pledge.items}
        if set(got) != set(expected) or len(got) != len(pledge.items):
            raise RuleViolationError(
                "GZ-RL-213",
                "承诺事项与申请人选择承诺的证明不一致 (R-021)",
                message_en="pledged items differ from the chosen proofs",
            )
        for eid, item in got.items():
            e = expected[eid]
            if (
                item.entry_version != e.version
                or item.proof_content != e.proof_content
                or item.clauses != self._template_for(e).pledge_clauses
            ):
                raise RuleViolationError(
                    "GZ-RL-214",
                    f"承诺条款与格式文本不一致 (不得修改): {eid}",
                    message_en="pledge clauses must equal the template's",
                )
        on = pledge.signed_at.date()
        if actor.role is ActorRole.PROXY:
            if pledge.proxy is None or pledge.proxy.party.id_number != actor.actor_id:
                raise RuleViolationError(
                    "GZ-RL-215",
                    "代为承诺人与承诺书所载代为承诺人不一致 (R-024)",
                    message_en="the acting proxy is not the proxy named in the pledge",
                )
            for e in expected.values():
                R.check_proxy(
                    e,
                    pledge.proxy,
                    pledge.pledgor,
                    matter_code=case.matter_code,
                    entry_ids=tuple(got),
                    on=on,
                )
        elif pledge.proxy is not None or actor.actor_id != case.applicant.id_number:
            raise RuleViolationError(
                "GZ-RL-216",
                "承诺书须由申请人本人或经特别授权的代为承诺人签署 (R-024)",
                message_en="the pledge must be made by the applicant or an authorised proxy",
            )
        for e in expected.values():
            if not self._entry_in_force(
                case.list_id, case.list_version, e.entry_id, pledge.signed_at
            ):
                raise RuleViolationError(
                    "GZ-RL-207",
                    f"承诺书签署时 ({pledge.signed_at.isoformat()}) 清单条目 {e.entry_id} "
                    f"第 {case.list_version} 版不在有效期内 (R-008)",
                    message_en=f"list entry {e.entry_id} version {case.list_version} was not "
                    f"in force when the pledge was signed ({pledge.signed_at.isoformat()}, R-008)",
                    details={
                        "entry_id": e.entry_id,
                        "list_version": case.list_version,
                        "signed_at": pledge.signed_at.isoformat(),
                    },
                )
        result = self._eligibility(
            case, self._credit_snapshot(case.applicant), signed_at=pledge.signed_at
        )
        if not result.eligible:
            raise RuleViolationError(
                "GZ-RL-217",
                "申请人不适用告知承诺制: " + "; ".join(result.reasons),
                message_en="the applicant may not use the pledge procedure: "
                + "; ".join(result.reasons_en),
                rules=result.rules,
                details={
                    "case_no": case.case_no,
                    "rules": list(result.rules),
                    "barring_record_ids": list(result.barring_record_ids),
                },
            )

    # -- acceptance, withdrawal, decision ---------------------------------------------------
    @refusals_journaled("case.accept", "case", "case_no")
    def _accept(self, case_no: str, actor: Actor) -> list[Verification]:
        """Handle the matter on the pledge (R-001) and plan its verifications (R-040…R-044)."""
        case = self._case(case_no)
        snapshot = self._snapshot_for(case)
        with self._run(actor, "case", "accept", "case", case_no, organ_uscc=case.organ_uscc) as s:
            vs: list[Verification] = []
            for e in self._pledged_entries(case):
                plan = R.plan_verification(
                    e,
                    snapshot,
                    accepted_at=s.now,
                    calendar=self.calendar,
                    config=self.rules.planning,
                )
                exempt = plan.method is VerificationMethod.EXEMPT
                v = Verification(
                    verification_id=self._new_id("VRF"),
                    case_no=case_no,
                    entry_id=e.entry_id,
                    method=plan.method,
                    planned_method=plan.planned_method,
                    phase=plan.phase,
                    status=(
                        VerificationStatus.DAILY_SUPERVISION
                        if exempt
                        else VerificationStatus.SCHEDULED
                    ),
                    due_at=plan.due_at,
                    tightened=plan.tightened,
                    plan_reasons=tuple(plan.reasons),
                    data_source=plan.data_source,
                )
                self._put_model(s, "verification", v.verification_id, v, v.status, create=True)
                s.also(
                    "verification.schedule",
                    "verification",
                    v.verification_id,
                    v.model_dump(mode="json"),
                    {"to": v.status.value, "method": v.method.value},
                )
                vs.append(v)
            idx = s.tx.get("case_index", case_no)
            s.tx.put(
                "case_index",
                case_no,
                {"verifications": [v.verification_id for v in vs]},
                state="AUX",
                expected_version=idx.version if idx else None,
            )
            new = case.model_copy(update={"status": CaseStatus.ACCEPTED})
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = {"verifications": [v.verification_id for v in vs]}
            s.emit("pledge.accepted", self._event(new))
        return vs

    @refusals_journaled("case.withdraw", "case", "case_no")
    def _withdraw(self, case_no: str, reason: str, actor: Actor) -> Case:
        """Withdraw the pledge before conclusion with a reasonable reason (R-060, R-061, R-064).

        Every proof goes back to DOCUMENT (original procedure, R-061); open verifications
        are cancelled; the entry's post-withdrawal restriction is recorded (R-064). A
        withdrawal is a right, not a default: no credit record.
        """
        case = self._case(case_no)
        self._check_actor_is_party(case, actor)
        now = self.now()
        R.check_withdrawal(
            status=case.status, concluded_at=case.concluded_at, now=now, reason=reason
        )
        entries = {e.entry_id: e for e in self._pledged_entries(case)}
        for e in entries.values():  # item-specific windows, e.g. exam registration
            policy = self.rules.withdrawal.policy_for(e)
            if policy is not None:
                R.check_withdrawal(
                    status=case.status,
                    concluded_at=case.concluded_at,
                    now=now,
                    reason=reason,
                    policy=policy,
                )
        restriction = next(
            (
                e.post_withdrawal_rule.value
                for e in entries.values()
                if e.post_withdrawal_rule.value != "NONE"
            ),
            "NONE",
        )
        with self._run(actor, "case", "withdraw", "case", case_no, organ_uscc=None) as s:
            cancelled = self._cancel_open(s, case_no, "申请人撤回承诺")
            w = Withdrawal(withdrawn_at=s.now, reason=reason.strip(), restriction=restriction)
            new = case.model_copy(
                update={
                    "status": CaseStatus.WITHDRAWN,
                    "withdrawal": w,
                    "choices": tuple(
                        ProofChoice(
                            entry_id=c.entry_id,
                            mode=ProofMode.DOCUMENT,
                            reason="撤回承诺, 按原程序提交证明",
                        )
                        for c in case.choices
                    ),
                }
            )
            self._put_model(s, "case", case_no, new, s.target)
            self._note_withdrawal(s.tx, case, s.now.date())
            s.payload = w.model_dump(mode="json")
            s.detail.update(cancelled=cancelled, restriction=restriction)
            s.emit("pledge.withdrawn", self._event(new))
        return new

    @staticmethod
    def _check_own_case(case: Case, actor: Actor, proxy: Proxy | None = None) -> None:
        """An applicant acts only on its own case; a proxy only as the proxy it names for
        this case's applicant (GZ-AU-011). Officials are checked by the role policy."""
        if actor.role is ActorRole.APPLICANT and actor.actor_id == case.applicant.id_number:
            return
        if actor.role is ActorRole.PROXY and (
            proxy is None or proxy.party.id_number == actor.actor_id
        ):
            return
        if actor.role not in (ActorRole.APPLICANT, ActorRole.PROXY):
            return
        raise PermissionDeniedError(
            "GZ-AU-011",
            "申请人只能办理本人的办件, 代为承诺人只能以其本人身份代为承诺",
            message_en="an applicant may act only on its own case, a proxy only as itself",
            details={"role": actor.role.value},
        )

    def _check_proxy_authority(
        self, case: Case, actor: Actor, proxy: Proxy | None, on: date
    ) -> None:
        """A proxy acting before the pledge names it: its own special authorisation from
        this case's applicant, for the matter and every told proof, valid ``on`` (R-024)."""
        if proxy is None or proxy.party.id_number != actor.actor_id:
            raise PermissionDeniedError(
                "GZ-AU-011",
                "代为承诺人须出示申请人对本办件的特别授权 (R-024)",
                message_en="a proxy must present the applicant's special authorisation (R-024)",
                details={"role": actor.role.value},
            )
        # The signed grant first: until the applicant's signature shows the proxy is
        # entitled, answers name no one (the content check's reasons name the applicant).
        self._check_signed_grant(case, proxy, self.now())
        self._check_proxy(case, proxy, on=on)

    def _check_proxy_first(
        self, case: Case, actor: Actor, proxy: Proxy | None, *, journal_as: str | None = None
    ) -> None:
        """R-024: an actor in the PROXY role shows its authority — the applicant's signed
        special authorisation, as :meth:`_record_choices` requires — before any check that
        depends on the case's state or configuration, so a proxy without it learns nothing
        of the case (GZ-AU-011 naming no one). Other roles pass. ``journal_as``: the action
        a refusal is journaled as (callers without a ``refusals_journaled`` guard)."""
        if actor.role is not ActorRole.PROXY:
            return
        try:
            self._check_proxy_authority(case, actor, proxy, self._today(self.now()))
        except GaozhiError as err:
            if journal_as is not None:
                self._journal_refusal(actor, journal_as, "case", case.case_no, err)
                err.journaled = True  # type: ignore[attr-defined]
            raise

    def _check_signed_grant(self, case: Case, proxy: Proxy, now: datetime) -> None:
        """R-024: a proxy's authority is the special authorisation the applicant *signed*
        (``proxy-authorization``), never the proxy's own word — before it chooses for the
        applicant as before it signs. The carried grant must validate under the service's
        anchors and signer policy (signed by this case's applicant) and bind this case, its
        notice and matter, this proxy, every told proof and today (GZ-AU-011 otherwise)."""
        view = _ActingOn(
            pledgor=case.applicant,
            case_no=case.case_no,
            notice_id=case.notice_id,
            matter_code=case.matter_code,
            items=tuple(_Told(e) for e in case.entry_ids),
            signed_at=now,
        )
        ctx = SignerContext(
            identifier_digest=None, trust=self.sealer.trust, at=now, policy=self.sealer.policy
        )
        number = proxy.authorization.authorization_id
        revoked = (number,) if self._grant_revoked(case.case_no, number) else ()
        problem = grant_problem(view, proxy, ctx, name_pledgor=False, revoked=revoked)
        if problem is not None:
            _, zh, en = problem
            raise PermissionDeniedError(
                "GZ-AU-011",
                f"代为承诺人须出示申请人签署的特别授权书 (R-024): {zh}",
                message_en=f"a proxy must present the applicant's signed special "
                f"authorisation (R-024): {en}",
                details={"role": ActorRole.PROXY.value, "signed_grant": False},
            )

    def _grant_revoked(self, case_no: str, authorization_id: str) -> bool:
        """R-024: whether the applicant revoked its signed special authorisation of this
        number for this case (``svc.cases.revoke_authorization``)."""
        rec = self.store.get(GRANT_KIND, grant_key(case_no, authorization_id))
        return rec is not None and rec.state == GRANT_REVOKED_STATE

    def _check_proxy(
        self, case: Case | str, proxy: Proxy | Mapping[str, Any], *, on: date | None = None
    ) -> Proxy:
        """Raise unless ``proxy``'s special authorisation entitles it to pledge in this case
        (R-024, R-025): granted by the case's applicant, express, for the case's matter and
        every proof of the case, valid ``on`` (default today), and every proof allows a
        proxy. The one check of an authorisation's content — the service runs it before a
        proxy acts and before the applicant signs a grant; pages run it before they open
        a case to a proxy. Returns the parsed proxy.

        Raises:
            RuleViolationError: GZ-RL-001 … GZ-RL-006 (:func:`gaozhi_sdk.rules.check_proxy`).
        """
        c = case if isinstance(case, Case) else self._case(case)
        px = self._parse(Proxy, proxy, "代为承诺人")
        day = on if on is not None else self._today(self.now())
        for entry in self._case_entries(c):
            R.check_proxy(
                entry, px, c.applicant, matter_code=c.matter_code, entry_ids=c.entry_ids, on=day
            )
        return px

    def _check_actor_is_party(self, case: Case, actor: Actor) -> None:
        if actor.role is ActorRole.APPLICANT and actor.actor_id != case.applicant.id_number:
            raise RuleViolationError(
                "GZ-RL-218",
                "只有申请人本人或其代为承诺人可以撤回承诺",
                message_en="only the applicant or its proxy may withdraw",
            )
        if actor.role is ActorRole.PROXY:
            p = self._pledge(case.pledge_id) if case.pledge_id else None
            if p is None or p.proxy is None or p.proxy.party.id_number != actor.actor_id:
                raise RuleViolationError(
                    "GZ-RL-218",
                    "只有申请人本人或其代为承诺人可以撤回承诺",
                    message_en="only the applicant or its proxy may withdraw",
                )

    def _cancel_open(self, step: Step, case_no: str, why: str) -> list[str]:
        """Cancel the case's open verifications inside ``step``, journaling each."""
        tx = step.tx
        out: list[str] = []
        idx = tx.get("case_index", case_no)
        for vid in idx.doc.get("verifications", []) if idx else []:
            rec = tx.get("verification", vid)
            if rec is None or rec.state not in _OPEN_VERIFICATION:
                continue
            tx.put(
                "verification",
                vid,
                {**rec.doc, "status": VerificationStatus.CANCELLED},
                state=VerificationStatus.CANCELLED,
                expected_version=rec.version,
            )
            step.also(
                "verification.cancel",
                "verification",
                vid,
                {"reason": why},
                {"from": rec.state, "to": VerificationStatus.CANCELLED.value},
            )
            out.append(vid)
        return out

    @refusals_journaled("case.decide", "case", "case_no")
    def _decide(self, case_no: str, decision: Decision | Mapping[str, Any], actor: Actor) -> Case:
        """Make the administrative decision (办结).

        Guard: in-process (事中) verifications must have concluded TRUE; a FALSE one
        must be disposed of (终止办理, R-051) instead.
        """
        case = self._case(case_no)
        d = self._parse(Decision, decision, "行政决定")
        for v in self._verifications_of(case_no):
            if v.phase is VerificationPhase.IN_PROCESS and (
                v.status is not VerificationStatus.CONCLUDED
                or v.result is not VerificationResult.TRUE
            ):
                raise RuleViolationError(
                    "GZ-RL-220",
                    f"事中核查 {v.verification_id} 尚未核实属实, 不能作出决定 (R-040)",
                    message_en="in-process verification must conclude TRUE before deciding",
                )
        snapshot = self._snapshot_for(case)
        with self._run(actor, "case", "decide", "case", case_no, organ_uscc=case.organ_uscc) as s:
            for v in self._verifications_of(case_no):
                if v.due_at is not None or v.status is not VerificationStatus.SCHEDULED:
                    continue
                plan = R.plan_verification(
                    self._entry_at(case, v.entry_id),
                    snapshot,
                    accepted_at=d.decided_at,
                    decided_at=d.decided_at,
                    calendar=self.calendar,
                    config=self.rules.planning,
                )
                self._put_model(
                    s,
                    "verification",
                    v.verification_id,
                    v.model_copy(update={"due_at": plan.due_at}),
                    v.status,
                )
            new = case.model_copy(
                update={"status": CaseStatus.DECIDED, "decision": d, "concluded_at": d.decided_at}
            )
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = d.model_dump(mode="json")
            s.emit("case.decided", self._event(new))
        return new

    @refusals_journaled("case.close_true", "case", "case_no")
    def _close_case(self, case_no: str, actor: Actor) -> Case:
        """Archive a decided case whose verifications all ended without a false finding.

        Requires every verification CONCLUDED with TRUE, or NO_ADVERSE_FINDING for exempt
        items after the supervision horizon — never by mere timeout of a real check.
        """
        case = self._case(case_no)
        for v in self._verifications_of(case_no):
            if v.status is VerificationStatus.CANCELLED:
                continue
            if v.status is not VerificationStatus.CONCLUDED or v.result not in (
                VerificationResult.TRUE,
                VerificationResult.NO_ADVERSE_FINDING,
            ):
                raise RuleViolationError(
                    "GZ-RL-221",
                    f"核查 {v.verification_id} 尚未完成或结果不是属实, 不能归档",
                    message_en="all verifications must have concluded TRUE",
                )
        with self._run(
            actor, "case", "close_true", "case", case_no, organ_uscc=case.organ_uscc
        ) as s:
            new = case.model_copy(update={"status": CaseStatus.CLOSED_TRUE})
            self._put_model(s, "case", case_no, new, s.target)
            s.payload = {"case_no": case_no}
            s.emit("case.concluded", self._event(new))
        return new

    def _cases(self, *, status: CaseStatus | None = None) -> list[Case]:
        """Cases, optionally in one state."""
        return [
            Case.model_validate(r.doc)
            for r in self.store.list("case", state=status.value if status else None)
        ]

    def _entry_at(self, case: Case, entry_id: str) -> CommitmentListEntry:
        """One entry at the case's list version."""
        return self._entry(case.list_id, case.list_version, entry_id)[0]

    def _entry_key(self, case: Case, entry_id: str) -> str:
        return entry_key(case.list_id, case.list_version, entry_id)

    @staticmethod
    def _today(now: datetime) -> date:
        return now.date()


class _Told(NamedTuple):
    """A told proof, as :func:`~gaozhi_sdk.esign.proxy_grant.grant_problem` reads a pledged one."""

    entry_id: str


class _ActingOn(NamedTuple):
    """What a proxy acts on before a pledge exists: the case's terms in the shape
    :func:`~gaozhi_sdk.esign.proxy_grant.grant_problem` reads of a pledge (R-024)."""

    pledgor: Applicant
    case_no: str
    notice_id: str | None
    matter_code: str
    items: tuple[_Told, ...]
    signed_at: datetime
