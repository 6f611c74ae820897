"""签署方式的证据 (signing-method evidence): how :func:`~gaozhi_sdk.esign.validate`
checks DESIGN §4a (R-035).

A pledge bundle claims a method in its (unsigned) ``signingMethod`` field; the claim is
believed only with the evidence that method needs, each piece signed by whoever is
entitled to vouch for it, so altering the claim breaks validation:

==================== ==========================================================================
``CERTIFICATE``       the applicant's own certificate, chaining to a *document-signing* anchor;
                      no evidence bundle.
``EVENT_CERTIFICATE`` a certificate chaining to an *event-certificate* anchor (a CA the
                      verifier configured for that purpose — no other CA, and that CA for
                      nothing else), valid for at most ``event_certificate_max_validity``
                      (default 10 minutes), covering the proven signing time (time-stamp);
                      it names the pledgor or the named proxy. No evidence bundle.
``PLATFORM_ATTESTED`` the pledge sealed by a platform (or by its own organ), plus an
                      ``authentication-record`` bundle sealed by the *same* organisation,
                      chaining to a *platform-attestation* anchor (or being the pledge's
                      organ), whose ``pledge_sha256`` is this pledge's and whose subject
                      digest is the pledgor's (or proxy's) under the deployment key.
``WINDOW_HANDWRITTEN`` the pledge sealed by its organ, plus a ``window-attestation`` bundle
                      sealed by that organ for this pledge (image bound by SHA-256).
==================== ==========================================================================

A special authorisation (``proxy-authorization``, R-024) may record ``CERTIFICATE`` or
``EVENT_CERTIFICATE`` (no evidence): the applicant's own or event certificate, chaining to
that method's anchors. A ``PLATFORM_ATTESTED`` authentication older than the policy's
``authentication_max_age_s`` at the pledge's signing time does not vouch for it.

The subject digest is a keyed HMAC under the deployment's secret (R-091): a verifier
without the key (``SignerPolicy.identifier_digest``) cannot link it to the pledgor, and
the report says so; the binding to the pledge digest is checked always.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import BaseModel

from gaozhi_sdk.esign.bundle import Bundle
from gaozhi_sdk.esign.payload_types import media_type, parse_payload
from gaozhi_sdk.esign.policy import proxy_shortfall
from gaozhi_sdk.esign.report import (
    Check,
    CheckStatus,
    Indication,
    SigningMethodReport,
    SubIndication,
    VerificationReport,
)
from gaozhi_sdk.esign.trust import AnchorPurpose, TrustStore
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.signing import (
    AuthenticationRecord,
    SigningMethod,
    WindowAttestation,
)

__all__ = [
    "AUTHENTICATION_CLOCK_SKEW_S",
    "PROVES",
    "MethodOutcome",
    "authentication_age_problem",
    "check_signing_method",
    "event_certificate_check",
]

PLEDGE_TYPE = media_type("pledge")
AUTH_RECORD_TYPE = media_type("authentication-record")
WINDOW_TYPE = media_type("window-attestation")
GRANT_TYPE = media_type("proxy-authorization")
_GRANT_METHODS = (SigningMethod.CERTIFICATE, SigningMethod.EVENT_CERTIFICATE)

#: What each method proves (Chinese, English), shown in every pledge report.
PROVES: dict[SigningMethod, tuple[str, str]] = {
    SigningMethod.CERTIFICATE: (
        "申请人以本人持有的数字证书 (UKey 等) 签名: 签名数据由其专有并控制, 签名后对内容的"
        "任何改动均可发现 (电子签名法第十三条的可靠电子签名)",
        "signed with the applicant's own certificate (UKey etc.): creation data under the "
        "signer's sole control, any later change detectable (a reliable electronic "
        "signature, Electronic Signature Law art. 13)",
    ),
    SigningMethod.EVENT_CERTIFICATE: (
        "申请人经实名认证后, 由事件证书 CA 为其设备上生成的密钥签发短期证书并签名: 私钥不离开"
        "申请人设备, 证书载明认证所得身份",
        "signed with a short-lived certificate an event-certificate CA issued after real-name "
        "authentication, for a key made on the applicant's device (never leaving it); the "
        "certificate names the authenticated identity",
    ),
    SigningMethod.PLATFORM_ATTESTED: (
        "申请人本人未作电子签名; 平台以其印章证明该申请人已完成实名认证并确认了本承诺书内容 "
        "(认证方式、服务方、流水号、时间、保证等级见证据)",
        "the applicant made no electronic signature; the platform's seal attests that the "
        "applicant authenticated and confirmed this pledge (method, provider, transaction, "
        "time and assurance level in the evidence)",
    ),
    SigningMethod.WINDOW_HANDWRITTEN: (
        "申请人在受理窗口手写签名 (签字板或纸质承诺书扫描件), 受理人员核验身份并见证, "
        "机关盖章; 图像按 SHA-256 绑定",
        "signed by hand at the service window (signature pad or scanned paper pledge), "
        "identity checked and witnessed by the clerk, sealed by the organ; the image is "
        "bound by its SHA-256",
    ),
}

ValidateFn = Callable[..., VerificationReport]


@dataclass(frozen=True)
class MethodOutcome:
    """The result of checking a pledge bundle's signing method and evidence."""

    method: SigningMethod
    recorded: bool
    check: Check
    signer_trust: TrustStore
    attesters: frozenset[str] = frozenset()
    evidence: list[dict[str, str]] = field(default_factory=list)

    def report(self, signatures_ok: bool) -> SigningMethodReport:
        """The report section; ``verified`` only when the evidence and every signature
        (with its signer policy) passed."""
        zh, en = PROVES[self.method]
        return SigningMethodReport(
            method=self.method.value,
            recorded=self.recorded,
            verified=signatures_ok and self.check.status is CheckStatus.PASSED,
            proves=zh,
            proves_en=en,
            evidence=self.evidence,
        )


def signer_trust_for(method: SigningMethod, trust: TrustStore) -> TrustStore:
    """The anchors a pledge signature of ``method`` must chain to."""
    if method is SigningMethod.EVENT_CERTIFICATE:
        return trust.signing_view(AnchorPurpose.EVENT_CERTIFICATE)
    if method is SigningMethod.PLATFORM_ATTESTED:
        return trust.signing_view(
            {AnchorPurpose.PLATFORM_ATTESTATION, AnchorPurpose.DOCUMENT_SIGNING}
        )
    return trust


def _failed(message: str, message_en: str, sub: SubIndication, **kw: Any) -> Check:
    status = (
        CheckStatus.FAILED
        if sub
        in (
            SubIndication.FORMAT_FAILURE,
            SubIndication.SIGNER_NOT_AUTHORISED,
            SubIndication.HASH_FAILURE,
        )
        else CheckStatus.INDETERMINATE
    )
    return Check(
        name="signing_method",
        status=status,
        sub_indication=sub,
        message=message,
        message_en=message_en,
        **kw,
    )


def check_signing_method(
    bundle: Bundle,
    payload: BaseModel | bytes | None,
    trust: TrustStore,
    *,
    at: datetime | None,
    policy: Any,
    validate_fn: ValidateFn,
) -> MethodOutcome | None:
    """Check the signing method a bundle claims and its evidence (None: not a pledge and
    no claim — nothing to report)."""
    sm = bundle.signing_method
    method = bundle.method
    if bundle.payload_type != PLEDGE_TYPE:
        if sm is None:
            return None
        if bundle.payload_type == GRANT_TYPE and method in _GRANT_METHODS and not sm.evidence:
            # the applicant's special authorisation signed with their own or an
            # event certificate: its signature chains to that method's anchors
            return MethodOutcome(
                method,
                True,
                Check(name="signing_method", status=CheckStatus.PASSED),
                signer_trust_for(method, trust),
            )
        return MethodOutcome(
            method,
            True,
            _failed(
                "只有承诺书 (及以本人证书或事件证书签署的特别授权书) 可以记录签署方式 "
                "(signingMethod)",
                "only pledges (and special authorisations signed with an own or event "
                "certificate) may record a signing method",
                SubIndication.FORMAT_FAILURE,
            ),
            trust,
        )
    signer_trust = signer_trust_for(method, trust)
    evidence = sm.evidence if sm is not None else ()
    wanted = {
        SigningMethod.PLATFORM_ATTESTED: AUTH_RECORD_TYPE,
        SigningMethod.WINDOW_HANDWRITTEN: WINDOW_TYPE,
    }.get(method)
    if wanted is None:
        if evidence:
            return MethodOutcome(
                method,
                sm is not None,
                _failed(
                    f"签署方式 {method.value} 不带证据文件, 证据包却附有 {len(evidence)} 份",
                    f"method {method.value} takes no evidence bundles; {len(evidence)} attached",
                    SubIndication.FORMAT_FAILURE,
                ),
                signer_trust,
            )
        return MethodOutcome(
            method,
            sm is not None,
            Check(name="signing_method", status=CheckStatus.PASSED),
            signer_trust,
        )
    if len(evidence) != 1 or evidence[0].payload_type != wanted:
        found = ", ".join(e.payload_type for e in evidence) or "无"
        return MethodOutcome(
            method,
            True,
            _failed(
                f"签署方式 {method.value} 须附一份 {wanted} 证据文件",
                f"method {method.value} needs exactly one {wanted} evidence bundle",
                SubIndication.FORMAT_FAILURE,
                expected=wanted,
                found=found,
            ),
            signer_trust,
        )
    return _check_evidence(
        bundle, payload, evidence[0], method, trust, signer_trust, at, policy, validate_fn
    )


def _check_evidence(
    bundle: Bundle,
    payload: BaseModel | bytes | None,
    ev: Bundle,
    method: SigningMethod,
    trust: TrustStore,
    signer_trust: TrustStore,
    at: datetime | None,
    policy: Any,
    validate_fn: ValidateFn,
) -> MethodOutcome:
    def fail(zh: str, en: str, sub: SubIndication, **kw: Any) -> MethodOutcome:
        return MethodOutcome(method, True, _failed(zh, en, sub, **kw), signer_trust)

    ev_trust = signer_trust if method is SigningMethod.PLATFORM_ATTESTED else trust
    report = validate_fn(ev, ev_trust, at=at, policy=policy)
    if report.indication is not Indication.TOTAL_PASSED:
        first = next(iter(report.problems()), None)
        return fail(
            f"签署方式证据 ({ev.payload_type}) 验证未通过: "
            f"{first.message if first is not None else report.indication.value}",
            f"the signing-method evidence ({ev.payload_type}) did not verify: "
            f"{first.message_en if first is not None else report.indication.value}",
            report.sub_indication or SubIndication.SIGNER_NOT_AUTHORISED,
        )
    doc = parse_payload(ev.payload_type, ev.payload)
    pledge_sha = hashlib.sha256(bundle.payload).hexdigest()
    assert isinstance(doc, AuthenticationRecord | WindowAttestation)
    if doc.pledge_sha256 != pledge_sha:
        return fail(
            "签署方式证据所绑定的承诺书摘要与本承诺书不符 (证据属于另一份承诺书)",
            "the evidence is bound to another pledge (pledge SHA-256 differs)",
            SubIndication.HASH_FAILURE,
            expected=pledge_sha,
            found=doc.pledge_sha256,
        )
    subject_note = _subject_binding(doc.subject_digest, payload, policy)
    if subject_note is False:
        return fail(
            "签署方式证据所载被认证人 (摘要) 不是本承诺书的承诺人或代为承诺人",
            "the evidence's subject digest is neither the pledgor's nor the named proxy's",
            SubIndication.SIGNER_NOT_AUTHORISED,
        )
    organ = getattr(payload, "organ_uscc", None)
    if isinstance(doc, AuthenticationRecord):
        stale = authentication_age_problem(
            doc.authenticated_at,
            getattr(payload, "signed_at", None),
            int(getattr(policy, "authentication_max_age_s", 1800)),
        )
        if stale is not None:
            return fail(*stale, SubIndication.SIG_CONSTRAINTS_FAILURE)
        attester = doc.platform_uscc
        sig = report.signatures[0] if report.signatures else None
        anchor = sig.chain[-1] if sig is not None and sig.chain else ""
        platform_fps = {
            c.fingerprint(hashes.SHA256()).hex()
            for c in trust.anchors(AnchorPurpose.PLATFORM_ATTESTATION)
        }
        if attester != organ and anchor not in platform_fps:
            return fail(
                "实名认证记录的印章不链接到平台作证信任锚 (platform_attestation), "
                "也不是受理机关的印章",
                "the authentication record's seal chains to no platform-attestation anchor "
                "and is not the pledge's organ",
                SubIndication.SIGNER_NOT_AUTHORISED,
            )
        summary = {
            "type": "authentication-record",
            "authentication_method": doc.method.value,
            "authentication_method_zh": doc.method.label_zh,
            "provider": doc.provider,
            "transaction_id": doc.transaction_id,
            "authenticated_at": doc.authenticated_at.isoformat(),
            "assurance_level": doc.assurance_level.value,
            "platform": mask_identifier(doc.platform_uscc),
        }
    else:
        attester = doc.organ_uscc
        if attester != organ:
            return fail(
                "窗口见证记录不是受理机关出具的",
                "the window attestation is not the pledge's organ's",
                SubIndication.SIGNER_NOT_AUTHORISED,
            )
        summary = {
            "type": "window-attestation",
            "kind": doc.kind.value,
            "clerk_id": doc.clerk_id,
            "identity_document": doc.identity_document,
            "image_sha256": doc.image_sha256,
            "image_media_type": doc.image_media_type,
            "attested_at": doc.attested_at.isoformat(),
            "organ": mask_identifier(doc.organ_uscc),
        }
    summary["subject_binding"] = (
        "checked" if subject_note else "not checked (no deployment digest key)"
    )
    message = f"签署方式 {method.value} 的证据已验证: 绑定本承诺书摘要" + (
        ", 被认证人摘要与承诺人一致"
        if subject_note
        else "; 验证方未配置部署摘要密钥, 未核对被认证人"
    )
    message_en = f"{method.value} evidence verified: bound to this pledge" + (
        ", subject digest matches" if subject_note else "; subject digest not checked (no key)"
    )
    return MethodOutcome(
        method,
        True,
        Check(
            name="signing_method",
            status=CheckStatus.PASSED,
            message=message,
            message_en=message_en,
            evidence_refs=[hashlib.sha256(ev.pae).hexdigest()],
        ),
        signer_trust,
        frozenset({attester}),
        [summary],
    )


def _subject_binding(digest: str, payload: Any, policy: Any) -> bool | None:
    """True: the digest is the pledgor's or proxy's; False: it is not; None: no key."""
    fn = getattr(policy, "identifier_digest", None)
    if fn is None or payload is None:
        return None
    hex_part = digest.rpartition(":")[2]
    ids = [payload.pledgor.id_number]
    if payload.proxy is not None and proxy_shortfall(payload) is None:
        ids.append(payload.proxy.party.id_number)
    for ident in ids:
        want = fn(ident)
        if hex_part in ({want} if isinstance(want, str) else set(want)):
            return True
    return False


#: How much later than the pledge's signing time an authentication may be dated (clocks
#: of the identity provider and the platform differ a little).
AUTHENTICATION_CLOCK_SKEW_S = 300


def authentication_age_problem(
    authenticated_at: datetime, signed_at: datetime | None, max_age_s: int
) -> tuple[str, str] | None:
    """Why a real-name authentication at ``authenticated_at`` does not vouch for a pledge
    signed at ``signed_at`` (DESIGN §4a, R-035), as (Chinese, English); None when it does
    (or the signing time is unknown). Too old: more than ``max_age_s`` before the
    signing; too late: more than :data:`AUTHENTICATION_CLOCK_SKEW_S` after it."""
    if signed_at is None:
        return None
    age = (signed_at - authenticated_at).total_seconds()
    if age > max_age_s:
        return (
            f"实名认证时间 {authenticated_at.isoformat()} 早于承诺书签署时间 "
            f"{signed_at.isoformat()} {int(age)} 秒, 超过允许的 {max_age_s} 秒: "
            "该认证不能证明签署时的身份",
            f"the real-name authentication at {authenticated_at.isoformat()} is {int(age)} s "
            f"older than the pledge's signing time {signed_at.isoformat()}, over the "
            f"{max_age_s} s allowed",
        )
    if age < -AUTHENTICATION_CLOCK_SKEW_S:
        return (
            f"实名认证时间 {authenticated_at.isoformat()} 晚于承诺书签署时间 "
            f"{signed_at.isoformat()}",
            f"the real-name authentication at {authenticated_at.isoformat()} is later than "
            f"the pledge's signing time {signed_at.isoformat()}",
        )
    return None


def event_certificate_check(
    leaf: x509.Certificate, best: datetime | None, max_validity_s: int
) -> Check:
    """The ``event_certificate`` check of an EVENT_CERTIFICATE signature: the certificate is
    short-lived and the proven signing time (time-stamp) lies within its validity."""
    nb, na = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    span = (na - nb).total_seconds()
    window = f"{nb.isoformat()} 至 {na.isoformat()}"
    if span > max_validity_s:
        return Check(
            name="event_certificate",
            status=CheckStatus.INDETERMINATE,
            sub_indication=SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            message=f"事件证书有效期 {int(span)} 秒, 超过策略允许的 {max_validity_s} 秒",
            message_en=f"the event certificate is valid {int(span)} s, over the policy's "
            f"{max_validity_s} s",
            expected=f"有效期不超过 {max_validity_s} 秒",
            found=window,
        )
    if best is not None and not nb <= best <= na:
        sub = SubIndication.EXPIRED if best > na else SubIndication.NOT_YET_VALID
        return Check(
            name="event_certificate",
            status=CheckStatus.FAILED,
            sub_indication=sub,
            message=f"时间戳证明的签名时间 {best.isoformat()} 不在事件证书有效期 {window} 内",
            message_en=f"the time-stamped signing time {best.isoformat()} is outside the event "
            f"certificate's validity {nb.isoformat()} to {na.isoformat()}",
            expected=window,
            found=best.isoformat(),
            remedy="不要采信: 事件证书只在签发后数分钟内可用于签名",
            remedy_en="do not rely on it: an event certificate signs only minutes after issue",
        )
    return Check(
        name="event_certificate",
        status=CheckStatus.PASSED,
        message=f"事件证书有效期 {window}"
        + (f", 签名时间 {best.isoformat()} 在其内" if best is not None else ""),
        message_en=f"event certificate valid {nb.isoformat()} to {na.isoformat()}",
    )
