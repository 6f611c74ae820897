"""申请人签署方式 (how applicants sign; DESIGN §4a, R-035): the Python API of
``svc.signing``.

Event certificate (the applicant's device holds the key; a browser with WebCrypto will do)::

    s = svc.signing.start_authentication(case_no, applicant)        # identity provider
    s = svc.signing.finish_authentication(s.session_id, applicant, {"code": "…"})
    ch = svc.signing.event_certificate_challenge(s.session_id, applicant)
    #   device: make a P-256 key pair, sign base64decode(ch.challenge) with it
    cert = svc.signing.issue_event_certificate(
        s.session_id, applicant, public_key=spki_der,
        challenge_id=ch.challenge_id, challenge_signature=sig, signature_format="raw")
    dts = svc.cases.pledge_data_to_sign(case_no, cert.certificate_chain, applicant,
                                        signing_method=SigningMethod.EVENT_CERTIFICATE)
    #   device: sign dts.pae_bytes
    pledge = svc.cases.assemble_pledge(case_no, dts.session_id, sig, applicant,
                                       signature_format="raw")

Platform attestation (no signature by the applicant; the platform's seal over the pledge
and a sealed authentication record)::

    pledge = svc.signing.attest_pledge(case_no, s.session_id, applicant)

Window handwriting (the clerk captures the signature image and the organ seals)::

    pledge = svc.signing.window_pledge(case_no, clerk, image=png_bytes)  # clerk: the actor

Every path ends in :meth:`~gaozhi_sdk.PledgeService.submit_pledge`, which records the
method (journal detail, statistics) and refuses a method below the configured minimum
(GZ-RL-222, :class:`~gaozhi_sdk.rules.SigningMethodMinimum`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gaozhi_sdk.authentication import (
    AuthenticationOutcome,
    AuthenticationRequest,
    AuthenticationResult,
    CaChallenge,
    EventCertificateAuthority,
    EventCertificateRequest,
    IdentityProvider,
    IssuedEventCertificate,
)
from gaozhi_sdk.canonical import model_bytes
from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import sign
from gaozhi_sdk.models.documents import Pledge
from gaozhi_sdk.models.enums import ActorRole, IdType
from gaozhi_sdk.models.parties import Actor, Proxy
from gaozhi_sdk.models.signing import (
    AssuranceLevel,
    AuthenticationMethod,
    AuthenticationRecord,
    HandwritingKind,
    SigningMethod,
    WindowAttestation,
)
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.cases import EVENT_CERTIFICATE_KIND
from gaozhi_sdk.service.proxy_grants import ProxyGrantMixin

__all__ = ["AUTH_SESSION_KIND", "AuthenticationSession", "SigningMixin"]

AUTH_SESSION_KIND = "auth_session"
_SESSION_TTL = timedelta(minutes=15)
_MAX_IMAGE = 8 * 1024 * 1024


class AuthenticationSession(BaseModel):
    """An applicant's real-name authentication for one case (no identifier, no token)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_id: str = Field(description="认证会话标识")
    case_no: str = Field(description="办件编号")
    provider: str = Field(description="认证服务")
    method: AuthenticationMethod = Field(description="认证方式")
    state: Literal["STARTED", "AUTHENTICATED", "FAILED", "USED"] = Field(description="状态")
    expires_at: AwareDatetime = Field(description="会话过期时间")
    instructions: str = Field(default="", description="给申请人的提示")
    redirect_url: str | None = Field(default=None, description="认证页面地址 (如有)")
    outcome: AuthenticationOutcome | None = Field(default=None, description="认证结果")
    transaction_id: str | None = Field(default=None, description="认证交易流水号")
    assurance_level: AssuranceLevel | None = Field(default=None, description="身份保证等级")
    authenticated_at: AwareDatetime | None = Field(default=None, description="认证完成时间")
    message: str = Field(default="", description="说明")


def _session_error(zh: str = "") -> SignatureError:
    return SignatureError(
        "GZ-SG-087",
        "认证会话不存在、已使用、已过期或不属于该办件" + (f": {zh}" if zh else ""),
        message_en="authentication session unknown, used, expired or of another case",
    )


class SigningMixin(ProxyGrantMixin):
    """How applicants sign (``svc.signing``): authentication, event certificates, platform
    attestation and window handwriting (DESIGN §4a)."""

    #: The real-name identity provider (``PledgeService.open(identity_provider=...)`` or
    #: the ``gaozhi_identity_provider`` hook).
    identity_provider: IdentityProvider | None = None
    #: The event-certificate CA (``open(event_ca=...)`` or the
    #: ``gaozhi_event_certificate_authority`` hook).
    event_ca: EventCertificateAuthority | None = None

    # -- authentication -----------------------------------------------------------------

    def _idp(self) -> IdentityProvider:
        if self.identity_provider is None:
            raise SignatureError(
                "GZ-SG-086",
                "未配置身份认证服务; 请以 PledgeService.open(identity_provider=...) 或插件配置",
                message_en="no identity provider configured",
            )
        return self.identity_provider

    def _ca(self) -> EventCertificateAuthority:
        if self.event_ca is None:
            raise SignatureError(
                "GZ-SG-086",
                "未配置事件证书 CA; 请以 PledgeService.open(event_ca=...) 或插件配置",
                message_en="no event-certificate CA configured",
            )
        return self.event_ca

    def _signing_party(
        self, case_no: str, actor: Actor, proxy: Proxy | None
    ) -> tuple[Any, IdType, str]:
        case = self._case(case_no)
        self.role_policy.check(actor, "case.sign_pledge", None)
        # the proxy's signed grant before the identity provider hears of anyone
        self._check_proxy_first(case, actor, proxy)
        self._check_own_case(case, actor, proxy)
        if actor.role is ActorRole.PROXY and proxy is not None:
            return case, proxy.party.id_type, proxy.party.id_number
        return case, case.applicant.id_type, case.applicant.id_number

    @refusals_journaled("case.sign_pledge", "case", "case_no")
    def _start_authentication(
        self,
        case_no: str,
        actor: Actor,
        *,
        method: AuthenticationMethod = AuthenticationMethod.FACE_RECOGNITION,
        proxy: Proxy | Mapping[str, Any] | None = None,
    ) -> AuthenticationSession:
        """Start real-name authentication of the applicant (or the named proxy) for a case.

        Args:
            case_no: the case, whose notice has been issued.
            actor: the applicant (or proxy) signing; the role policy of
                ``case.sign_pledge`` applies.
            method: 人脸识别 / 电子社保卡 / 短信验证码 / UKey.
            proxy: the proxy and its special authorisation, when a proxy signs (R-024).

        Raises:
            SignatureError: GZ-SG-086 no identity provider configured.
            PermissionDeniedError: another applicant's case (GZ-AU-011) or role not allowed;
                a proxy without the applicant's signed special authorisation for this case
                (GZ-AU-011, R-024) — checked before the identity provider is called.
        Refusals are journaled.
        """
        px = None if proxy is None else self._parse(Proxy, proxy, "代为承诺人")
        case, id_type, id_number = self._signing_party(case_no, actor, px)
        idp = self._idp()
        start = idp.start(
            AuthenticationRequest(
                id_type=id_type, id_number=id_number, method=method, reference=case.case_no
            )
        )
        now = self.now()
        expires = min(start.expires_at, now + _SESSION_TTL)
        sid = self._new_id("AUT")
        doc = {
            "case_no": case.case_no,
            "actor": self.actor_ref(actor),
            "subject_digest": self.subject_digest(id_number),
            "proxy": None if px is None else px.model_dump(mode="json"),
            "provider": idp.name,
            "provider_session_id": start.provider_session_id,
            "method": method.value,
            "expires_at": expires.isoformat(),
            "instructions": start.instructions,
            "redirect_url": start.redirect_url,
        }
        with self.store.transaction() as tx:
            tx.put(AUTH_SESSION_KIND, sid, doc, state="STARTED", expected_version=None)
        return self._authentication(sid)

    def _authentication(self, session_id: str) -> AuthenticationSession:
        """The current state of an authentication session (GZ-SG-087 if unknown)."""
        rec = self.store.get(AUTH_SESSION_KIND, session_id)
        if rec is None:
            raise _session_error()
        d = rec.doc
        res = d.get("result") or {}
        return AuthenticationSession(
            session_id=session_id,
            case_no=d["case_no"],
            provider=d["provider"],
            method=AuthenticationMethod(d["method"]),
            state=rec.state,
            expires_at=datetime.fromisoformat(d["expires_at"]),
            instructions=d.get("instructions") or "",
            redirect_url=d.get("redirect_url"),
            outcome=res.get("outcome"),
            transaction_id=res.get("transaction_id"),
            assurance_level=res.get("assurance_level"),
            authenticated_at=res.get("authenticated_at"),
            message=res.get("message") or "",
        )

    def _session(
        self, session_id: str, actor: Actor, state: str, *, allow_expired: bool = False
    ) -> Any:
        rec = self.store.get(AUTH_SESSION_KIND, session_id)
        if rec is None or rec.state != state:
            raise _session_error(f"状态须为 {state}")
        expired = datetime.fromisoformat(rec.doc["expires_at"]) < self.now()
        if expired and not allow_expired:
            raise _session_error("已过期")
        if rec.doc["actor"] != self.actor_ref(actor):
            raise _session_error("会话属于另一操作人")
        return rec

    def _finish_authentication(
        self, session_id: str, actor: Actor, response: Mapping[str, str] | None = None
    ) -> AuthenticationSession:
        """Finish a session with the applicant's device response (e.g. ``{"code": …}``).

        A failed authentication (face mismatch, timeout, wrong code …) is returned as a
        session in state ``FAILED`` with its ``outcome``; start a new one to retry.

        Raises:
            SignatureError: GZ-SG-087 unknown/finished/expired session or another actor's;
                GZ-SG-088 the provider authenticated someone other than the applicant
                (or named proxy).
        """
        rec = self._session(session_id, actor, "STARTED", allow_expired=True)
        self._check_session_proxy(rec, actor, journal_as="case.sign_pledge")
        if datetime.fromisoformat(rec.doc["expires_at"]) < self.now():
            result = AuthenticationResult(
                outcome=AuthenticationOutcome.TIMEOUT,
                provider=rec.doc["provider"],
                method=AuthenticationMethod(rec.doc["method"]),
                message="认证会话已超时",
            )
        else:
            result = self._idp().finish(rec.doc["provider_session_id"], dict(response or {}))
        if not isinstance(result, AuthenticationResult) or (
            result.outcome is AuthenticationOutcome.SUCCESS
            and (result.authenticated_at is None or result.assurance_level is None)
        ):
            # a success must say when and how strongly it authenticated (DESIGN §4a): the
            # attestation records both and the authentication's age is judged by the time
            raise SignatureError(
                "GZ-SG-088",
                "身份认证服务返回了无效结果 (认证成功须给出认证时间与保障等级)",
                message_en="the identity provider returned an invalid result (a success must "
                "give the authentication time and assurance level)",
            )
        doc = dict(rec.doc)
        ok = result.outcome is AuthenticationOutcome.SUCCESS and result.token
        if ok and (
            result.id_number is None
            or self.subject_digest(result.id_number) != doc["subject_digest"]
        ):
            raise SignatureError(
                "GZ-SG-088",
                "认证所得身份不是本办件的申请人或所载代为承诺人",
                message_en="the authenticated person is not this case's applicant or proxy",
            )
        doc["result"] = {
            "outcome": result.outcome.value,
            "transaction_id": result.transaction_id or None,
            "assurance_level": None
            if result.assurance_level is None
            else result.assurance_level.value,
            "authenticated_at": None
            if result.authenticated_at is None
            else result.authenticated_at.isoformat(),
            "method": result.method.value,
            "message": result.message,
        }
        doc["token"] = result.token if ok else None
        with self.store.transaction() as tx:
            tx.put(
                AUTH_SESSION_KIND,
                session_id,
                doc,
                state="AUTHENTICATED" if ok else "FAILED",
                expected_version=rec.version,
            )
        return self._authentication(session_id)

    # -- event certificates ----------------------------------------------------------------

    def _event_certificate_challenge(self, session_id: str, actor: Actor) -> CaChallenge:
        """A single-use challenge from the event CA for proof of possession: the device
        signs ``base64decode(challenge.challenge)`` with the key to be certified.

        Raises:
            SignatureError: GZ-SG-086 no CA; GZ-SG-087 the session is not AUTHENTICATED.
        """
        rec = self._session(session_id, actor, "AUTHENTICATED")
        self._check_session_proxy(rec, actor, journal_as="case.sign_pledge")
        return self._ca().challenge()

    def _issue_event_certificate(
        self,
        session_id: str,
        actor: Actor,
        *,
        public_key: bytes | None = None,
        challenge_id: str | None = None,
        challenge_signature: bytes | None = None,
        signature_format: Literal["der", "raw"] = "der",
        csr: bytes | None = None,
        sm2_signer_id: str | None = None,
    ) -> IssuedEventCertificate:
        """Have the event CA certify the applicant's device key, on this session's
        authentication token (used once: the session becomes ``USED``).

        Give either ``csr`` (PKCS#10 DER) or ``public_key`` (SPKI DER) with
        ``challenge_id`` and ``challenge_signature`` (DER, or raw r‖s as WebCrypto gives
        it). Then sign with ``svc.cases.pledge_data_to_sign`` (``signing_method=
        SigningMethod.EVENT_CERTIFICATE``) and ``svc.cases.assemble_pledge``.

        Raises:
            SignatureError: GZ-SG-086/087 as above; from the CA GZ-SG-080…085 (token,
                challenge or proof of possession not valid).
        """
        rec = self._session(session_id, actor, "AUTHENTICATED")
        self._check_session_proxy(rec, actor, journal_as="case.sign_pledge")
        issued = self._ca().issue(
            EventCertificateRequest(
                authentication_token=rec.doc["token"],
                csr=csr,
                public_key=public_key,
                challenge_id=challenge_id,
                challenge_signature=challenge_signature,
                signature_format=signature_format,
                sm2_signer_id=sm2_signer_id,
            )
        )
        leaf = issued.certificate_chain[0] if issued.certificate_chain else b""
        self._use_session(
            rec,
            {"certificate_serial": issued.serial_number},
            # when the authentication behind this certificate was made (GZ-SG-089 checks
            # it against the signing time)
            remember=(
                EVENT_CERTIFICATE_KIND,
                hashlib.sha256(leaf).hexdigest(),
                {
                    "session_id": rec.id,
                    "authenticated_at": rec.doc["result"].get("authenticated_at")
                    or self.now().isoformat(),
                },
            ),
        )
        return issued

    def _check_session_proxy(
        self, rec: Any, actor: Actor, *, journal_as: str | None = None
    ) -> Proxy | None:
        """R-024: a session a proxy started under the applicant's signed grant goes on only
        while that grant is in force — checked first, before the identity provider, the CA
        or the case's state are consulted (the same GZ-AU-011 naming no one as
        ``start_authentication``); before, a session started before the applicant revoked
        the grant still authenticated, got an event certificate and attested. Returns the
        session's proxy."""
        if rec.doc.get("proxy") is None:
            return None
        px = Proxy.model_validate(rec.doc["proxy"])
        self._check_proxy_first(self._case(rec.doc["case_no"]), actor, px, journal_as=journal_as)
        return px

    def _use_session(
        self,
        rec: Any,
        extra: Mapping[str, Any],
        remember: tuple[str, str, Mapping[str, Any]] | None = None,
    ) -> None:
        doc = {**rec.doc, "token": None, **extra}
        with self.store.transaction() as tx:
            tx.put(AUTH_SESSION_KIND, rec.id, doc, state="USED", expected_version=rec.version)
            if remember is not None:
                kind, key, kept = remember
                old = tx.get(kind, key)
                tx.put(
                    kind,
                    key,
                    dict(kept),
                    state="ISSUED",
                    expected_version=None if old is None else old.version,
                )

    # -- platform attestation --------------------------------------------------------------

    @refusals_journaled("case.sign_pledge", "case", "case_no")
    def _attest_pledge(
        self,
        case_no: str,
        session_id: str,
        actor: Actor,
        *,
        platform_uscc: str | None = None,
    ) -> Pledge:
        """PLATFORM_ATTESTED: the platform seals the pledge and an authentication record
        of this session (method, provider, transaction id, time, assurance level, the
        subject's keyed digest), bound to the pledge digest, and submits it.

        Args:
            platform_uscc: whose seal attests (a signer configured for that USCC); default
                the case's organ. A platform other than the organ must be trusted by
                auditors as a ``PLATFORM_ATTESTATION`` anchor.

        Raises:
            SignatureError: GZ-SG-087 session not AUTHENTICATED; as ``svc.cases.submit_pledge``
                (GZ-RL-222 below the minimum method).
        """
        rec = self._session(session_id, actor, "AUTHENTICATED")
        if rec.doc["case_no"] != case_no:
            raise _session_error("会话属于另一办件")
        px = self._check_session_proxy(rec, actor)  # journaled by the guard above
        case = self._case(case_no)
        pledge = self._draft_pledge(case.case_no, proxy=px, signed_at=self.now())
        self._check_signing_method(case, pledge, SigningMethod.PLATFORM_ATTESTED)
        res = rec.doc["result"]
        platform = platform_uscc or case.organ_uscc
        signer = self.sealer.signer_for(platform)
        record = AuthenticationRecord(
            record_id=self._new_id("AUR"),
            pledge_sha256=hashlib.sha256(model_bytes(pledge)).hexdigest(),
            subject_digest=rec.doc["subject_digest"],
            method=AuthenticationMethod(res["method"]),
            provider=rec.doc["provider"],
            transaction_id=res["transaction_id"] or "-",
            authenticated_at=datetime.fromisoformat(res["authenticated_at"]),
            assurance_level=AssuranceLevel(res["assurance_level"]),
            platform_uscc=platform,
        )
        evidence = sign(record, signer, tsa=self.sealer.tsa)
        bundle = sign(pledge, signer).with_signing_method(
            SigningMethod.PLATFORM_ATTESTED, (evidence,)
        )
        out = self._submit_pledge(bundle, actor)
        self._use_session(rec, {"pledge_id": out.pledge_id})
        return out

    # -- window handwriting ---------------------------------------------------------------

    @refusals_journaled("case.sign_pledge", "case", "case_no")
    def _window_pledge(
        self,
        case_no: str,
        actor: Actor,
        *,
        image: bytes,
        image_media_type: str = "image/png",
        kind: HandwritingKind = HandwritingKind.SIGNATURE_PAD,
        identity_document: str = "居民身份证原件",
    ) -> Pledge:
        """WINDOW_HANDWRITTEN: the applicant signed by hand at the window; the clerk
        (``actor``, a ``WINDOW_CLERK`` of the case's organ) attests it and the organ seals
        the pledge and the attestation (the image's SHA-256 inside). The image is stored
        beside the bundle (``svc.signing.signature_image``). The pledge is the applicant's own.

        Raises:
            PermissionDeniedError: the clerk is not a window clerk of the case's organ.
            SignatureError: GZ-SG-072 empty or oversized image; as ``svc.cases.submit_pledge``.
        """
        case = self._case(case_no)
        self.role_policy.check(actor, "case.accept", case.organ_uscc)
        if not image or len(image) > _MAX_IMAGE:
            raise SignatureError(
                "GZ-SG-072",
                f"签名图像为空或超过 {_MAX_IMAGE} 字节",
                message_en="the signature image is empty or too large",
            )
        pledge = self._draft_pledge(case.case_no, signed_at=self.now())
        applicant = Actor(role=ActorRole.APPLICANT, actor_id=case.applicant.id_number)
        self._check_signing_method(case, pledge, SigningMethod.WINDOW_HANDWRITTEN)
        attestation = WindowAttestation(
            attestation_id=self._new_id("WIN"),
            pledge_sha256=hashlib.sha256(model_bytes(pledge)).hexdigest(),
            subject_digest=self.subject_digest(case.applicant.id_number),
            organ_uscc=case.organ_uscc,
            clerk_id=actor.actor_id,
            identity_document=identity_document,
            kind=kind,
            image_sha256=hashlib.sha256(image).hexdigest(),
            image_media_type=image_media_type,
            attested_at=self.now(),
        )
        seal = self.sealer.signer_for(case.organ_uscc)
        evidence = sign(attestation, seal, tsa=self.sealer.tsa)
        bundle = sign(pledge, seal).with_signing_method(
            SigningMethod.WINDOW_HANDWRITTEN, (evidence,)
        )
        out = self._submit_pledge(bundle, applicant)
        with self.store.transaction() as tx:
            tx.put_blob(
                f"pledge-image/{out.pledge_id}",
                kind="signature-image",
                media_type=image_media_type,
                data=image,
            )
        return out

    def _signature_image(self, pledge_id: str) -> bytes | None:
        """The handwritten signature image (or scan) of a WINDOW_HANDWRITTEN pledge."""
        blob = self.store.get_blob(f"pledge-image/{pledge_id}")
        return None if blob is None else blob.data
