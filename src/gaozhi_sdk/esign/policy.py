"""签名者策略 (signer policy): who may sign which payload type (DESIGN §4).

A valid signature under a trusted root is not enough: the signer must be *entitled* to
sign that document. The verifier passes a :class:`SignerPolicy` to
:func:`~gaozhi_sdk.esign.validate` / :func:`~gaozhi_sdk.esign.verify` (as sigstore's
verifiers take an identity policy); :data:`DEFAULT_POLICY` is strict:

* **organ documents** (告知书, 核查结论, 处置, 信用记录, 抽查, 公开承诺书, 台账检查点,
  归档/证据包清单): an organ seal — a certificate that identifies an *organisation*
  whose 统一社会信用代码 equals the document's organ code (:class:`OrganSeal`);
* **pledges** (承诺书): the pledgor, or the specially authorised proxy the pledge names,
  identified by the certificate — 居民身份证号码 / 统一社会信用代码, or its salted digest
  where the CA puts only that in the certificate (:class:`PledgorOrProxy`); a proxy only
  with the pledgor's signed special authorisation attached and bound to the pledge
  (:mod:`gaozhi_sdk.esign.proxy_grant`, R-024);
* **special authorisations** (特别授权书, ``proxy-authorization``): the grantor
  (:class:`Grantor`);
* **every other payload type** has no rule and fails, unless the verifier adds one
  (:meth:`SignerPolicy.with_rules`); :class:`UnsafeAnySigner` states explicitly that any
  trusted signer will do.

How identities are read from certificates: :mod:`gaozhi_sdk.esign.identity` (built-in
readers for the common Chinese CA encodings, the ``gaozhi_certificate_identities`` hook
for others). A mismatch is ``TOTAL_FAILED`` / ``SIGNER_NOT_AUTHORISED`` with a message
naming (masked) whose signature was expected.

Signing methods (DESIGN §4a, :mod:`gaozhi_sdk.esign.methods`): a bundle without
``signingMethod`` reads as ``CERTIFICATE``. :class:`PledgorOrProxy` accepts each method
only with its evidence, which :func:`~gaozhi_sdk.esign.validate` verifies first:

* ``CERTIFICATE`` / ``EVENT_CERTIFICATE`` — the certificate identifies the pledgor or the
  named proxy (an event certificate must also chain to an ``EVENT_CERTIFICATE`` anchor);
* ``PLATFORM_ATTESTED`` — the signer is an organisation seal that also sealed a verified
  authentication record for this very pledge, chaining to a ``PLATFORM_ATTESTATION``
  anchor, or it is the seal of the pledge's own organ;
* ``WINDOW_HANDWRITTEN`` — the signer is the seal of the pledge's organ, which also
  sealed a verified window attestation for this pledge.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pydantic import BaseModel

from gaozhi_sdk.esign.identity import (
    BUILTIN_READERS,
    CertificateIdentity,
    IdentityKind,
    IdentityReader,
    SubjectIdentity,
    SubjectKind,
    read_subject_identity,
)
from gaozhi_sdk.esign.payload_types import media_type
from gaozhi_sdk.esign.proxy_grant import grant_problem
from gaozhi_sdk.esign.report import Check, CheckStatus, SubIndication
from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models.parties import AuthorizationShortfall, SpecialAuthorization
from gaozhi_sdk.models.signing import SigningMethod

__all__ = [
    "DEFAULT_POLICY",
    "ORGAN_DOCUMENT_TYPES",
    "Grantor",
    "OrganSeal",
    "PledgorOrProxy",
    "SignerContext",
    "SignerDecision",
    "SignerPolicy",
    "SignerRule",
    "SigningMethod",
    "UnsafeAnySigner",
]


@dataclass(frozen=True)
class SignerDecision:
    """What a :class:`SignerRule` decided about one signer of one document.

    Args:
        status: ``PASSED`` (entitled), ``FAILED`` (not entitled: the bundle is
            ``TOTAL_FAILED / SIGNER_NOT_AUTHORISED``) or ``INDETERMINATE`` (cannot be
            decided, e.g. a digest-only certificate without the digest key).
        message: why, in Chinese (shown in the report's ``signer_policy`` check).
        message_en: the English twin.
        expected: whose signature the rule expected (identifiers masked), for the report.
        found: whom the certificate identifies, for the report.
    """

    status: CheckStatus
    message: str
    message_en: str
    expected: str | None = None
    found: str | None = None


class SignerRule(Protocol):
    """A rule deciding whether a certificate identity may sign a payload."""

    @property
    def name(self) -> str:
        """Short rule name for reports."""

    def decide(self, payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
        """Decide whether ``subject`` may sign ``payload``.

        Returns:
            A :class:`SignerDecision`: PASSED, FAILED (not entitled) or INDETERMINATE
            (cannot be decided), with the reason in Chinese and English.
        """


#: ``id_number →`` its keyed digest(s), 64 lower-hex each.
DigestFunction = Callable[[str], "str | Iterable[str]"]


@dataclass(frozen=True)
class SignerContext:
    """What a :class:`SignerRule` may use beside the payload and the certificate identity.

    Args:
        identifier_digest: the policy's ``identifier_digest`` (``id_number →`` keyed
            digest(s)), or None when the verifier configured none.
        method: how the document was signed (DESIGN §4a).
        attesters: USCCs of the seals whose signing-method evidence for this pledge
            verified (PLATFORM_ATTESTED / WINDOW_HANDWRITTEN).
        anchor_purposes: the purposes of the anchor the signer's chain ended in.
        trust: the verifier's trust store (to verify evidence a document carries, e.g. a
            proxy's signed special authorisation); None when the caller gave none.
        at: the validation time of the signature being decided.
        policy: the :class:`SignerPolicy` deciding (applied to carried evidence too).
    """

    identifier_digest: DigestFunction | None
    method: SigningMethod = SigningMethod.CERTIFICATE
    attesters: frozenset[str] = frozenset()
    anchor_purposes: frozenset[str] = frozenset()
    trust: Any = None
    at: datetime | None = None
    policy: Any = None


def _field(payload: Any, name: str) -> Any:
    if isinstance(payload, BaseModel):
        return getattr(payload, name, None)
    if isinstance(payload, dict):
        return payload.get(name)
    return None


@dataclass(frozen=True)
class OrganSeal:
    """Signed by the seal of the organ whose USCC is the payload's ``field``."""

    field: str = "organ_uscc"

    @property
    def name(self) -> str:
        return f"organ-seal({self.field})"

    def decide(self, payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
        organ = _field(payload, self.field)
        if not isinstance(organ, str) or not organ:
            return SignerDecision(
                CheckStatus.FAILED,
                f"文档没有机关代码字段 {self.field}, 无法确定应由哪个机关盖章",
                f"the document has no organ code field {self.field}",
            )
        want = f"机关印章 (统一社会信用代码 {mask_identifier(organ)})"
        if subject.kind is SubjectKind.ORGANISATION and subject.value(IdentityKind.USCC) == organ:
            return SignerDecision(
                CheckStatus.PASSED,
                f"签名者为文档所载机关的印章 {mask_identifier(organ)} ({subject.describe()})",
                f"signed by the seal of the document's organ {mask_identifier(organ)}",
            )
        why = {
            SubjectKind.PERSON: "签名证书属于个人, 不是机关印章",
            SubjectKind.ORGANISATION: "签名证书属于另一个机构",
            SubjectKind.DIGEST_ONLY: "签名证书只载有个人标识摘要, 不是机关印章",
            SubjectKind.NONE: "签名证书中没有可识别的统一社会信用代码",
            SubjectKind.AMBIGUOUS: subject.problem or "签名证书的身份标识有歧义",
        }[subject.kind]
        return SignerDecision(
            CheckStatus.FAILED,
            f"该文档只能由机关 {mask_identifier(organ)} 的电子印章签署; {why}",
            f"this document must be sealed by organ {mask_identifier(organ)}; the signing "
            f"certificate is {subject.kind.value.lower()}",
            expected=want,
            found=subject.describe(),
        )


@dataclass(frozen=True)
class PledgorOrProxy:
    """Signed by the pledgor, or by the specially authorised proxy the pledge names."""

    methods: frozenset[SigningMethod] = frozenset(SigningMethod)

    @property
    def name(self) -> str:
        return "pledgor-or-proxy"

    def decide(self, payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
        pledgor = _field(payload, "pledgor")
        if not isinstance(payload, BaseModel) or pledgor is None:
            return SignerDecision(
                CheckStatus.FAILED,
                "承诺书内容未解析为承诺书模型, 无法确定承诺人",
                "the payload is not a parsed pledge; the pledgor is unknown",
            )
        if ctx.method not in self.methods:
            return SignerDecision(
                CheckStatus.FAILED,
                f"策略不接受签署方式 {ctx.method.value}",
                f"the policy does not accept signing method {ctx.method.value}",
            )
        if ctx.method in (SigningMethod.PLATFORM_ATTESTED, SigningMethod.WINDOW_HANDWRITTEN):
            return _decide_attested(payload, subject, ctx)
        parties = [("承诺人", "the pledgor", pledgor)]
        proxy = _field(payload, "proxy")
        gap = proxy_shortfall(payload)
        if proxy is not None and gap is None:
            parties.append(("承诺书载明的特别授权代为承诺人", "the named proxy", proxy.party))
        elif proxy is not None and _match_party(
            proxy.party.id_type.value, proxy.party.id_number, subject, ctx
        ):
            # the proxy signed, but its authorisation does not cover this pledge
            # (another matter, other proofs, not valid on the signing date, not express).
            assert gap is not None
            return SignerDecision(
                CheckStatus.FAILED,
                f"代为承诺人 {mask_identifier(proxy.party.id_number)} 的特别授权不涵盖本承诺书: "
                f"{gap.message} (R-024)",
                f"the proxy's special authorisation does not cover this pledge: "
                f"{gap.message_en} (R-024)",
                expected="特别授权: 明确授权代为承诺、本事项、全部承诺的证明事项、签署日在有效期内",
                found=gap.message,
            )
        undecided = False
        for label_zh, label_en, party in parties:
            verdict = _match_party(party.id_type.value, party.id_number, subject, ctx)
            if verdict is True and party is not pledgor:
                why = grant_problem(payload, proxy, ctx)
                if why is not None:
                    return SignerDecision(
                        CheckStatus.INDETERMINATE if why[0] else CheckStatus.FAILED,
                        f"签名者为承诺书所载代为承诺人 {mask_identifier(party.id_number)}, "
                        f"但{why[1]}",
                        f"signed by the named proxy {mask_identifier(party.id_number)}, but "
                        + why[2],
                        expected=f"承诺人 {mask_identifier(pledgor.id_number)} 签署的特别授权书",
                        found=subject.describe(),
                    )
            if verdict is True:
                return SignerDecision(
                    CheckStatus.PASSED,
                    f"签名者为{label_zh} {mask_identifier(party.id_number)} ({subject.describe()})",
                    f"signed by {label_en} {mask_identifier(party.id_number)}",
                )
            undecided = undecided or verdict is None
        want = " 或 ".join(f"{z} {mask_identifier(p.id_number)}" for z, _, p in parties)
        want_en = " or ".join(f"{e} {mask_identifier(p.id_number)}" for _, e, p in parties)
        if undecided:
            return SignerDecision(
                CheckStatus.INDETERMINATE,
                f"签名证书只载有身份标识的加盐摘要, 验证方未配置摘要密钥, 无法确认是否为{want}",
                f"the certificate carries only a salted digest and no digest key is configured; "
                f"cannot tell whether it is {want_en}",
                expected=want,
                found=subject.describe(),
            )
        extra = f"; {subject.problem}" if subject.problem else ""
        return SignerDecision(
            CheckStatus.FAILED,
            f"承诺书须由{want}签署, 签名证书不属于其中任何一人{extra}",
            f"the pledge must be signed by {want_en}; the signing certificate is neither",
            expected=want,
            found=subject.describe(),
        )


def proxy_shortfall(payload: Any) -> AuthorizationShortfall | None:
    """Why the proxy a pledge names may not pledge for it (None: no proxy, or its special
    authorisation covers this pledge's matter, proofs and signing date; R-024)."""
    proxy = _field(payload, "proxy")
    if proxy is None:
        return None
    auth: SpecialAuthorization = proxy.authorization
    return auth.shortfall(
        matter_code=payload.matter_code,
        entry_ids=[i.entry_id for i in payload.items],
        on=payload.signed_at.date(),
    )


def _decide_attested(payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
    """PLATFORM_ATTESTED / WINDOW_HANDWRITTEN: the seal that signed the pledge must be the
    one whose evidence for this pledge verified (and for a platform other than the
    pledge's organ, one trusted for platform attestation)."""
    organ = _field(payload, "organ_uscc")
    seal = subject.value(IdentityKind.USCC) if subject.kind is SubjectKind.ORGANISATION else None
    method = ctx.method.value
    if seal is None:
        return SignerDecision(
            CheckStatus.FAILED,
            f"签署方式 {method} 的承诺书须由平台或机关的电子印章签署, 签名证书不是机构印章",
            f"a {method} pledge must be sealed by a platform or organ; the certificate is "
            f"{subject.kind.value.lower()}",
            expected="机构电子印章",
            found=subject.describe(),
        )
    gap = proxy_shortfall(payload)
    if gap is not None:  # the pledge says a proxy made it; R-024 decides whether it could
        return SignerDecision(
            CheckStatus.FAILED,
            f"承诺书载明的代为承诺人的特别授权不涵盖本承诺书: {gap.message} (R-024)",
            f"the named proxy's special authorisation does not cover this pledge: "
            f"{gap.message_en} (R-024)",
            found=gap.message,
        )
    proxy = _field(payload, "proxy")
    if proxy is not None and ctx.method is SigningMethod.PLATFORM_ATTESTED:
        # the platform vouches that the proxy authenticated, not that the applicant
        # authorised them; that needs the applicant's own signed grant, as for a proxy's
        # signature. (At the window the clerk sees the paper authorisation in person.)
        why = grant_problem(payload, proxy, ctx)
        if why is not None:
            return SignerDecision(
                CheckStatus.INDETERMINATE if why[0] else CheckStatus.FAILED,
                f"平台作证的承诺书载明代为承诺人 {mask_identifier(proxy.party.id_number)}, "
                f"但{why[1]}",
                f"a platform-attested pledge names the proxy "
                f"{mask_identifier(proxy.party.id_number)}, but {why[2]}",
                expected="承诺人签署的特别授权书",
                found=subject.describe(),
            )
    if ctx.method is SigningMethod.WINDOW_HANDWRITTEN and seal != organ:
        return SignerDecision(
            CheckStatus.FAILED,
            f"窗口手写签署的承诺书须由受理机关 {mask_identifier(str(organ))} 盖章",
            "a window-handwritten pledge must be sealed by the pledge's organ",
            expected=f"机关印章 {mask_identifier(str(organ))}",
            found=subject.describe(),
        )
    if (
        ctx.method is SigningMethod.PLATFORM_ATTESTED
        and seal != organ
        and "platform_attestation" not in ctx.anchor_purposes
    ):
        return SignerDecision(
            CheckStatus.FAILED,
            "作证平台的印章证书不链接到验证方为平台作证配置的信任锚 (platform_attestation)",
            "the attesting platform's seal does not chain to an anchor the verifier "
            "configured for platform attestation",
            expected="平台作证信任锚签发的印章, 或受理机关自己的印章",
            found=subject.describe(),
        )
    if seal not in ctx.attesters:
        return SignerDecision(
            CheckStatus.FAILED,
            f"印章 {mask_identifier(seal)} 没有为该承诺书出具有效的{_EVIDENCE_ZH[method]}",
            f"the seal {mask_identifier(seal)} has no valid evidence ({method}) for this pledge",
            expected=f"同一印章签署、绑定本承诺书摘要的{_EVIDENCE_ZH[method]}",
            found=", ".join(mask_identifier(a) for a in sorted(ctx.attesters)) or "无",
        )
    return SignerDecision(
        CheckStatus.PASSED,
        f"签署方式 {method}: 由 {mask_identifier(seal)} 盖章, 并附其签署的{_EVIDENCE_ZH[method]}",
        f"{method}: sealed by {mask_identifier(seal)} with its evidence for this pledge",
    )


_EVIDENCE_ZH = {
    "PLATFORM_ATTESTED": "实名认证记录",
    "WINDOW_HANDWRITTEN": "窗口见证记录",
}


def _match_party(
    id_type: str, id_number: str, subject: SubjectIdentity, ctx: SignerContext
) -> bool | None:
    """True = this certificate identifies the party; False = not; None = cannot tell."""
    digest = subject.value(IdentityKind.ID_DIGEST)
    digest_ok: bool | None = None
    if digest is not None and ctx.identifier_digest is not None:
        want = ctx.identifier_digest(id_number)
        digest_ok = digest in ({want} if isinstance(want, str) else set(want))
    if id_type == "RESIDENT_ID" and subject.kind is SubjectKind.PERSON:
        return subject.value(IdentityKind.RESIDENT_ID) == id_number and digest_ok is not False
    if id_type == "USCC" and subject.kind is SubjectKind.ORGANISATION:
        return subject.value(IdentityKind.USCC) == id_number
    if subject.kind is SubjectKind.DIGEST_ONLY:
        return digest_ok
    return False


@dataclass(frozen=True)
class Grantor:
    """Signed by the grantor a special authorisation (``proxy-authorization``) names."""

    @property
    def name(self) -> str:
        return "grantor"

    def decide(self, payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
        grantor = _field(payload, "grantor")
        if not isinstance(payload, BaseModel) or grantor is None:
            return SignerDecision(
                CheckStatus.FAILED,
                "授权书内容未解析为授权书模型, 无法确定授权人",
                "the payload is not a parsed authorisation; the grantor is unknown",
            )
        who = mask_identifier(grantor.id_number)
        verdict = _match_party(grantor.id_type.value, grantor.id_number, subject, ctx)
        if verdict is True:
            return SignerDecision(
                CheckStatus.PASSED,
                f"签名者为授权人 {who} ({subject.describe()})",
                f"signed by the grantor {who}",
            )
        if verdict is None:
            return SignerDecision(
                CheckStatus.INDETERMINATE,
                "签名证书只载有身份标识的加盐摘要, 验证方未配置摘要密钥, "
                f"无法确认是否为授权人 {who}",
                f"cannot tell whether the digest-only certificate is the grantor {who}",
                expected=f"授权人 {who}",
                found=subject.describe(),
            )
        return SignerDecision(
            CheckStatus.FAILED,
            f"特别授权书须由授权人 (申请人) {who} 本人签署, 签名证书不是授权人的",
            f"a special authorisation must be signed by the grantor {who}; the signing "
            "certificate is not the grantor's",
            expected=f"授权人 {who}",
            found=subject.describe(),
        )


@dataclass(frozen=True)
class UnsafeAnySigner:
    """Any signer whose chain is trusted may sign (identity not checked).

    Use only for payload types whose signer does not matter to you; the report says
    that the identity was not checked.
    """

    @property
    def name(self) -> str:
        return "unsafe-any-signer"

    def decide(self, payload: Any, subject: SubjectIdentity, ctx: SignerContext) -> SignerDecision:
        return SignerDecision(
            CheckStatus.PASSED,
            "策略对该文档类型不检查签名者身份 (UnsafeAnySigner)",
            "the policy does not check the signer's identity for this type (UnsafeAnySigner)",
        )


#: Organ-issued payload types (short names) and the field holding the organ's USCC.
ORGAN_DOCUMENT_TYPES: dict[str, str] = {
    "notice": "organ_uscc",
    "verification": "organ_uscc",
    "disposition": "organ_uscc",
    "credit-record": "organ_uscc",
    "draw": "organ_uscc",
    "disclosure": "organ_uscc",
    "journal-checkpoint": "organ_uscc",
    "archive-manifest": "organ_uscc",
    "evidence-manifest": "organ_uscc",
    "authentication-record": "platform_uscc",
    "window-attestation": "organ_uscc",
}


def _default_rules() -> dict[str, SignerRule]:
    rules: dict[str, SignerRule] = {
        media_type(name): OrganSeal(fld) for name, fld in ORGAN_DOCUMENT_TYPES.items()
    }
    rules[media_type("pledge")] = PledgorOrProxy()
    rules[media_type("proxy-authorization")] = Grantor()
    return rules


IdentityHook = Callable[[x509.Certificate], Iterable[CertificateIdentity]]


@dataclass(frozen=True)
class SignerPolicy:
    """Who may sign which payload type; pass it as ``validate(..., policy=...)``.

    Args:
        rules: payload type (full media type) → rule. Default: the strict built-in rules.
        readers: identity readers (default: the built-in ones for the common encodings).
        identity_hook: extra identities per certificate, e.g. a plugin host's
            ``gaozhi_certificate_identities`` (:meth:`PluginHost.certificate_identities`).
        identifier_digest: ``id_number →`` the deployment's keyed digest(s) as 64 lower-hex
            (one string, or several, e.g. under every key after a rotation), to match
            certificates that carry only the digest (without it such a match is
            INDETERMINATE).
        pinned_identities: keyid → identities, for signers trusted by a pinned key (a
            pinned key has no certificate to read an identity from).
        policy_id: named in every report.
        event_certificate_max_validity_s: the longest validity (seconds, default 600 =
            10 minutes) a certificate may have to count as an event certificate
            (``EVENT_CERTIFICATE``, DESIGN §4a).
        authentication_max_age_s: how long (seconds, default 1800 = 30 minutes) a
            real-name authentication may precede the pledge's signing time and still
            vouch for it (DESIGN §4a, R-035): a ``PLATFORM_ATTESTED`` pledge whose
            authentication record is older, or later by more than 5 minutes of clock skew,
            does not verify; the service also refuses such a pledge, and an event
            certificate it obtained on an older authentication (GZ-SG-089). The default
            covers the longest regular path: a 15-minute authentication session, then a
            10-minute event certificate.
    """

    rules: Mapping[str, SignerRule] = field(default_factory=_default_rules)
    readers: Sequence[IdentityReader] = BUILTIN_READERS
    identity_hook: IdentityHook | None = None
    identifier_digest: DigestFunction | None = None
    pinned_identities: Mapping[str, Sequence[CertificateIdentity]] = field(default_factory=dict)
    policy_id: str = "gaozhi:signer-policy:strict:1"
    event_certificate_max_validity_s: int = 600
    authentication_max_age_s: int = 1800
    _cache: dict[tuple[str, str, str], Check] = field(
        default_factory=dict, compare=False, repr=False, init=False
    )
    _subjects: dict[str, SubjectIdentity] = field(
        default_factory=dict, compare=False, repr=False, init=False
    )
    _lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False, init=False
    )

    def with_rules(self, rules: Mapping[str, SignerRule]) -> SignerPolicy:
        """A copy with ``rules`` added (or replacing rules of the same payload types)."""
        return dataclasses.replace(self, rules={**self.rules, **rules})

    def with_options(self, **changes: Any) -> SignerPolicy:
        """A copy with other options (``identity_hook``, ``identifier_digest``,
        ``readers``, ``pinned_identities``, ``policy_id``) changed; caches start empty."""
        return dataclasses.replace(self, **changes)

    def rule_for(self, payload_type: str) -> SignerRule | None:
        """The rule for a payload type, or None (then every signer is refused)."""
        return self.rules.get(payload_type)

    def subject_of(self, cert: x509.Certificate, fp: str | None = None) -> SubjectIdentity:
        """Whom ``cert`` identifies under this policy's readers (cached per certificate;
        ``fp``: its SHA-256 fingerprint in hex, when the caller already has it)."""
        fp = fp or cert.fingerprint(hashes.SHA256()).hex()
        found = self._subjects.get(fp)
        if found is None:
            extra = list(self.identity_hook(cert)) if self.identity_hook is not None else []
            found = read_subject_identity(cert, self.readers, extra)
            with self._lock:
                if len(self._subjects) >= 4096:
                    self._subjects.clear()
                self._subjects[fp] = found
        return found

    def check(
        self,
        payload_type: str,
        payload: BaseModel | bytes | None,
        leaf: x509.Certificate | None,
        keyid: str,
        leaf_fp: str | None = None,
        *,
        method: SigningMethod = SigningMethod.CERTIFICATE,
        attesters: frozenset[str] = frozenset(),
        anchor_purposes: frozenset[str] = frozenset(),
        trust: Any = None,
        at: datetime | None = None,
    ) -> Check:
        """The ``signer_policy`` check of one signature (see the module docstring).

        ``method``, ``attesters`` and ``anchor_purposes`` come from the validation of the
        bundle's signing-method evidence (DESIGN §4a): the claimed method, the seals whose
        evidence for this pledge verified, and the purposes of the signer's anchor.
        ``trust`` / ``at``: the verifier's trust store and the signature's validation time,
        for evidence the document carries (a proxy's signed special authorisation, R-024).
        """
        rule = self.rule_for(payload_type)
        if rule is None:
            return _fail(
                f"验证策略 {self.policy_id} 未规定谁可以签署文档类型 {payload_type}, 不予采信",
                f"the policy {self.policy_id} has no signer rule for {payload_type}",
                expected="策略中该文档类型的签名者规则",
                found=payload_type,
                remedy="如信任该类型的签名者, 在 SignerPolicy.with_rules 中为其增加规则",
            )
        if payload is None:
            return Check(
                name="signer_policy",
                status=CheckStatus.SKIPPED,
                message="文档内容无法解析, 未检查签名者身份",
                message_en="the payload did not parse; the signer was not checked",
            )
        if isinstance(payload, bytes):
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = None
        if leaf is not None:
            fp = leaf_fp or leaf.fingerprint(hashes.SHA256()).hex()
            subject = self.subject_of(leaf, fp)
        else:
            pinned = tuple(self.pinned_identities.get(keyid, ()))
            subject = read_subject_identity(_NO_CERT, (), pinned)
            fp = f"pin:{keyid}"
        what = _payload_key(payload, rule)
        if what is not None:
            what += f"|{method.value}|{','.join(sorted(attesters))}|"
            what += ",".join(sorted(anchor_purposes))
        key = (fp, payload_type, what or "")
        cached = self._cache.get(key) if what is not None else None
        if cached is not None:
            return cached
        ctx = SignerContext(
            self.identifier_digest,
            method,
            attesters,
            anchor_purposes,
            trust=trust,
            at=at,
            policy=self,
        )
        d = rule.decide(payload, subject, ctx)
        if d.status is CheckStatus.PASSED:
            out = Check(
                name="signer_policy",
                status=CheckStatus.PASSED,
                message=f"[{rule.name}] {d.message}",
                message_en=f"[{rule.name}] {d.message_en}",
            )
            if what is not None:
                with self._lock:
                    if len(self._cache) >= 4096:
                        self._cache.clear()
                    self._cache[key] = out
            return out
        if d.status is CheckStatus.INDETERMINATE:
            return Check(
                name="signer_policy",
                status=CheckStatus.INDETERMINATE,
                sub_indication=SubIndication.SIG_CONSTRAINTS_FAILURE,
                message=f"[{rule.name}] {d.message}",
                message_en=f"[{rule.name}] {d.message_en}",
                expected=d.expected,
                found=d.found,
                remedy="以部署的标识摘要密钥构造 SignerPolicy(identifier_digest=...); 或提供验证"
                "所附证据 (如特别授权书) 所需的信任锚",
                remedy_en="pass the deployment's digest key as identifier_digest, or the "
                "anchors that verify the evidence the document carries (a special authorisation)",
            )
        return _fail(
            f"[{rule.name}] {d.message}",
            f"[{rule.name}] {d.message_en}",
            expected=d.expected,
            found=d.found,
            remedy="不要采信该文档: 签名者无权签署此类文档",
        )


def _payload_key(payload: Any, rule: SignerRule) -> str | None:
    """What the built-in rule's decision depends on (the organ code it reads, or the
    parties' identifiers); None for other rules, whose decisions are never cached (their
    inputs are unknown: a cached PASSED could be reused for another document)."""
    if type(rule) is OrganSeal:
        return f"organ:{rule.field}:{_field(payload, rule.field)!r}"
    if type(rule) is not PledgorOrProxy or _field(payload, "proxy") is not None:
        return None  # a proxy's decision rests on the whole pledge and its grant
    pledgor = _field(payload, "pledgor")
    parts = [f"{_field(pledgor, 'id_type')}:{_field(pledgor, 'id_number')}"]
    proxy = _field(payload, "proxy")
    party = _field(proxy, "party")
    # whether the proxy's authorisation covers this pledge (matter, proofs, signing date)
    # and the organ are part of the decision: a PASSED for one pledge is no answer for
    # another naming the same parties (R-024, DESIGN §4a).
    gap = proxy_shortfall(payload) if isinstance(payload, BaseModel) else None
    cover = "-" if proxy is None else ("covers" if gap is None else gap.kind)
    parts.append(f"{_field(party, 'id_type')}:{_field(party, 'id_number')}:{cover}")
    parts.append(f"organ:{_field(payload, 'organ_uscc')!r}")
    return "pledge:" + "|".join(parts)


def _fail(
    message: str,
    message_en: str,
    *,
    expected: str | None = None,
    found: str | None = None,
    remedy: str | None = None,
) -> Check:
    return Check(
        name="signer_policy",
        status=CheckStatus.FAILED,
        sub_indication=SubIndication.SIGNER_NOT_AUTHORISED,
        message=message,
        message_en=message_en,
        expected=expected,
        found=found,
        remedy=remedy,
        remedy_en="do not rely on this document: its signer is not entitled to sign it",
    )


class _NoCert:
    """Stands in for a certificate when a pinned key signed (no reader finds anything)."""


_NO_CERT: Any = _NoCert()

#: The strict default policy (see the module docstring).
DEFAULT_POLICY = SignerPolicy()
