"""Validation of bundles: :func:`validate` returns a report, :func:`verify` raises (DESIGN §3, §4).

Checks, in order (names as they appear in reports):

bundle level
    ``bundle_format`` (strict parse; ``FORMAT_FAILURE``), ``payload_canonical`` (JSON
    payloads of gaozhi types are exactly their JCS bytes — no duplicate keys, whitespace
    or other order; ``FORMAT_FAILURE``), ``payload_model`` (payloads of
    registered types parse into their model; ``FORMAT_FAILURE``), ``revocation_data``
    (carried CRLs/OCSP responses parse; ``FORMAT_FAILURE``).
per signature
    ``signer_material`` (material for the keyid; ``NO_SIGNING_CERTIFICATE_FOUND``),
    ``key_id`` (keyid = SHA-256 of the leaf's / publicKey's SPKI; ``FORMAT_FAILURE``),
    ``key_allowed`` (algorithm derived only from the trusted key;
    ``CRYPTO_CONSTRAINTS_FAILURE``), ``signature_crypto`` (over the DSSE PAE;
    ``SIG_CRYPTO_FAILURE``), ``certificate_chain`` (path to a trusted root at the
    validation time; ``NO_CERTIFICATE_CHAIN_FOUND`` / ``OUT_OF_BOUNDS_NO_POE`` /
    ``CHAIN_CONSTRAINTS_FAILURE``) or ``pinned_key`` (a bare publicKey must be pinned;
    ``NO_CERTIFICATE_CHAIN_FOUND``), ``signer_policy`` (the signer is entitled to sign
    this payload type, :mod:`gaozhi_sdk.esign.policy`; ``SIGNER_NOT_AUTHORISED``),
    ``timestamp`` (every RFC 3161 token verifies over
    SHA-256 of the signature bytes with a TSA chain to a *time-stamping* anchor —
    ``HASH_FAILURE`` / ``SIG_CRYPTO_FAILURE`` / ``NO_SIGNING_CERTIFICATE_FOUND`` /
    ``NO_CERTIFICATE_CHAIN_FOUND``; the
    earliest genTime is the *best signature time*), ``revocation`` (CRL/OCSP carried in
    the bundle, :mod:`gaozhi_sdk.esign.revocation`; ``REVOKED`` / ``TRY_LATER``).

Validation time of a signature's chain and revocation: the caller's ``at`` if given
(``CALLER``), else the best signature time (``TIMESTAMP``), else the verifier's clock
(``SYSTEM_CLOCK``); each signature report says which, and so does the report.

Every signature of a bundle must pass for the bundle to be TOTAL_PASSED; the overall
result is the worst signature (TOTAL_FAILED > INDETERMINATE > TOTAL_PASSED).
"""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, NamedTuple

from pydantic import BaseModel

from gaozhi_sdk.canonical import is_canonical_json
from gaozhi_sdk.errors import BundleFormatError, GaozhiError, SignatureError
from gaozhi_sdk.esign._fast import trusted
from gaozhi_sdk.esign.bundle import Bundle, Revocation, SignerMaterial
from gaozhi_sdk.esign.chain import _fp as _cert_fp
from gaozhi_sdk.esign.chain import parse_chain, validate_chain
from gaozhi_sdk.esign.keys import KeyRejected, key_verifier_for, keyid_from_spki
from gaozhi_sdk.esign.methods import check_signing_method, event_certificate_check
from gaozhi_sdk.esign.payload_types import GAOZHI_TYPE_PREFIX, model_for, parse_payload
from gaozhi_sdk.esign.policy import DEFAULT_POLICY, SignerPolicy
from gaozhi_sdk.esign.report import (
    REPORT_SCHEMA_VERSION,
    Check,
    CheckStatus,
    Indication,
    SignatureReport,
    SubIndication,
    ValidationTimeSource,
    VerificationReport,
    indication_for,
)
from gaozhi_sdk.esign.revocation import (
    RevocationData,
    RevocationFetcher,
    check_revocation,
    load_revocation,
    timestamp_authority_problem,
)
from gaozhi_sdk.esign.timestamps import TimestampInfo, TimestampProblem, verify_timestamp
from gaozhi_sdk.esign.trust import TrustStore
from gaozhi_sdk.models.signing import SigningMethod

__all__ = ["POLICY_ID", "POLICY_VERSION", "VerifiedPayload", "payload_model", "validate", "verify"]

#: The validation policy implemented here (reports carry it).
POLICY_ID = "gaozhi:bundle:v1:2026-1"
#: Its version: 2 = time-stamps give the best signature time, CRL/OCSP evaluated;
#: 3 = signer policy (who may sign which type) and canonical (JCS) payloads enforced.
POLICY_VERSION = "3"

_TOOL: dict[str, str] | None = None


def _tool_versions() -> dict[str, str]:
    global _TOOL  # noqa: PLW0603 - computed once, read-only afterwards
    if _TOOL is None:
        out = {"python": platform.python_version()}
        for dist in ("gaozhi-sdk", "cryptography", "pydantic", "asn1crypto"):
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = "unknown"
        _TOOL = out
    return dict(_TOOL)


class VerifiedPayload(NamedTuple):
    """What :func:`~gaozhi_sdk.esign.verify` returns: the payload (model; bytes for unknown
    types) and report."""

    payload: BaseModel | bytes
    report: VerificationReport


def _passed(name: str) -> Check:
    return Check(name=name, status=CheckStatus.PASSED)


_P_MATERIAL = _passed("signer_material")
_P_KEYID = _passed("key_id")
_P_KEY = _passed("key_allowed")
_P_CRYPTO = _passed("signature_crypto")
_P_PIN = _passed("pinned_key")
_P_FORMAT = _passed("bundle_format")
_P_MODEL = _passed("payload_model")


def _not_canonical(payload: bytes) -> Check:
    return Check(
        name="payload_canonical",
        status=CheckStatus.FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        message="文档内容不是其 JSON 的规范形式 (RFC 8785 JCS): 有重复键、多余空白、键序不同或"
        "转义不同, 同一签名可能被读成不同的文档",
        message_en="the payload is not the JCS (RFC 8785) form of its JSON: duplicate keys, "
        "whitespace, key order or escaping differ",
        expected="JCS 字节 (签名工具 sign() 生成的形式)",
        found=f"{len(payload)} 字节, SHA-256 {hashlib.sha256(payload).hexdigest()}, 非 JCS 形式",
        remedy="不要采信该文档: 同一签名可能对应多种解读 (如重复键); 请取得原始证据包",
        remedy_en="do not rely on it: the same signature could be read several ways",
    )


_NO_TST = Check(
    name="timestamp",
    status=CheckStatus.SKIPPED,
    message="未附时间戳; 验证时间取调用方指定时间或验证方系统时钟",
    message_en="no time-stamp; the validation time is the caller's or the verifier's clock",
)


_chain_checks: dict[tuple[str, ...], Check] = {}


def _chain_passed(fingerprints: tuple[str, ...]) -> Check:
    found = _chain_checks.get(fingerprints)
    if found is None:
        found = Check(
            name="certificate_chain", status=CheckStatus.PASSED, evidence_refs=list(fingerprints)
        )
        if len(_chain_checks) >= 4096:
            _chain_checks.clear()
        _chain_checks[fingerprints] = found
    return found


def _problem(name: str, sub: SubIndication, message: str, message_en: str, **kw: Any) -> Check:
    status = (
        CheckStatus.FAILED
        if indication_for(sub) is Indication.TOTAL_FAILED
        else CheckStatus.INDETERMINATE
    )
    return Check(
        name=name,
        status=status,
        sub_indication=sub,
        message=message,
        message_en=message_en,
        **kw,
    )


def _result(checks: list[Check]) -> tuple[Indication, SubIndication | None]:
    indeterminate: SubIndication | None = None
    for c in checks:
        if c.status is CheckStatus.FAILED:
            return Indication.TOTAL_FAILED, c.sub_indication
        if c.status is CheckStatus.INDETERMINATE and indeterminate is None:
            indeterminate = c.sub_indication
    if indeterminate is not None:
        return Indication.INDETERMINATE, indeterminate
    return Indication.TOTAL_PASSED, None


def _validation_time(at: datetime | None) -> tuple[datetime, ValidationTimeSource]:
    if at is None:
        return datetime.now(UTC).replace(microsecond=0), ValidationTimeSource.SYSTEM_CLOCK
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise SignatureError(
            "GZ-SG-030",
            "验证时间 at 须为带时区的 datetime",
            message_en="the validation time `at` must be a timezone-aware datetime",
        )
    return at.astimezone(UTC), ValidationTimeSource.CALLER


class _Options(NamedTuple):
    at: datetime | None
    now: datetime
    require_revocation: bool
    fetcher: RevocationFetcher | None
    revocation: Revocation | None = None
    policy: SignerPolicy = DEFAULT_POLICY
    payload_type: str = ""
    payload: BaseModel | bytes | None = None
    method: SigningMethod = SigningMethod.CERTIFICATE
    attesters: frozenset[str] = frozenset()
    signer_trust: TrustStore | None = None


def validate(
    bundle: Bundle | bytes | str,
    trust: TrustStore,
    *,
    at: datetime | None = None,
    require_revocation: bool = False,
    revocation_fetcher: RevocationFetcher | None = None,
    revocation: Revocation | None = None,
    policy: SignerPolicy = DEFAULT_POLICY,
) -> VerificationReport:
    """Validate a bundle and return the report; never raises on a bad bundle.

    Args:
        bundle: a :class:`~gaozhi_sdk.esign.bundle.Bundle` or its JSON (bytes/str).
            Malformed input gives a TOTAL_FAILED / FORMAT_FAILURE report.
        trust: the verifier's roots and pinned keys.
        at: the validation time (aware); overrides time-stamps. Default: each signature's
            best signature time (verified time-stamp), else now; the report says which.
        require_revocation: policy option — missing CRL/OCSP data for a certificate gives
            INDETERMINATE / TRY_LATER instead of a skipped check.
        revocation_fetcher: an explicit fetcher for missing revocation data; None (the
            default) means strictly offline — no socket is opened.
        revocation: CRLs / OCSP responses (DER) the verifier brings, used beside the
            bundle's own; data that cannot be verified (wrong signer, delegated
            responder not entitled) is ignored with a warning.
        policy: who may sign which payload type (:class:`~gaozhi_sdk.esign.policy.SignerPolicy`);
            default :data:`~gaozhi_sdk.esign.policy.DEFAULT_POLICY` (strict). A signer the
            policy does not entitle gives TOTAL_FAILED / SIGNER_NOT_AUTHORISED.

    Raises:
        SignatureError: ``GZ-SG-030`` only if ``at`` is not an aware datetime.
    """
    return _validate(bundle, trust, at, require_revocation, revocation_fetcher, revocation, policy)[
        0
    ]


def verify(
    bundle: Bundle | bytes | str,
    trust: TrustStore,
    *,
    at: datetime | None = None,
    require_revocation: bool = False,
    revocation_fetcher: RevocationFetcher | None = None,
    revocation: Revocation | None = None,
    policy: SignerPolicy = DEFAULT_POLICY,
) -> VerifiedPayload:
    """Validate and return ``(payload, report)``; raise unless TOTAL_PASSED.

    The payload is the parsed model for registered payload types, else the raw bytes.
    Arguments as for :func:`validate` (``policy``: the signer policy, strict by default).

    Raises:
        SignatureError: ``GZ-SG-010`` with ``.report`` when the result is not TOTAL_PASSED.
    """
    report, payload = _validate(
        bundle, trust, at, require_revocation, revocation_fetcher, revocation, policy
    )
    if report.indication is not Indication.TOTAL_PASSED or payload is None:
        first = next(iter(report.problems()), None)
        why = f": {first.message}" if first is not None and first.message else ""
        why_en = f": {first.message_en}" if first is not None and first.message_en else ""
        sub = report.sub_indication.value if report.sub_indication else "-"
        raise SignatureError(
            "GZ-SG-010",
            f"签名验证未通过 ({report.indication.value}/{sub}){why}",
            message_en=f"signature verification did not pass ({report.indication.value}/{sub})"
            + why_en,
            report=report,
            details={"indication": report.indication.value, "sub_indication": sub},
        )
    return VerifiedPayload(payload, report)


def payload_model(bundle: Bundle | bytes | str) -> BaseModel | None:
    """Parse the payload into its registered model **without checking any signature**.

    Returns:
        The model, or None when the payload type is not registered.

    Raises:
        BundleFormatError: malformed bundle (``GZ-SG-1xx``) or payload (``GZ-SG-110``).
    """
    b = bundle if isinstance(bundle, Bundle) else Bundle.from_json(bundle)
    return parse_payload(b.payload_type, b.payload)


def _format_failure_report(
    exc: GaozhiError,
    vt: datetime,
    src: ValidationTimeSource,
    trust: TrustStore,
    bundle_digest: dict[str, str],
) -> VerificationReport:
    required = (exc.details or {}).get("required_version")
    check = _problem(
        "bundle_format",
        SubIndication.FORMAT_FAILURE,
        f"[{exc.code}] {exc.message}",
        f"[{exc.code}] {exc.message_en or exc.message}",
        expected="application/vnd.gaozhi.bundle+json;version=1 格式的证据包",
        found=f"需要证据包格式版本 {required}" if required else exc.code,
        remedy=(
            f"请使用支持证据包格式版本 {required} 的 gaozhi-sdk 验证"
            if required
            else "证据包已损坏或被改动, 或由不兼容的工具生成; 请取得原始证据包"
        ),
        remedy_en=(
            f"use a gaozhi-sdk release that reads bundle format version {required}"
            if required
            else "the bundle is damaged, altered or from an incompatible tool"
        ),
    )
    return VerificationReport(
        validation_time=vt,
        validation_time_source=src,
        policy_id=POLICY_ID,
        policy_version=POLICY_VERSION,
        bundle_digest=bundle_digest,
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        checks=[check],
        trust_store_digest=trust.digest(),
        tool=_tool_versions(),
    )


def _validate(
    data: Bundle | bytes | str,
    trust: TrustStore,
    at: datetime | None,
    require_revocation: bool = False,
    fetcher: RevocationFetcher | None = None,
    revocation: Revocation | None = None,
    policy: SignerPolicy = DEFAULT_POLICY,
) -> tuple[VerificationReport, BaseModel | bytes | None]:
    vt, src = _validation_time(at)
    if not isinstance(policy, SignerPolicy):
        raise SignatureError(
            "GZ-SG-031",
            "policy 须为 SignerPolicy (签名者策略)",
            message_en="`policy` must be a SignerPolicy",
        )
    opts = _Options(
        at=vt if at is not None else None,
        now=vt,
        require_revocation=require_revocation,
        fetcher=fetcher,
        revocation=revocation,
        policy=policy,
    )
    bundle_digest: dict[str, str] = {}
    if isinstance(data, Bundle):
        bundle = data
    else:
        if isinstance(data, bytes | bytearray):
            bundle_digest = {"sha256": hashlib.sha256(data).hexdigest()}
        try:
            bundle = Bundle.from_json(data)
        except BundleFormatError as exc:
            return _format_failure_report(exc, vt, src, trust, bundle_digest), None
    try:
        return _validate_bundle(bundle, trust, vt, src, bundle_digest, opts)
    except Exception as exc:
        check = _problem(
            "internal",
            SubIndication.POLICY_PROCESSING_ERROR,
            f"验证过程出现内部错误 ({type(exc).__name__}); 结论无法确定",
            f"internal error during validation ({type(exc).__name__}: {exc})",
            remedy="请将证据包与本报告提交给 gaozhi-sdk 维护者",
            remedy_en="please report this bundle and report to the gaozhi-sdk maintainers",
        )
        report = VerificationReport(
            validation_time=vt,
            validation_time_source=src,
            policy_id=POLICY_ID,
            policy_version=POLICY_VERSION,
            payload_type=bundle.payload_type,
            bundle_digest=bundle_digest,
            indication=Indication.INDETERMINATE,
            sub_indication=SubIndication.POLICY_PROCESSING_ERROR,
            checks=[check],
            trust_store_digest=trust.digest(),
            tool=_tool_versions(),
        )
        return report, None


def _validate_bundle(
    bundle: Bundle,
    trust: TrustStore,
    vt: datetime,
    src: ValidationTimeSource,
    bundle_digest: dict[str, str],
    opts: _Options,
) -> tuple[VerificationReport, BaseModel | bytes | None]:
    payload = bundle.payload
    ptype = bundle.payload_type
    signed = bundle.pae
    warnings: list[str] = []
    checks: list[Check] = [_P_FORMAT]

    # Payloads of known types must parse into their model (DESIGN §4).
    parsed_payload: BaseModel | bytes | None
    if model_for(ptype) is None:
        parsed_payload = payload
        if ptype.startswith(GAOZHI_TYPE_PREFIX) and not is_canonical_json(payload):
            checks.append(_not_canonical(payload))
        checks.append(
            Check(
                name="payload_model",
                status=CheckStatus.SKIPPED,
                message=f"文档类型 {ptype} 未登记模型, 按原始字节返回",
                message_en=f"payload type {ptype} has no registered model; returned as bytes",
            )
        )
        if ptype.startswith(GAOZHI_TYPE_PREFIX):
            warnings.append(
                f"未登记的 gaozhi 文档类型 {ptype} (可能需要更新的 SDK 或插件) / "
                f"unregistered gaozhi payload type {ptype}"
            )
    elif not is_canonical_json(payload):
        parsed_payload = None
        checks.append(_not_canonical(payload))
    else:
        try:
            parsed_payload = parse_payload(ptype, payload)
            checks.append(_P_MODEL)
        except BundleFormatError as exc:
            parsed_payload = None
            checks.append(
                _problem(
                    "payload_model",
                    SubIndication.FORMAT_FAILURE,
                    exc.message,
                    exc.message_en or exc.message,
                    remedy="文档内容与其类型不符: 签名方使用了不兼容的模型版本或文档被伪造",
                    remedy_en="the payload does not match its declared type",
                )
            )

    rev = load_revocation(
        bundle.verification_material.revocation,
        extra=opts.revocation,
        responders=trust.ocsp_responders,
    )
    if rev.unreadable:
        checks.append(
            _problem(
                "revocation_data",
                SubIndication.FORMAT_FAILURE,
                "证据包附带的撤销信息无法解析 (不是 DER 格式的 CRL 或 OCSP 应答): "
                + ", ".join(rev.unreadable),
                "carried revocation data is not DER CRL/OCSP: " + ", ".join(rev.unreadable),
                expected="DER 编码的 X.509 CRL / OCSP 应答",
                found=", ".join(rev.unreadable),
                remedy="证据包已损坏或被改动; 请取得原始证据包",
                remedy_en="the bundle is damaged or altered; obtain the original",
            )
        )

    warnings.extend(w for w in rev.ignored if w not in warnings)
    signed_ids = {s.keyid for s in bundle.dsse_envelope.signatures}
    for m in bundle.verification_material.signers:
        if m.keyid not in signed_ids:
            warnings.append(
                f"签名者材料 {m.keyid[:16]}… 没有对应的签名 / signer material without a signature"
            )

    # How the pledge was signed and its evidence (DESIGN §4a).
    method_outcome = check_signing_method(
        bundle, parsed_payload, trust, at=opts.at, policy=opts.policy, validate_fn=validate
    )
    if method_outcome is not None:
        if method_outcome.recorded:  # a bundle without the field keeps its v1 checks
            checks.append(method_outcome.check)
        opts = opts._replace(
            method=method_outcome.method,
            attesters=method_outcome.attesters,
            signer_trust=method_outcome.signer_trust,
        )
    opts = opts._replace(payload_type=ptype, payload=parsed_payload)
    sig_reports = []
    for s in bundle.dsse_envelope.signatures:
        sr, sig_warnings = _validate_signature(bundle, s.keyid, s.sig, signed, trust, opts, rev)
        sig_reports.append(sr)
        warnings.extend(w for w in sig_warnings if w not in warnings)
    if src is ValidationTimeSource.SYSTEM_CLOCK and sig_reports:
        srcs = {sr.validation_time_source for sr in sig_reports}
        times = [sr.validation_time for sr in sig_reports if sr.validation_time is not None]
        if srcs == {ValidationTimeSource.TIMESTAMP} and times:
            vt, src = min(times), ValidationTimeSource.TIMESTAMP

    indication, sub = _result(checks)
    if indication is Indication.TOTAL_PASSED:
        for sr in sig_reports:
            if sr.indication is Indication.TOTAL_FAILED:
                indication, sub = sr.indication, sr.sub_indication
                break
            if sr.indication is Indication.INDETERMINATE and indication is Indication.TOTAL_PASSED:
                indication, sub = sr.indication, sr.sub_indication

    report = trusted(
        VerificationReport,
        {
            "schema_version": REPORT_SCHEMA_VERSION,
            "report_version": "1",
            "validation_time": vt,
            "validation_time_source": src,
            "policy_id": POLICY_ID,
            "policy_version": POLICY_VERSION,
            "policy_options": {"require_revocation": opts.require_revocation},
            "payload_type": ptype,
            "payload_digest": {"sha256": hashlib.sha256(payload).hexdigest()},
            "bundle_digest": bundle_digest,
            "indication": indication,
            "sub_indication": sub,
            "checks": checks,
            "signatures": sig_reports,
            "signing_method": (
                None
                if method_outcome is None
                else method_outcome.report(
                    bool(sig_reports)
                    and all(sr.indication is Indication.TOTAL_PASSED for sr in sig_reports)
                )
            ),
            "trust_store_digest": trust.digest(),
            "tool": _tool_versions(),
            "warnings": warnings,
        },
    )
    return report, (parsed_payload if indication is Indication.TOTAL_PASSED else None)


def _validate_signature(
    bundle: Bundle,
    kid: str,
    sig: bytes,
    signed: bytes,
    trust: TrustStore,
    opts: _Options,
    rev: RevocationData,
) -> tuple[SignatureReport, list[str]]:
    checks: list[Check] = []
    material = bundle.signer(kid)
    if material is None:
        checks.append(
            _problem(
                "signer_material",
                SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                f"证据包中没有公钥标识为 {kid} 的签名者材料 (证书或公钥)",
                f"no signer material (certificate or public key) for keyid {kid}",
                expected=kid,
                found=", ".join(m.keyid for m in bundle.verification_material.signers) or "-",
                remedy="证据包不完整或公钥标识被改动; 请取得原始证据包",
                remedy_en="the bundle is incomplete or its keyid was altered",
            )
        )
        return _sig_report(kid, None, None, None, checks, ()), []
    checks.append(_P_MATERIAL)
    return _check_material(material, kid, sig, signed, trust, opts, rev, checks)


def _check_material(
    material: SignerMaterial,
    kid: str,
    sig: bytes,
    signed: bytes,
    trust: TrustStore,
    opts: _Options,
    rev: RevocationData,
    checks: list[Check],
) -> tuple[SignatureReport, list[str]]:
    signer_name: str | None = None
    leaf_fp: str | None = None
    parsed = None
    ders = material.chain_der
    if ders:
        try:
            parsed = parse_chain(ders)
        except ValueError as exc:
            checks.append(
                _problem(
                    "certificate_chain",
                    SubIndication.FORMAT_FAILURE,
                    f"证据包中的证书无法解析 (不是合法的 DER X.509 证书): {exc}",
                    f"a certificate in the bundle is not valid DER X.509: {exc}",
                    remedy="证据包已损坏或被改动",
                    remedy_en="the bundle is damaged or altered",
                )
            )
            return _sig_report(kid, None, None, None, checks, ()), []
        signer_name, leaf_fp = parsed.leaf_subject, parsed.leaf_fp
        spki = parsed.leaf_spki
        if spki is None:
            checks.append(
                _problem(
                    "key_allowed",
                    SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
                    f"签名证书的公钥算法不受支持 (证书主题 {signer_name}, SHA-256 {leaf_fp}): "
                    f"{parsed.key_problem}",
                    f"unsupported public key algorithm in the signing certificate "
                    f"{signer_name} (SHA-256 {leaf_fp}): {parsed.key_problem}",
                    remedy="SM2 证书需安装 SM2 插件",
                    remedy_en="SM2 certificates need the SM2 plugin",
                    evidence_refs=[leaf_fp],
                )
            )
            return _sig_report(kid, None, signer_name, leaf_fp, checks, ()), []
    else:
        spki = material.public_key
        assert spki is not None  # guaranteed by SignerMaterial

    actual = keyid_from_spki(spki)
    if actual != kid:
        checks.append(
            _problem(
                "key_id",
                SubIndication.FORMAT_FAILURE,
                "公钥标识与签名者公钥不符: keyid 须为公钥 SubjectPublicKeyInfo DER 的 SHA-256"
                + (f" (证书主题 {signer_name}, SHA-256 {leaf_fp})" if leaf_fp else ""),
                "keyid does not match the SHA-256 of the signer's SubjectPublicKeyInfo",
                expected=actual,
                found=kid,
                remedy="证据包被改动或由不兼容的工具生成",
                remedy_en="the bundle was altered or written by an incompatible tool",
            )
        )
    else:
        checks.append(_P_KEYID)

    verifier = key_verifier_for(spki, material.sm2_signer_id)
    algorithm: str | None = None
    if isinstance(verifier, KeyRejected):
        checks.append(
            _problem(
                "key_allowed",
                SubIndication(verifier.sub_indication),
                verifier.reason_zh,
                verifier.reason_en,
                found=(f"证书主题 {signer_name}, SHA-256 {leaf_fp}" if leaf_fp else None),
                remedy=(
                    "使用允许的签名算法: EC P-256、SM2 (插件)、Ed25519 (预置公钥)、"
                    "RSA ≥ 2048 (仅验证)"
                ),
                remedy_en="use an allowed key: P-256, SM2 (plugin), Ed25519 (pinned), RSA ≥ 2048",
            )
        )
        return _sig_report(kid, None, signer_name, leaf_fp, checks, ()), []
    if verifier.pinned_only and ders:
        checks.append(
            _problem(
                "key_allowed",
                SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
                f"{verifier.algorithm} 密钥只能以预置公钥 (publicKey) 方式使用, 不能通过证书链信任",
                f"{verifier.algorithm} keys are accepted only as pinned publicKey, not via X.509",
                remedy="签名方改用 P-256 证书, 或由验证方预置该公钥",
                remedy_en="use a P-256 certificate, or pin the key",
            )
        )
        return _sig_report(kid, verifier.algorithm, signer_name, leaf_fp, checks, ()), []
    checks.append(_P_KEY)

    algorithm = verifier.verify(sig, signed)
    if algorithm is None:
        checks.append(
            _problem(
                "signature_crypto",
                SubIndication.SIG_CRYPTO_FAILURE,
                "签名值验证失败: 文档内容、文档类型或签名值在签名后被改动, 或签名不是用该密钥做出的"
                + (f" (签名证书主题 {signer_name}, SHA-256 {leaf_fp})" if leaf_fp else ""),
                "the signature does not verify: payload, payload type or signature was altered, "
                "or it was not made with this key",
                expected=f"签名值可由公钥 {actual[:16]}… 按 {verifier.algorithm} 验证通过",
                found="签名值与 DSSE PAE 不匹配",
                remedy="不要信任该文档; 请向签发机关取得原件",
                remedy_en="do not rely on this document; obtain the original from the issuer",
            )
        )
        algorithm = verifier.algorithm
    else:
        checks.append(_P_CRYPTO)

    # Time-stamps → best signature time (DESIGN §4).
    best: datetime | None = None
    if material.timestamps:
        ts_check, best = _timestamp_check(material.timestamps, sig, trust, rev, opts)
        checks.append(ts_check)
    else:
        checks.append(_NO_TST)
    if opts.at is not None:
        vt, vsrc = opts.at, ValidationTimeSource.CALLER
    elif best is not None:
        vt, vsrc = best, ValidationTimeSource.TIMESTAMP
    else:
        vt, vsrc = opts.now, ValidationTimeSource.SYSTEM_CLOCK

    warnings: list[str] = []
    chain_fps: tuple[str, ...] = ()
    signer_trust = opts.signer_trust or trust
    if parsed is not None:
        outcome = validate_chain(parsed, signer_trust, vt)
        if outcome.ok:
            chain_fps = outcome.fingerprints
            checks.append(_chain_passed(chain_fps))
            rev_check, warnings = _revocation(parsed.certs, chain_fps, signer_trust, rev, vt, opts)
            checks.append(rev_check)
        else:
            assert outcome.sub_indication is not None
            checks.append(
                _problem(
                    "certificate_chain",
                    outcome.sub_indication,
                    outcome.message or "",
                    outcome.message_en or "",
                    expected=outcome.expected,
                    found=outcome.found,
                    remedy=outcome.remedy,
                    remedy_en=outcome.remedy_en,
                    evidence_refs=list(outcome.evidence),
                )
            )
    elif trust.is_pinned(spki):
        checks.append(_P_PIN)
    else:
        checks.append(
            _problem(
                "pinned_key",
                SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                f"签名者只提供了公钥 (无证书), 而该公钥 (标识 {actual}) 未在验证方信任配置中预置",
                f"the signer has a bare public key (keyid {actual}) that is not pinned",
                expected="信任库中预置的公钥",
                found=actual,
                remedy="如确认该公钥属于签名方, 在信任配置中预置 (pin) 该公钥",
                remedy_en="pin the key in the trust store if you know it belongs to the signer",
            )
        )
    if opts.method is SigningMethod.EVENT_CERTIFICATE and parsed is not None:
        checks.append(
            event_certificate_check(
                parsed.certs[0], best, int(opts.policy.event_certificate_max_validity_s)
            )
        )
    checks.append(
        opts.policy.check(
            opts.payload_type,
            opts.payload,
            parsed.certs[0] if parsed is not None else None,
            kid,
            leaf_fp,
            method=opts.method,
            attesters=opts.attesters,
            anchor_purposes=frozenset(
                p.value for p in trust.purposes_of_fingerprint(chain_fps[-1] if chain_fps else "")
            ),
            trust=trust,
            at=vt,
        )
    )
    report = _sig_report(
        kid, algorithm, signer_name, leaf_fp, checks, chain_fps, times=(best, vt, vsrc)
    )
    return report, warnings


_rev_skip_cache: dict[tuple[tuple[str, ...], bool], tuple[Check, list[str]]] = {}


def _revocation(
    bundle_certs: tuple[Any, ...],
    chain_fps: tuple[str, ...],
    trust: TrustStore,
    rev: RevocationData,
    vt: datetime,
    opts: _Options,
) -> tuple[Check, list[str]]:
    # Without any data or fetcher the result does not depend on the time: cache it.
    key = (chain_fps, opts.require_revocation)
    cacheable = rev.empty and opts.fetcher is None
    if cacheable and key in _rev_skip_cache:
        check, warnings = _rev_skip_cache[key]
        return check, list(warnings)
    by_fp = {_cert_fp(c): c for c in bundle_certs}
    for root in trust.roots:
        by_fp.setdefault(_cert_fp(root), root)
    chain = [by_fp[f] for f in chain_fps if f in by_fp]
    result = check_revocation(chain, rev, vt, require=opts.require_revocation, fetcher=opts.fetcher)
    result = (result[0], [*result[1], *(w for w in rev.ignored if w not in result[1])])
    if cacheable:
        if len(_rev_skip_cache) >= 4096:
            _rev_skip_cache.clear()
        _rev_skip_cache[key] = (result[0], list(result[1]))
    return result


_TS_REMEDY = {
    SubIndication.FORMAT_FAILURE: ("时间戳令牌已损坏; 请取得原始证据包", "the token is damaged"),
    SubIndication.HASH_FAILURE: (
        "时间戳不属于该签名值: 证据包被改动或令牌被移植; 不要依赖该签名时间",
        "the token belongs to other data: the bundle was altered; do not rely on it",
    ),
    SubIndication.SIG_CRYPTO_FAILURE: (
        "时间戳令牌在签发后被改动; 请取得原始证据包",
        "the token was altered after issuance; obtain the original bundle",
    ),
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: (
        "确认该时间戳服务可信后, 将其根证书作为时间戳信任锚 (--tsa-trust, 或信任目录的 tsa/ "
        "子目录); 文档签名根证书不为时间戳服务作保",
        "if you trust this TSA, add its root as a time-stamping anchor (--tsa-trust, or the "
        "tsa/ sub-folder of a trust folder); document-signing roots do not vouch for TSAs",
    ),
    SubIndication.REVOKED_NO_POE: (
        "时间戳服务的证书已撤销: 不要依赖该签名时间; 请以未撤销的时间戳服务重新取得时间戳",
        "the TSA's certificate is revoked: do not rely on this time; re-stamp with a valid TSA",
    ),
    SubIndication.TRY_LATER: (
        "以 --crl / --ocsp 提供时间戳服务签发者的撤销信息",
        "bring the TSA issuer's CRL or OCSP response (--crl / --ocsp)",
    ),
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: (
        "令牌与时间戳单位证书的绑定无效; 不要依赖该签名时间, 请取得原始证据包",
        "the token is not bound to its TSA certificate; do not rely on its time",
    ),
}


def _timestamp_check(
    tokens: tuple[bytes, ...], sig: bytes, trust: TrustStore, rev: RevocationData, opts: _Options
) -> tuple[Check, datetime | None]:
    infos: list[TimestampInfo] = []
    problems: list[TimestampProblem] = []
    for token in tokens:
        r = verify_timestamp(token, sig, trust)
        if isinstance(r, TimestampInfo):
            # The TSA's own certificates: revoked (or unknown under require_revocation)
            # → the token proves no time (TSA key compromise, issue 9).
            why = timestamp_authority_problem(
                r.chain, rev, r.gen_time, require=opts.require_revocation, fetcher=opts.fetcher
            )
            if why is None:
                infos.append(r)
            else:
                problems.append(
                    TimestampProblem(
                        why[0],
                        f"时间戳令牌 (SHA-256 {r.token_sha256}): {why[1]}",
                        f"time-stamp token (SHA-256 {r.token_sha256}): {why[2]}",
                        expected="时间戳单位证书在令牌时间未被撤销, 且密钥未泄露",
                        found=f"{r.tsa_subject}, SHA-256 {r.tsa_certificate_sha256}",
                        token_sha256=r.token_sha256,
                    )
                )
        else:
            problems.append(r)
    if problems:
        worst = next(
            (p for p in problems if indication_for(p.sub_indication) is Indication.TOTAL_FAILED),
            problems[0],
        )
        remedy, remedy_en = _TS_REMEDY.get(worst.sub_indication, ("", ""))
        return (
            _problem(
                "timestamp",
                worst.sub_indication,
                worst.message,
                worst.message_en,
                expected=worst.expected or "令牌摘要 = SHA-256(签名值), 由受信任的时间戳服务签发",
                found=worst.found or f"令牌 SHA-256 {worst.token_sha256}",
                remedy=remedy or None,
                remedy_en=remedy_en or None,
                evidence_refs=[p.token_sha256 for p in problems],
            ),
            None,
        )
    first = min(infos, key=lambda i: i.gen_time)
    return (
        Check(
            name="timestamp",
            status=CheckStatus.PASSED,
            message=f"时间戳 genTime {first.gen_time.isoformat()}, 时间戳单位 {first.tsa_subject}",
            message_en=f"time-stamp genTime {first.gen_time.isoformat()} by {first.tsa_subject}",
            evidence_refs=sorted({i.token_sha256 for i in infos} | {first.tsa_certificate_sha256}),
        ),
        first.gen_time,
    )


def _sig_report(
    kid: str,
    algorithm: str | None,
    signer: str | None,
    leaf_fp: str | None,
    checks: list[Check],
    chain: tuple[str, ...],
    *,
    times: tuple[datetime | None, datetime | None, ValidationTimeSource | None] = (
        None,
        None,
        None,
    ),
) -> SignatureReport:
    indication, sub = _result(checks)
    return trusted(
        SignatureReport,
        {
            "key_id": kid,
            "algorithm": algorithm,
            "signer": signer,
            "signer_certificate_sha256": leaf_fp,
            "best_signature_time": times[0],
            "validation_time": times[1],
            "validation_time_source": times[2],
            "indication": indication,
            "sub_indication": sub,
            "checks": checks,
            "chain": list(chain),
        },
    )
