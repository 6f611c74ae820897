"""Validation of bundles: :func:`validate` returns a report, :func:`verify` raises (DESIGN §3, §4).

Checks, in order (names as they appear in reports):

bundle level
    ``bundle_format`` (strict parse; ``FORMAT_FAILURE``), ``payload_model`` (payloads of
    registered types parse into their model; ``FORMAT_FAILURE``), ``revocation``
    (carried CRL/OCSP data is not evaluated in this version: SKIPPED + warning).
per signature
    ``signer_material`` (material for the keyid; ``NO_SIGNING_CERTIFICATE_FOUND``),
    ``key_id`` (keyid = SHA-256 of the leaf's / publicKey's SPKI; ``FORMAT_FAILURE``),
    ``key_allowed`` (algorithm derived only from the trusted key;
    ``CRYPTO_CONSTRAINTS_FAILURE``), ``signature_crypto`` (over the DSSE PAE;
    ``SIG_CRYPTO_FAILURE``), ``certificate_chain`` (path to a trusted root at the
    validation time; ``NO_CERTIFICATE_CHAIN_FOUND`` / ``OUT_OF_BOUNDS_NO_POE`` /
    ``CHAIN_CONSTRAINTS_FAILURE``) or ``pinned_key`` (a bare publicKey must be pinned;
    ``NO_CERTIFICATE_CHAIN_FOUND``), ``timestamp`` (SKIPPED until time-stamps are
    supported: the validation time is ``at`` or the verifier's clock, and the report
    says which).

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

from gaozhi_sdk.errors import BundleFormatError, GaozhiError, SignatureError
from gaozhi_sdk.esign._fast import trusted
from gaozhi_sdk.esign.bundle import Bundle, SignerMaterial
from gaozhi_sdk.esign.chain import parse_chain, validate_chain
from gaozhi_sdk.esign.keys import KeyRejected, key_verifier_for, keyid_from_spki
from gaozhi_sdk.esign.payload_types import GAOZHI_TYPE_PREFIX, model_for, parse_payload
from gaozhi_sdk.esign.report import (
    Check,
    CheckStatus,
    Indication,
    SignatureReport,
    SubIndication,
    ValidationTimeSource,
    VerificationReport,
    indication_for,
)
from gaozhi_sdk.esign.trust import TrustStore

__all__ = ["POLICY_ID", "VerifiedPayload", "payload_model", "validate", "verify"]

#: The validation policy implemented here (reports carry it).
POLICY_ID = "gaozhi:bundle:v1:2026-1"

_TOOL: dict[str, str] | None = None


def _tool_versions() -> dict[str, str]:
    global _TOOL  # noqa: PLW0603 - computed once, read-only afterwards
    if _TOOL is None:
        out = {"python": platform.python_version()}
        for dist in ("gaozhi-sdk", "cryptography", "pydantic"):
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = "unknown"
        _TOOL = out
    return dict(_TOOL)


class VerifiedPayload(NamedTuple):
    """What :func:`verify` returns: the payload (model; bytes for unknown types) and report."""

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


def validate(
    bundle: Bundle | bytes | str, trust: TrustStore, *, at: datetime | None = None
) -> VerificationReport:
    """Validate a bundle and return the report; never raises on a bad bundle.

    Args:
        bundle: a :class:`Bundle` or its JSON (bytes/str). Malformed input gives a
            TOTAL_FAILED / FORMAT_FAILURE report.
        trust: the verifier's roots and pinned keys.
        at: the validation time (aware); default now (the report says which).

    Raises:
        SignatureError: ``GZ-SG-030`` only if ``at`` is not an aware datetime.
    """
    return _validate(bundle, trust, at)[0]


def verify(
    bundle: Bundle | bytes | str, trust: TrustStore, *, at: datetime | None = None
) -> VerifiedPayload:
    """Validate and return ``(payload, report)``; raise unless TOTAL_PASSED.

    The payload is the parsed model for registered payload types, else the raw bytes.

    Raises:
        SignatureError: ``GZ-SG-010`` with ``.report`` when the result is not TOTAL_PASSED.
    """
    report, payload = _validate(bundle, trust, at)
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
    check = _problem(
        "bundle_format",
        SubIndication.FORMAT_FAILURE,
        f"[{exc.code}] {exc.message}",
        f"[{exc.code}] {exc.message_en or exc.message}",
        remedy="证据包已损坏或被改动, 或由不兼容的工具生成; 请取得原始证据包",
        remedy_en="the bundle is damaged, altered or from an incompatible tool",
    )
    return VerificationReport(
        validation_time=vt,
        validation_time_source=src,
        policy_id=POLICY_ID,
        bundle_digest=bundle_digest,
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        checks=[check],
        trust_store_digest=trust.digest(),
        tool=_tool_versions(),
    )


def _validate(
    data: Bundle | bytes | str, trust: TrustStore, at: datetime | None
) -> tuple[VerificationReport, BaseModel | bytes | None]:
    vt, src = _validation_time(at)
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
        return _validate_bundle(bundle, trust, vt, src, bundle_digest)
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

    rev = bundle.verification_material.revocation
    if rev is not None and (rev.crls or rev.ocsp_responses):
        checks.append(
            Check(
                name="revocation",
                status=CheckStatus.SKIPPED,
                message="证据包附带的撤销信息 (CRL/OCSP) 在本版本中不作评估",
                message_en="carried revocation data (CRL/OCSP) is not evaluated in this version",
            )
        )
        warnings.append(
            "撤销信息未评估 / revocation data present but not evaluated in this version"
        )

    signed_ids = {s.keyid for s in bundle.dsse_envelope.signatures}
    for m in bundle.verification_material.signers:
        if m.keyid not in signed_ids:
            warnings.append(
                f"签名者材料 {m.keyid[:16]}… 没有对应的签名 / signer material without a signature"
            )

    sig_reports = [
        _validate_signature(bundle, s.keyid, s.sig, signed, trust, vt)
        for s in bundle.dsse_envelope.signatures
    ]

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
            "report_version": "1",
            "validation_time": vt,
            "validation_time_source": src,
            "policy_id": POLICY_ID,
            "payload_type": ptype,
            "payload_digest": {"sha256": hashlib.sha256(payload).hexdigest()},
            "bundle_digest": bundle_digest,
            "indication": indication,
            "sub_indication": sub,
            "checks": checks,
            "signatures": sig_reports,
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
    vt: datetime,
) -> SignatureReport:
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
        return _sig_report(kid, None, None, None, checks, ())
    checks.append(_P_MATERIAL)
    return _check_material(material, kid, sig, signed, trust, vt, checks)


def _check_material(
    material: SignerMaterial,
    kid: str,
    sig: bytes,
    signed: bytes,
    trust: TrustStore,
    vt: datetime,
    checks: list[Check],
) -> SignatureReport:
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
            return _sig_report(kid, None, None, None, checks, ())
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
            return _sig_report(kid, None, signer_name, leaf_fp, checks, ())
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
        return _sig_report(kid, None, signer_name, leaf_fp, checks, ())
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
        return _sig_report(kid, verifier.algorithm, signer_name, leaf_fp, checks, ())
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
                remedy="不要信任该文档; 请向签发机关取得原件",
                remedy_en="do not rely on this document; obtain the original from the issuer",
            )
        )
        algorithm = verifier.algorithm
    else:
        checks.append(_P_CRYPTO)

    chain_fps: tuple[str, ...] = ()
    if parsed is not None:
        outcome = validate_chain(parsed, trust, vt)
        if outcome.ok:
            chain_fps = outcome.fingerprints
            checks.append(_chain_passed(chain_fps))
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
    if material.timestamps:
        checks.append(
            Check(
                name="timestamp",
                status=CheckStatus.SKIPPED,
                message="时间戳在本版本中不作评估; 验证时间取调用方指定时间或验证方系统时钟",
                message_en="time-stamps are not evaluated in this version",
            )
        )
    else:
        checks.append(_NO_TST)
    return _sig_report(kid, algorithm, signer_name, leaf_fp, checks, chain_fps)


def _sig_report(
    kid: str,
    algorithm: str | None,
    signer: str | None,
    leaf_fp: str | None,
    checks: list[Check],
    chain: tuple[str, ...],
) -> SignatureReport:
    indication, sub = _result(checks)
    return trusted(
        SignatureReport,
        {
            "key_id": kid,
            "algorithm": algorithm,
            "signer": signer,
            "signer_certificate_sha256": leaf_fp,
            "best_signature_time": None,
            "indication": indication,
            "sub_indication": sub,
            "checks": checks,
            "chain": list(chain),
        },
    )
