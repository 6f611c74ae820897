"""PledgeService — the lifecycle façade a vendor embeds (DESIGN §3), by area.

.. code-block:: python

    svc = PledgeService.open("sqlite:///gaozhi.db", signers={organ_uscc: seal}, trust=trust)
    svc.lists.draft(clist, officer); svc.lists.submit(...); svc.lists.publish(...)
    notice = svc.cases.issue_notice(list_id=..., entry_ids=[...], applicant=..., actor=clerk)
    svc.cases.record_choices(case_no, [...], applicant_actor)
    svc.cases.check_eligibility(case_no, clerk)
    pledge = svc.cases.draft_pledge(case_no)      # shown to the applicant, who signs it
    svc.cases.submit_pledge(esign.sign(pledge, applicant_signer), applicant_actor)
    svc.cases.accept(case_no, clerk)              # verifications are planned here

Remote (three-step) signing: ``svc.cases.pledge_data_to_sign`` → sign elsewhere →
``svc.cases.assemble_pledge``.

Every method that changes state is one transaction with its journal entry and outbox
events; refused attempts are journaled too. The flat methods of earlier releases
(``svc.accept(...)``) are deprecation shims listed in :data:`MOVED`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from gaozhi_sdk._deprecation import install_moved, moved
from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.archive import JournalCheckpoint
from gaozhi_sdk.authentication import EventCertificateAuthority, IdentityProvider
from gaozhi_sdk.canonical import digest_json
from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.esign import DEFAULT_POLICY, Signer, SignerPolicy, TrustStore
from gaozhi_sdk.esign.timestamps import TimestampAuthority
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.models.statistics import Statistics
from gaozhi_sdk.providers import CreditSource, OnlineVerifier
from gaozhi_sdk.rules import RulesConfig, WorkingDayCalendar, default_calendar
from gaozhi_sdk.rules.statistics import render_markdown, statistics_from_counts
from gaozhi_sdk.service._signing import Sealer
from gaozhi_sdk.service.areas import (
    Cases,
    Complaints,
    Credit,
    Disclosure,
    Journal,
    Lists,
    Signing,
    Verifications,
)
from gaozhi_sdk.service.complaints import ComplaintsMixin
from gaozhi_sdk.service.disclosure import DisclosureMixin
from gaozhi_sdk.service.remote_signing import DataToSign
from gaozhi_sdk.service.signing_methods import AuthenticationSession, SigningMixin
from gaozhi_sdk.store import StatisticsQuery, open_store, period_bounds
from gaozhi_sdk.store.base import Store
from gaozhi_sdk.workflow.roles import RolePolicy

if TYPE_CHECKING:
    from gaozhi_sdk.events import DeliveryReport
    from gaozhi_sdk.plugins import PluginHost

__all__ = [
    "MOVED",
    "MOVED_IN_AREAS",
    "AuthenticationSession",
    "Cases",
    "Complaints",
    "Credit",
    "DataToSign",
    "Disclosure",
    "Journal",
    "Lists",
    "PledgeService",
    "Signing",
    "Statistics",
    "Verifications",
    "render_markdown",
]


class PledgeService(SigningMixin, ComplaintsMixin, DisclosureMixin):
    """The 证明事项告知承诺制 lifecycle over a store, by area.

    The service is the kernel (store, clock, seals, rules, role policy) and exposes one
    service per area — :attr:`lists`, :attr:`cases`, :attr:`verifications`,
    :attr:`credit`, :attr:`disclosure`, :attr:`complaints` and the read-only
    :attr:`journal` — each with its transitions and typed accessors
    (``svc.cases.accept(case_no, clerk)``, ``svc.cases.get(case_no)``,
    ``svc.verifications.list(status=...)``). The service itself keeps only what spans
    the areas (:meth:`statistics`, :meth:`sweep`, :meth:`checkpoint_journal`,
    :meth:`deliver_events`) or concerns the whole deployment (:meth:`open`, :meth:`now`,
    :meth:`rotate_deployment_secret`, the identifier digests); the flat methods of
    earlier releases (``svc.accept(...)``) are deprecation shims (:data:`MOVED`).
    """

    #: The plugin host given to :meth:`open` (None without plugins).
    plugin_host: PluginHost | None = None

    @cached_property
    def lists(self) -> Lists:
        """The lists area (清单) — draft, submit, publish, entries and templates."""
        return Lists(self)

    @cached_property
    def cases(self) -> Cases:
        """The cases area (办件) — notice, choices, eligibility, pledge, acceptance, decision."""
        return Cases(self)

    @cached_property
    def verifications(self) -> Verifications:
        """The verifications area (核查) — online, on site, assistance, draws, supervision."""
        return Verifications(self)

    @cached_property
    def credit(self) -> Credit:
        """The credit area (处置与信用) — dispositions, credit records, repair, objections."""
        return Credit(self)

    @cached_property
    def disclosure(self) -> Disclosure:
        """The disclosure area (承诺书公开)."""
        return Disclosure(self)

    @cached_property
    def complaints(self) -> Complaints:
        """The complaints area (投诉举报)."""
        return Complaints(self)

    @cached_property
    def signing(self) -> Signing:
        """The signing area (申请人签署方式) — real-name authentication, event
        certificates, three-step signing, platform attestation and window handwriting
        (DESIGN §4a)."""
        return Signing(self)

    @cached_property
    def journal(self) -> Journal:
        """The journal (台账), read only — entries, head and chain verification."""
        return Journal(self)

    @classmethod
    def open(
        cls,
        url: str | Store,
        *,
        signers: Mapping[str, Signer] | None = None,
        trust: TrustStore | None = None,
        rules: RulesConfig | None = None,
        calendar: WorkingDayCalendar | None = None,
        role_policy: RolePolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        id_factory: Callable[[str], str] | None = None,
        online_verifier: OnlineVerifier | None = None,
        credit_source: CreditSource | None = None,
        host: PluginHost | None = None,
        tsa: TimestampAuthority | None = None,
        signer_policy: SignerPolicy | None = None,
        identity_provider: IdentityProvider | None = None,
        event_ca: EventCertificateAuthority | None = None,
    ) -> PledgeService:
        """Open a service over ``sqlite:///path.db`` or ``sqlite://`` (memory) or a Store.

        Args:
            signers: organ USCC → seal signer used for the documents that organ issues.
            trust: trust roots and pinned keys every incoming and outgoing bundle must
                validate against.
            rules: rule configuration (defaults:
                :meth:`RulesConfig.default() <gaozhi_sdk.rules.config.RulesConfig.default>`).
            calendar: working-day calendar (default: the packaged PRC calendar, R-102).
            host: a :class:`~gaozhi_sdk.PluginHost`. Without an explicit provider, online
                verification and credit snapshots delegate to ``gaozhi_verify_proof`` /
                ``gaozhi_credit_snapshot``; signers from ``gaozhi_register_signers`` are
                added (explicit ``signers`` win); a URL whose scheme a plugin registered
                through ``gaozhi_register_stores`` opens that store; lifecycle events are
                delivered with :meth:`deliver_events`; a ``tsa`` provider registered through
                ``gaozhi_register_providers`` is used when no ``tsa`` is given.
            tsa: an RFC 3161 time-stamping authority (DESIGN §4): every document the
                organ seals is time-stamped, and so is every pledge that arrives without
                a timestamp — the token is the proof of when the signature existed.
            signer_policy: who may sign which document
                (:class:`~gaozhi_sdk.esign.SignerPolicy`; default the strict
                :data:`~gaozhi_sdk.esign.DEFAULT_POLICY`). The service adds its own salted
                identifier digest, so certificates carrying only that digest match, and
                with a ``host`` the plugins' ``gaozhi_certificate_identities`` readers.
            identity_provider: the real-name identity provider for applicants without a
                certificate (DESIGN §4a); default the ``gaozhi_identity_provider`` hook's.
            event_ca: the event-certificate CA; default the
                ``gaozhi_event_certificate_authority`` hook's.
        """
        if host is not None:
            if tsa is None and host.providers("tsa"):
                tsa = host.provider("tsa")
            store = host.open_store(url) if isinstance(url, str) else url
            signers = {**host.signers(), **(signers or {})}
            online_verifier = online_verifier or host.online_verifier()
            credit_source = credit_source or host.credit_source()
        else:
            store = open_store(url) if isinstance(url, str) else url
        policy = signer_policy or DEFAULT_POLICY
        if host is not None and policy.identity_hook is None:
            policy = policy.with_options(identity_hook=host.certificate_identities)
        svc = cls(
            store,
            sealer=Sealer(signers or {}, trust or TrustStore(), tsa=tsa, policy=policy),
            rules=rules or RulesConfig.default(),
            calendar=calendar or default_calendar(),
            role_policy=role_policy,
            clock=clock,
            id_factory=id_factory,
            online_verifier=online_verifier,
            credit_source=credit_source,
        )
        svc.plugin_host = host
        if host is not None:
            identity_provider = identity_provider or host.identity_provider()
            event_ca = event_ca or host.event_certificate_authority()
        svc.identity_provider = identity_provider
        svc.event_ca = event_ca
        if svc.sealer.policy.identifier_digest is None:
            svc.sealer.policy = svc.sealer.policy.with_options(
                identifier_digest=lambda v: [
                    d.partition(":")[2] for d in svc.subject_digests(v)
                ]  # the keyed digests' hex under every deployment key
            )
        return svc

    def deliver_events(self, *, max_attempts: int = 8, limit: int = 100) -> DeliveryReport:
        """Deliver committed outbox events to the plugins' ``gaozhi_event`` hooks (at least
        once, isolated per plugin, dead-lettered after ``max_attempts``); see
        :func:`gaozhi_sdk.events.deliver_pending`. Without a host, a default host (entry
        points) is created once."""
        from gaozhi_sdk.events import deliver_pending
        from gaozhi_sdk.plugins import PluginHost

        if self.plugin_host is None:
            self.plugin_host = PluginHost()
        return deliver_pending(self.store, self.plugin_host, max_attempts=max_attempts, limit=limit)

    def statistics(
        self,
        *,
        period_from: date | datetime | None = None,
        period_to: date | datetime | None = None,
        organ_uscc: str | None = None,
    ) -> Statistics:
        """Statistics for the justice bureau (seed §四(五), R-079), by SQL aggregation.

        The report covers the cases **accepted** (告知/受理, ``created_at``) in the period —
        a :class:`~datetime.date` is a whole day in China Standard Time, both ends
        included; a :class:`~datetime.datetime` bounds ``[period_from, period_to)`` —
        optionally of one organ, with everything that has happened to them since (their
        verifications, dispositions, credit records, penalties refused for limitation),
        and the complaints received in the period (about that organ's cases when
        ``organ_uscc`` is given). Without arguments: every case.

        The counts are grouped by the database (:meth:`Store.statistics_counts`), never by
        loading the cases into Python; :func:`gaozhi_sdk.rules.compute_statistics` is the
        same report from models.
        """
        lo, hi = period_bounds(period_from, period_to)
        c = self.store.statistics_counts(StatisticsQuery(lo, hi, organ_uscc))
        return statistics_from_counts(
            entries=c.entries,
            statuses=c.statuses,
            verifications=c.verifications,
            dispositions=c.dispositions,
            credit=c.credit,
            complaints=c.complaints,
            limitation_refusals=c.limitation_refusals,
            generated_at=self.now().isoformat(),
            period_from=None if period_from is None else period_from.isoformat(),
            period_to=None if period_to is None else period_to.isoformat(),
            organ_uscc=organ_uscc,
            signing_methods=c.signing_methods,
        )

    def checkpoint_journal(self, organ_uscc: str, actor: Actor) -> JournalCheckpoint:
        """Seal the current journal head with the organ's seal (DESIGN §6).

        The checkpoint bundle is stored and bound by the ``journal.checkpoint`` entry that
        follows it, so an auditor can prove the journal up to ``seq`` was not rewritten.
        """
        head = self.store.journal_head()
        if head is None:
            raise RuleViolationError(
                "GZ-RL-260", "台账为空, 无需检查点", message_en="empty journal"
            )
        now = self.now()
        cp = JournalCheckpoint(
            seq=head.seq, hash=head.hash, at=now.isoformat(), organ_uscc=organ_uscc
        )
        self.role_policy.check(actor, "journal.checkpoint", organ_uscc)
        with self.store.transaction() as tx:
            detail = self.sealer.seal(
                tx, cp, organ_uscc, f"journal-checkpoint/{head.seq:012d}", now
            )
            tx.append_journal(
                event="journal.checkpoint",
                aggregate_type="journal",
                aggregate_id=str(head.seq),
                actor=self.actor_ref(actor),
                payload_digest=digest_json(cp),
                detail={**detail, "to": "SEALED"},
                at=now.isoformat(),
            )
        return cp

    def close(self) -> None:
        """Close the underlying store."""
        self.store.close()

    def __enter__(self) -> PledgeService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Flat ``PledgeService`` methods that moved to the area services in 0.2 (issue 11):
#: old name → its home under ``svc``. Each keeps a shim for one release that warns
#: (:class:`~gaozhi_sdk.errors.GaozhiDeprecationWarning`) and calls the new home.
MOVED: dict[str, str] = {
    # 清单
    "draft_list": "lists.draft",
    "submit_list": "lists.submit",
    "publish_list": "lists.publish",
    "reject_list": "lists.reject",
    "retire_entry": "lists.retire_entry",
    "register_template": "lists.register_template",
    "template_for": "lists.template_for",
    "published_list": "lists.published",
    "commitment_list": "lists.get",
    "entry": "lists.entry",
    "entry_in_force": "lists.entry_in_force",
    # 办件
    "issue_notice": "cases.issue_notice",
    "record_choices": "cases.record_choices",
    "check_eligibility": "cases.check_eligibility",
    "draft_pledge": "cases.draft_pledge",
    "submit_pledge": "cases.submit_pledge",
    "pledge_data_to_sign": "cases.pledge_data_to_sign",
    "assemble_pledge": "cases.assemble_pledge",
    "accept": "cases.accept",
    "withdraw": "cases.withdraw",
    "decide": "cases.decide",
    "close_case": "cases.close",
    "case": "cases.get",
    "notice": "cases.notice",
    "pledge": "cases.pledge",
    "case_entries": "cases.entries",
    "entry_at": "cases.entry_at",
    "prior_withdrawals": "cases.prior_withdrawals",
    # 核查
    "run_online_verification": "verifications.run_online",
    "replan": "verifications.replan",
    "dispatch_on_site": "verifications.dispatch_on_site",
    "record_on_site": "verifications.record_on_site",
    "request_assistance": "verifications.request_assistance",
    "reply_assistance": "verifications.reply_assistance",
    "draw_inspections": "verifications.draw_inspections",
    "record_supervision": "verifications.record_supervision",
    "verification": "verifications.get",
    # 处置与信用
    "dispose": "credit.dispose",
    "confirm_rectified": "credit.confirm_rectified",
    "revoke_after_rectification": "credit.revoke_after_rectification",
    "publicize": "credit.publicize",
    "apply_repair": "credit.apply_repair",
    "decide_repair": "credit.decide_repair",
    "object_to_record": "credit.object_to_record",
    "resolve_objection": "credit.resolve_objection",
    "expire_credit_records": "credit.expire",
    "credit_record": "credit.get",
    "credit_records": "credit.list",
    "credit_records_of": "credit.records_of",
    "credit_snapshot": "credit.snapshot",
    "dispositions": "credit.dispositions",
    # 投诉举报
    "receive_complaint": "complaints.receive",
    "assign_complaint": "complaints.assign",
    "handle_complaint": "complaints.handle",
    "give_complaint_feedback": "complaints.give_feedback",
    # 承诺书公开
    "disclosures": "disclosure.list",
    "publish_disclosure": "disclosure.publish",
    "mark_confidential": "disclosure.mark_confidential",
    "override_confidentiality": "disclosure.override_confidentiality",
    "confidential_marks": "disclosure.confidential_marks",
    "record_impact_assessment": "disclosure.record_impact_assessment",
    "impact_assessments": "disclosure.impact_assessments",
    "impact_assessment_for": "disclosure.impact_assessment_for",
}
install_moved(PledgeService, MOVED)

#: Area methods with a second name in 0.2 that keep it for one release (issue 11): one
#: spelling of remote (three-step) signing, ``svc.cases.pledge_data_to_sign`` →
#: ``svc.cases.assemble_pledge``. ``"<area>.<old name>"`` → its home under ``svc``; the
#: shims warn (:class:`~gaozhi_sdk.errors.GaozhiDeprecationWarning`) like :data:`MOVED`'s.
MOVED_IN_AREAS: dict[str, str] = {
    "signing.data_to_sign": "cases.pledge_data_to_sign",
    "signing.assemble": "cases.assemble_pledge",
}


def _install_area_shims(areas: Mapping[str, type]) -> None:
    """One deprecation shim (the same as :data:`MOVED`'s) per :data:`MOVED_IN_AREAS` entry."""
    for old, new in MOVED_IN_AREAS.items():
        area, _, name = old.partition(".")
        setattr(
            areas[area],
            name,
            moved(name, f"_kernel.{new}", owner=f"svc.{area}", use=f"svc.{new}(...)"),
        )


_install_area_shims({"signing": Signing})

_rehome(__name__, __all__, globals())
