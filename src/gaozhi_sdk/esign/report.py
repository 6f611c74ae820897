"""验证报告 (VerificationReport) after ETSI EN 319 102-1, as EU DSS and pyHanko do (SIGNING §5.3).

The overall ``indication`` is ``TOTAL_PASSED``, ``TOTAL_FAILED`` or ``INDETERMINATE``
with a standard ``sub_indication``; each signature has its own result and a list of
checks. Every check that does not pass says *what* failed and *why* — certificate
subject and SHA-256 where relevant, expected vs found, and a remedy — in Chinese and
English. ``report.model_dump_json()`` is the machine form; :meth:`~VerificationReport.summary_zh` /
:meth:`~VerificationReport.summary_en` are the human forms.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "TOTAL_FAILED_SUBINDICATIONS",
    "Check",
    "CheckStatus",
    "Indication",
    "SignatureReport",
    "SigningMethodReport",
    "SubIndication",
    "ValidationTimeSource",
    "VerificationReport",
    "indication_for",
    "report_json_schema",
]

#: Version of the JSON form of :class:`VerificationReport` (``schema_version``); the JSON
#: Schema is :func:`report_json_schema` (``gaozhi schema --report``).
REPORT_SCHEMA_VERSION = "1.1"


class Indication(StrEnum):
    """ETSI EN 319 102-1 main indication."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """The 23 ETSI EN 319 102-1 sub-indications, spelled as EU DSS spells them, and the
    gaozhi extension ``SIGNER_NOT_AUTHORISED``."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    #: gaozhi extension (no ETSI counterpart, like sigstore's identity policy failure): the
    #: signature is valid but the signer is not entitled to sign this payload type
    #: (:mod:`gaozhi_sdk.esign.policy`); TOTAL_FAILED.
    SIGNER_NOT_AUTHORISED = "SIGNER_NOT_AUTHORISED"


#: Sub-indications that make a signature TOTAL_FAILED (EN 319 102-1 table 5); all others
#: are INDETERMINATE.
TOTAL_FAILED_SUBINDICATIONS = frozenset(
    {
        SubIndication.FORMAT_FAILURE,
        SubIndication.HASH_FAILURE,
        SubIndication.SIG_CRYPTO_FAILURE,
        SubIndication.REVOKED,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
        SubIndication.SIGNER_NOT_AUTHORISED,
    }
)


def indication_for(sub: SubIndication) -> Indication:
    """The main indication a sub-indication belongs to."""
    if sub in TOTAL_FAILED_SUBINDICATIONS:
        return Indication.TOTAL_FAILED
    return Indication.INDETERMINATE


class CheckStatus(StrEnum):
    """Result of one check (building block / constraint)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"
    SKIPPED = "SKIPPED"


class ValidationTimeSource(StrEnum):
    """Where the validation time came from."""

    CALLER = "CALLER"  # given by the caller (``at=`` / ``--at``)
    SYSTEM_CLOCK = "SYSTEM_CLOCK"  # no proof of existence: the verifier's current time
    TIMESTAMP = "TIMESTAMP"  # an RFC 3161 time-stamp token (best signature time)


class _ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_ReportModel):
    """One check and, unless it passed, what and why (Chinese first, English second)."""

    name: str = Field(description="检查项 (bundle_format, signature_crypto, certificate_chain …)")
    status: CheckStatus
    sub_indication: SubIndication | None = None
    message: str | None = Field(default=None, description="说明 (中文)")
    message_en: str | None = None
    expected: str | None = Field(default=None, description="期望值")
    found: str | None = Field(default=None, description="实际值")
    remedy: str | None = Field(default=None, description="处理建议 (中文)")
    remedy_en: str | None = None
    evidence_refs: list[str] = Field(default_factory=list, description="所用证书等的 SHA-256")


class SignatureReport(_ReportModel):
    """Result for one signature of the bundle."""

    key_id: str
    algorithm: str | None = None
    signer: str | None = Field(default=None, description="签名证书主题 (个人证件号已脱敏)")
    signer_certificate_sha256: str | None = None
    best_signature_time: datetime | None = Field(
        default=None, description="签名存在的最早可信时间 (已验证时间戳的 genTime)"
    )
    validation_time: datetime | None = Field(
        default=None, description="验证该签名证书链与撤销状态所用的时间"
    )
    validation_time_source: ValidationTimeSource | None = None
    indication: Indication
    sub_indication: SubIndication | None = None
    checks: list[Check] = Field(default_factory=list)
    chain: list[str] = Field(default_factory=list, description="证书 SHA-256, 从签名证书到根")


class SigningMethodReport(_ReportModel):
    """How a pledge was signed and what that proves (DESIGN §4a)."""

    method: str = Field(
        description="签署方式: CERTIFICATE | EVENT_CERTIFICATE | PLATFORM_ATTESTED | "
        "WINDOW_HANDWRITTEN"
    )
    recorded: bool = Field(
        description="证据包是否记录了签署方式 (未记录的承诺书按 CERTIFICATE 读取)"
    )
    verified: bool = Field(description="签署方式及其证据是否通过验证")
    proves: str = Field(description="该签署方式证明了什么 (中文)")
    proves_en: str = Field(description="what the method proves (English)")
    evidence: list[dict[str, str]] = Field(
        default_factory=list,
        description="证据摘要 (认证方式、服务方、流水号、时间、保证等级、见证人员、图像摘要等;"
        " 不含个人证件号码)",
    )


#: Every word of the human summaries, by language: one renderer, one table per language.
_TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "indication": {
            Indication.TOTAL_PASSED: "验证通过",
            Indication.TOTAL_FAILED: "验证失败",
            Indication.INDETERMINATE: "无法确定",
        },
        "source": {
            ValidationTimeSource.CALLER: "调用方指定",
            ValidationTimeSource.SYSTEM_CLOCK: "验证方系统时钟 (无时间戳)",
            ValidationTimeSource.TIMESTAMP: "时间戳",
        },
        "result": "结论: {}",
        "validation_time": "验证时间: {} ({})",
        "policy": "验证策略: {} (版本 {})",
        "payload_type": "文档类型: {}",
        "unreadable": "(无法读取)",
        "payload_sha256": "文档 SHA-256: {}",
        "trust_digest": "信任配置摘要: {}",
        "signature": "签名 {}: {}",
        "signer": "  签名者: {}",
        "no_signer": "(预置公钥或未知)",
        "key_id": "  公钥标识: {}",
        "algorithm": "  算法: {}",
        "no_algorithm": "(未确定)",
        "best_time": "  最佳签名时间 (时间戳): {}",
        "cert_time": "  证书验证时间: {} ({})",
        "note": "提示: {}",
        "expected_found": "期望: {}; 实际: {}",
        "remedy": "建议: {}",
        "method": "签署方式: {} ({}) — {}",
        "method_state": {True: "已验证", False: "未通过验证"},
        "evidence": "  证据: {}",
    },
    "en": {
        "indication": {
            Indication.TOTAL_PASSED: "passed",
            Indication.TOTAL_FAILED: "failed",
            Indication.INDETERMINATE: "indeterminate",
        },
        "source": {
            ValidationTimeSource.CALLER: "given by the caller",
            ValidationTimeSource.SYSTEM_CLOCK: "verifier's clock (no time-stamp)",
            ValidationTimeSource.TIMESTAMP: "time-stamp",
        },
        "result": "Result: {}",
        "validation_time": "Validation time: {} ({})",
        "policy": "Policy: {} (version {})",
        "payload_type": "Payload type: {}",
        "unreadable": "(unreadable)",
        "payload_sha256": "Payload SHA-256: {}",
        "trust_digest": "Trust store digest: {}",
        "signature": "Signature {}: {}",
        "signer": "  Signer: {}",
        "no_signer": "(pinned key or unknown)",
        "key_id": "  Key id: {}",
        "algorithm": "  Algorithm: {}",
        "no_algorithm": "(not determined)",
        "best_time": "  Best signature time: {}",
        "cert_time": "  Certificates validated at: {} ({})",
        "note": "Note: {}",
        "expected_found": "expected: {}; found: {}",
        "remedy": "remedy: {}",
        "method": "Signing method: {} ({}) — {}",
        "method_state": {True: "verified", False: "not verified"},
        "evidence": "  Evidence: {}",
    },
}


class VerificationReport(_ReportModel):
    """The validation report of one bundle (SIGNING §5.3)."""

    schema_version: Literal["1.1"] = Field(
        default="1.1", description="报告 JSON 结构版本 (JSON Schema: gaozhi schema --report)"
    )
    report_version: Literal["1"] = "1"
    validation_time: datetime
    validation_time_source: ValidationTimeSource
    policy_id: str = Field(description="验证策略, 如 gaozhi:bundle:v1:2026-1")
    policy_version: str = Field(default="", description="验证策略版本")
    policy_options: dict[str, bool] = Field(
        default_factory=dict, description="策略选项 (如 require_revocation)"
    )
    payload_type: str | None = None
    payload_digest: dict[str, str] = Field(default_factory=dict)
    bundle_digest: dict[str, str] = Field(
        default_factory=dict, description="证据包原始字节的摘要 (以字节输入时)"
    )
    indication: Indication
    sub_indication: SubIndication | None = None
    checks: list[Check] = Field(default_factory=list, description="证据包级检查")
    signatures: list[SignatureReport] = Field(default_factory=list)
    signing_method: SigningMethodReport | None = Field(
        default=None, description="承诺书的签署方式及其证明内容 (其他文档类型为空)"
    )
    trust_store_digest: str
    tool: dict[str, str] = Field(default_factory=dict, description="工具版本")
    warnings: list[str] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True only for TOTAL_PASSED."""
        return self.indication is Indication.TOTAL_PASSED

    def problems(self) -> list[Check]:
        """Every check (bundle level and per signature) that did not pass or was skipped."""
        bad = [
            c for c in self.checks if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
        ]
        for s in self.signatures:
            bad.extend(
                c for c in s.checks if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
            )
        return bad

    def summary_zh(self) -> str:
        """Human-readable Chinese summary."""
        return self.summary("zh")

    def summary_en(self) -> str:
        """Human-readable English summary."""
        return self.summary("en")

    def summary(self, lang: Literal["zh", "en"] = "zh") -> str:
        """Human-readable summary in ``lang``, rendered from one table per language."""
        t = _TEXT[lang]

        def headline(indication: Indication, sub: SubIndication | None) -> str:
            text = str(t["indication"][indication])
            return text if sub is None else f"{text} ({sub.value})"

        lines = [
            t["result"].format(headline(self.indication, self.sub_indication)),
            t["validation_time"].format(
                self.validation_time.isoformat(), t["source"][self.validation_time_source]
            ),
            t["policy"].format(self.policy_id, self.policy_version or "-"),
            t["payload_type"].format(self.payload_type or t["unreadable"]),
        ]
        if "sha256" in self.payload_digest:
            lines.append(t["payload_sha256"].format(self.payload_digest["sha256"]))
        lines.append(t["trust_digest"].format(self.trust_store_digest))
        m = self.signing_method
        if m is not None:
            proves = m.proves if lang == "zh" else m.proves_en
            lines.append(t["method"].format(m.method, t["method_state"][m.verified], proves))
            lines.extend(
                t["evidence"].format(", ".join(f"{k}={v}" for k, v in e.items()))
                for e in m.evidence
            )
        lines.extend(_check_lines(self.checks, "  ", lang))
        for i, sig in enumerate(self.signatures, 1):
            lines.append(t["signature"].format(i, headline(sig.indication, sig.sub_indication)))
            lines.append(t["signer"].format(sig.signer or t["no_signer"]))
            lines.append(t["key_id"].format(sig.key_id))
            lines.append(t["algorithm"].format(sig.algorithm or t["no_algorithm"]))
            if sig.best_signature_time is not None:
                lines.append(t["best_time"].format(sig.best_signature_time.isoformat()))
            if sig.validation_time is not None and sig.validation_time_source is not None:
                lines.append(
                    t["cert_time"].format(
                        sig.validation_time.isoformat(), t["source"][sig.validation_time_source]
                    )
                )
            lines.extend(_check_lines(sig.checks, "  ", lang))
        lines.extend(t["note"].format(w) for w in self.warnings)
        return "\n".join(lines)


def report_json_schema() -> dict[str, object]:
    """The published JSON Schema of :class:`VerificationReport` (JSON mode, by alias)."""
    schema = VerificationReport.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:gaozhi:verification-report:{REPORT_SCHEMA_VERSION}"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _check_lines(checks: list[Check], indent: str, lang: Literal["zh", "en"]) -> list[str]:
    t = _TEXT[lang]
    out: list[str] = []
    for c in checks:
        if c.status is CheckStatus.PASSED:
            continue
        message = c.message if lang == "zh" else (c.message_en or c.message)
        remedy = c.remedy if lang == "zh" else (c.remedy_en or c.remedy)
        line = f"{indent}[{c.status.value}] {c.name}"
        if message:
            line += f": {message}"
        out.append(line)
        if c.expected is not None or c.found is not None:
            out.append(
                f"{indent}    " + t["expected_found"].format(c.expected or "-", c.found or "-")
            )
        if remedy:
            out.append(f"{indent}    " + t["remedy"].format(remedy))
    return out
