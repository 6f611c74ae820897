"""特别授权书 signed by the applicant in three steps (R-024, DESIGN §4 and §4a).

A proxy's pledge is believed only with the special authorisation the applicant (the
grantor) signed (``proxy-authorization``, :mod:`gaozhi_sdk.esign.proxy_grant`). An
applicant without a certificate of their own signs it as they sign a pledge: real-name
authentication, an event certificate for a key on their device, then::

    dts = svc.cases.authorization_data_to_sign(case_no, proxy, chain, applicant,
                                                 signing_method=SigningMethod.EVENT_CERTIFICATE)
    #   device: sign dts.pae_bytes
    proxy = svc.cases.assemble_authorization(case_no, dts.session_id, sig, applicant,
                                               signature_format="raw")

The signed grant is checked like any bundle (trust, the grantor rule of the signer policy),
time-stamped by the organ's TSA (an event certificate lives minutes; the token proves the
grant was signed while it was valid), stored with the case and journaled
(``case.proxy_authorized``). The proxy then presents it:
``svc.cases.signed_authorization(case_no, authorization_id)`` returns the
:class:`~gaozhi_sdk.models.Proxy` carrying it, to pass as ``proxy=`` when it signs.

Until the proxy has pledged with it, the applicant may revoke it
(``svc.cases.revoke_authorization(case_no, authorization_id, applicant)``, journaled
``case.proxy_authorization_revoked``); from then on the proxy's choices, authentication,
data to sign and pledge under it are refused (GZ-AU-011, the reason GZ-AU-012), and its
number cannot be signed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from gaozhi_sdk.canonical import digest_json
from gaozhi_sdk.errors import (
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    SignatureError,
    WorkflowError,
)
from gaozhi_sdk.esign.report import (
    Check,
    CheckStatus,
    Indication,
    SubIndication,
    VerificationReport,
)
from gaozhi_sdk.esign.validate import payload_model, validate
from gaozhi_sdk.ids import normalise_identifier
from gaozhi_sdk.models.documents import Pledge
from gaozhi_sdk.models.enums import ActorRole, CaseStatus
from gaozhi_sdk.models.parties import Actor, AuthorizationGrant, Proxy
from gaozhi_sdk.models.signing import SigningMethod
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.cases import GRANT_KIND, GRANT_REVOKED_STATE, grant_key
from gaozhi_sdk.service.remote_signing import (
    SESSION_KIND,
    DataToSign,
    RemoteSigningMixin,
    SignatureFormat,
    _session_bundle,
)

__all__ = ["GRANT_KIND", "ProxyGrantMixin"]


class ProxyGrantMixin(RemoteSigningMixin):
    """The applicant signs a proxy's special authorisation (R-024) by three-step signing."""

    def _check_grantor(self, case_no: str, actor: Actor) -> Any:
        case = self._case(case_no)
        self.role_policy.check(actor, "case.sign_pledge", None)
        if actor.role is not ActorRole.APPLICANT or actor.actor_id != case.applicant.id_number:
            raise PermissionDeniedError(
                "GZ-AU-011",
                "只有申请人本人可以签署特别授权书 (R-024)",
                message_en="only the applicant may sign a special authorisation (R-024)",
                details={"role": actor.role.value},
            )
        return case

    @refusals_journaled("case.sign_authorization", "case", "case_no")
    def _authorization_data_to_sign(
        self,
        case_no: str,
        proxy: Proxy | Mapping[str, Any],
        certificate_chain: Sequence[bytes | str],
        actor: Actor,
        *,
        sm2_signer_id: str | None = None,
        signing_method: SigningMethod = SigningMethod.CERTIFICATE,
    ) -> DataToSign:
        """Step 1 for the applicant's special authorisation of ``proxy`` (R-024): the
        exact bytes of the :class:`~gaozhi_sdk.models.AuthorizationGrant`
        (``svc.cases.authorization_to_sign``) to sign.

        Args:
            proxy: the proxy and the authorisation's terms (number, proofs, validity,
                express authority); checked by ``svc.cases.check_proxy`` first.
            certificate_chain: the applicant's chain, leaf first — their own certificate
                (``CERTIFICATE``) or an event certificate (``EVENT_CERTIFICATE``).
            actor: the case's applicant (no one else grants: GZ-AU-011).

        Refusals are journaled as ``case.sign_authorization``.

        Raises:
            PermissionDeniedError: GZ-AU-011 the actor is not the case's applicant.
            WorkflowError: GZ-WF-002 the case is no longer NOTICE_ISSUED.
            RuleViolationError: GZ-RL-001 … GZ-RL-006 the terms do not entitle the proxy;
                GZ-RL-007 the applicant names themselves as proxy.
            SignatureError: as ``svc.cases.pledge_data_to_sign`` (GZ-SG-050 the certificate is
                not the applicant's; GZ-SG-086 an event certificate without the organ's TSA;
                GZ-SG-089 the authentication behind the event certificate is too old).
        """
        case = self._check_grantor(case_no, actor)
        if case.status is not CaseStatus.NOTICE_ISSUED:  # as the grant page
            raise WorkflowError(
                "GZ-WF-002",
                f"办件状态为 {case.status.value}, 已不在待承诺状态, 不能再授权代为承诺",
                message_en="the case no longer awaits a pledge; no proxy can be authorised",
            )
        px = self._check_proxy(case, proxy)
        if normalise_identifier(px.party.id_number) == normalise_identifier(
            case.applicant.id_number
        ):
            raise RuleViolationError(
                "GZ-RL-007",
                "申请人不能授权本人为代为承诺人; 请本人签署承诺书 (R-024)",
                message_en="the applicant cannot name themselves as proxy; sign the pledge "
                "yourself (R-024)",
            )
        self._check_number_not_revoked(case.case_no, px.authorization.authorization_id)
        chain = self._signer_chain(certificate_chain, sm2_signer_id, signing_method)
        if signing_method is SigningMethod.EVENT_CERTIFICATE:
            self._need_tsa_for_event_certificates()
            # R-024 with R-035: the grant, like a pledge, only on a fresh authentication
            self._check_authenticated_at(
                self._event_certificate_authenticated_at(chain.ders[:1]), self.now()
            )
        grant = self._authorization_to_sign(case.case_no, px)
        return self._open_signing_session(
            case.case_no,
            grant,
            chain,
            actor,
            signing_method,
            {"authorization_id": grant.authorization_id},
            {"proxy": px.model_dump(mode="json")},
        )

    @refusals_journaled("case.sign_authorization", "case", "case_no")
    def _assemble_authorization(
        self,
        case_no: str,
        session_id: str,
        signature: bytes,
        actor: Actor,
        *,
        signature_format: SignatureFormat = "der",
    ) -> Proxy:
        """Step 3: the signed special authorisation, checked (trust, grantor), time-stamped
        by the organ's TSA, stored with the case and journaled; returns the proxy carrying
        it (:meth:`Proxy.with_signed_grant <gaozhi_sdk.models.Proxy.with_signed_grant>`).

        Raises:
            WorkflowError: GZ-WF-020 unknown/used/expired session or another case's.
            SignatureError: GZ-SG-072 malformed; GZ-SG-020 it does not verify over the
                stored bytes, or its event certificate lives longer than the signer policy's
                ``event_certificate_max_validity_s`` (600 s); GZ-SG-050 not signed by the
                grantor.
        """
        case = self._check_grantor(case_no, actor)
        rec = self._signing_session(case.case_no, session_id, AuthorizationGrant)
        if rec.doc["actor"] != self.actor_ref(actor):
            raise PermissionDeniedError(
                "GZ-AU-011", "签署会话属于另一操作人", message_en="another actor's session"
            )
        now = self.now()
        bundle = _session_bundle(rec.doc, signature, signature_format)
        # the one validation of any bundle: trust, grantor, and for an event certificate
        # its short life (event_certificate_max_validity_s) at the time-stamped time
        self.sealer.check(bundle, now)
        bundle, _ = self.sealer.stamp_incoming(bundle, now)
        grant = payload_model(bundle)
        if not isinstance(grant, AuthorizationGrant):  # pragma: no cover - session typed
            raise SignatureError("GZ-SG-021", "不是特别授权书", message_en="not a grant")
        text = bundle.to_json().decode("utf-8")
        proxy = Proxy.model_validate(rec.doc["proxy"]).with_signed_grant(text)
        key = grant_key(case.case_no, grant.authorization_id)
        with self.store.transaction() as tx:
            old = tx.get(GRANT_KIND, key)
            if old is not None and old.state == GRANT_REVOKED_STATE:
                raise _number_revoked()
            tx.put(
                GRANT_KIND,
                key,
                {"case_no": case.case_no, "proxy": proxy.model_dump(mode="json")},
                state="SIGNED",
                expected_version=None if old is None else old.version,
            )
            tx.append_journal(
                event="case.proxy_authorized",
                aggregate_type="case",
                aggregate_id=case.case_no,
                actor=self.actor_ref(actor),
                payload_digest=digest_json(grant),
                detail={
                    "authorization_id": grant.authorization_id,
                    "proxy": self.subject_digest(grant.proxy.id_number),
                    "grant_sha256": hashlib.sha256(bundle.to_json()).hexdigest(),
                    "signing_method": bundle.method.value,
                },
                at=now.isoformat(),
            )
            tx.put(SESSION_KIND, session_id, rec.doc, state="USED", expected_version=rec.version)
        return proxy

    def _signed_authorization(self, case_no: str, authorization_id: str) -> Proxy | None:
        """The proxy carrying the applicant's signed special authorisation number
        ``authorization_id`` for this case (None if the applicant signed none or revoked it)."""
        rec = self.store.get(GRANT_KIND, grant_key(case_no, authorization_id))
        if rec is None or rec.state == GRANT_REVOKED_STATE:
            return None
        return Proxy.model_validate(rec.doc["proxy"])

    @refusals_journaled("case.revoke_authorization", "case", "case_no")
    def _revoke_authorization(
        self, case_no: str, authorization_id: str, actor: Actor, *, signed_elsewhere: bool = False
    ) -> None:
        """The applicant revokes its signed special authorisation number
        ``authorization_id`` for this case (R-024) before the proxy has pledged with it.

        From then on the proxy's choices, authentication, data to sign and pledge under
        it are refused (GZ-AU-011 with the reason GZ-AU-012) and the number cannot be
        signed again. The number is revoked for the case whether the grant was signed
        here (``assemble_authorization``) or elsewhere with the applicant's own
        certificate and handed to the proxy — the latter only when the applicant says so
        (``signed_elsewhere=True``): a number no grant signed here carries is otherwise
        refused (GZ-WF-033), so a mistyped number never looks revoked while the real
        grant keeps working. Journaled (``case.proxy_authorization_revoked``, with
        ``signed_here``); refusals too.

        Args:
            actor: the case's applicant — the grantor; no one else revokes (GZ-AU-011).
            signed_elsewhere: the applicant confirms the number is of a grant they signed
                outside this service (nothing of it is stored here).

        Raises:
            PermissionDeniedError: GZ-AU-011 the actor is not the case's applicant.
            ModelValidationError: GZ-MD-002 the number is not in the one format
                (one letter or digit, then up to 63 of letters, digits, ``.``, ``_`` and ``-``).
            NotFoundError: GZ-WF-033 no grant of that number was signed here and
                ``signed_elsewhere`` is not set.
            WorkflowError: GZ-WF-031 the proxy already pledged with it (withdraw the
                pledge, R-060); GZ-WF-032 already revoked.
        """
        case = self._check_grantor(case_no, actor)
        key = grant_key(case.case_no, authorization_id)  # GZ-MD-002 outside the format
        now = self.now()
        with self.store.transaction() as tx:
            rec = tx.get(GRANT_KIND, key)
            if rec is not None and rec.state == GRANT_REVOKED_STATE:
                raise _number_revoked()
            if rec is None and not signed_elsewhere:
                # a mistyped or shortened number must not "look revoked" while the real
                # grant keeps working: say so; the applicant confirms a grant signed elsewhere
                raise NotFoundError(
                    "GZ-WF-033",
                    "本办件没有在此签署该编号的特别授权书; 如授权书在别处以本人证书签署, "
                    "请确认后再撤销 (R-024)",
                    message_en="no special authorisation of that number was signed here for "
                    "this case; confirm that it was signed elsewhere to revoke it (R-024)",
                    details={"signed_here": False},
                )
            current = tx.get("case", case.case_no)
            pledge_id = None if current is None else current.doc.get("pledge_id")
            used = self._pledge(pledge_id).proxy if pledge_id else None
            if used is not None and used.authorization.authorization_id == authorization_id:
                raise WorkflowError(
                    "GZ-WF-031",
                    "代为承诺人已凭该特别授权书签署承诺书, 不能再撤销; 可撤回承诺 (R-024, R-060)",
                    message_en="the proxy already pledged under this special authorisation; "
                    "it can no longer be revoked — withdraw the pledge instead (R-060)",
                )
            # a grant signed elsewhere has no record here: the revocation is kept alone
            doc = dict(rec.doc) if rec is not None else {"case_no": case.case_no, "proxy": None}
            tx.put(
                GRANT_KIND,
                key,
                {**doc, "revoked_at": now.isoformat()},
                state=GRANT_REVOKED_STATE,
                expected_version=None if rec is None else rec.version,
            )
            proxy = None if doc["proxy"] is None else Proxy.model_validate(doc["proxy"])
            tx.append_journal(
                event="case.proxy_authorization_revoked",
                aggregate_type="case",
                aggregate_id=case.case_no,
                actor=self.actor_ref(actor),
                payload_digest=digest_json({"case_no": case.case_no, "authorization_id": key}),
                detail={
                    "authorization_id": authorization_id,
                    "signed_here": rec is not None,
                    "proxy": None if proxy is None else self.subject_digest(proxy.party.id_number),
                },
                at=now.isoformat(),
            )

    def _verify_bundle(self, bundle: bytes) -> VerificationReport:
        """Validate ``bundle`` under the service's trust anchors (exactly as offline:
        :func:`gaozhi_sdk.esign.validate`), then add what only this service knows (R-024):
        whether the applicant revoked here the special authorisation a proxy's pledge (or
        the grant itself) carries. A revoked one adds the failed check
        ``proxy_grant_not_revoked`` (SIGNER_NOT_AUTHORISED) and makes the report
        TOTAL_FAILED — the service itself refuses such a pledge at submission (GZ-AU-011,
        GZ-AU-012). An offline verifier has no revocation record and cannot report it; the
        offline result of the same bundle is unchanged."""
        report = validate(bundle, self.sealer.trust)
        try:
            payload = payload_model(bundle)
        except ValueError:  # malformed: the report already says FORMAT_FAILURE
            return report
        if isinstance(payload, Pledge) and payload.proxy is not None:
            case_no, number = payload.case_no, payload.proxy.authorization.authorization_id
        elif isinstance(payload, AuthorizationGrant):
            case_no, number = payload.case_no, payload.authorization_id
        else:
            return report
        if not self._grant_revoked(case_no, number):
            return report
        check = Check(
            name="proxy_grant_not_revoked",
            status=CheckStatus.FAILED,
            sub_indication=SubIndication.SIGNER_NOT_AUTHORISED,
            message="申请人已在本服务撤销该特别授权书 (R-024, GZ-AU-012); 离线验证看不到撤销记录",
            message_en="the applicant revoked this special authorisation at this service "
            "(R-024, GZ-AU-012); an offline verifier cannot see the revocation",
            found=f"authorization_id={number}",
            remedy="代为承诺人凭已撤销的授权书无权代为承诺; 核对办件的承诺书",
            remedy_en="a proxy has no authority under a revoked grant; check the case's pledge",
        )
        failed = report.indication is Indication.TOTAL_FAILED
        return report.model_copy(
            update={
                "checks": [*report.checks, check],
                "indication": Indication.TOTAL_FAILED,
                "sub_indication": report.sub_indication
                if failed
                else SubIndication.SIGNER_NOT_AUTHORISED,
            }
        )

    def _check_number_not_revoked(self, case_no: str, authorization_id: str) -> None:
        """GZ-WF-032 if the applicant revoked a grant of this number for the case."""
        if self._grant_revoked(case_no, authorization_id):
            raise _number_revoked()


def _number_revoked() -> WorkflowError:
    return WorkflowError(
        "GZ-WF-032",
        "该编号的特别授权书已撤销, 不能再签署或撤销; 请使用新编号 (R-024)",
        message_en="the special authorisation of that number is revoked; use a new number",
    )
