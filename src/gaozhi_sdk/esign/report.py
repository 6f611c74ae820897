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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "TOTAL_FAILED_SUBINDICATIONS",
    "Check",
    "CheckStatus",
    "Indication",
    "SignatureReport",
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
    """The 23 ETSI EN 319 102-1 sub-indications, spelled as EU DSS spells them."""

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


_IND_ZH = {
    Indication.TOTAL_PASSED: "验证通过",
    Indication.TOTAL_FAILED: "验证失败",
    Indication.INDETERMINATE: "无法确定",
}
_IND_EN = {
    Indication.TOTAL_PASSED: "passed",
    Indication.TOTAL_FAILED: "failed",
    Indication.INDETERMINATE: "indeterminate",
}
_SRC_ZH = {
    ValidationTimeSource.CALLER: "调用方指定",
    ValidationTimeSource.SYSTEM_CLOCK: "验证方系统时钟 (无时间戳)",
    ValidationTimeSource.TIMESTAMP: "时间戳",
}
_SRC_EN = {
    ValidationTimeSource.CALLER: "given by the caller",
    ValidationTimeSource.SYSTEM_CLOCK: "verifier's clock (no time-stamp)",
    ValidationTimeSource.TIMESTAMP: "time-stamp",
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
        head = _IND_ZH[self.indication]
        if self.sub_indication is not None:
            head += f" ({self.sub_indication.value})"
        lines = [
            f"结论: {head}",
            f"验证时间: {self.validation_time.isoformat()} "
            f"({_SRC_ZH[self.validation_time_source]})",
            f"验证策略: {self.policy_id} (版本 {self.policy_version or '-'})",
            f"文档类型: {self.payload_type or '(无法读取)'}",
        ]
        if "sha256" in self.payload_digest:
            lines.append(f"文档 SHA-256: {self.payload_digest['sha256']}")
        lines.append(f"信任配置摘要: {self.trust_store_digest}")
        lines.extend(_check_lines_zh(self.checks, "  "))
        for i, sig in enumerate(self.signatures, 1):
            sig_head = _IND_ZH[sig.indication]
            if sig.sub_indication is not None:
                sig_head += f" ({sig.sub_indication.value})"
            lines.append(f"签名 {i}: {sig_head}")
            lines.append(f"  签名者: {sig.signer or '(预置公钥或未知)'}")
            lines.append(f"  公钥标识: {sig.key_id}")
            lines.append(f"  算法: {sig.algorithm or '(未确定)'}")
            if sig.best_signature_time is not None:
                lines.append(f"  最佳签名时间 (时间戳): {sig.best_signature_time.isoformat()}")
            if sig.validation_time is not None and sig.validation_time_source is not None:
                lines.append(
                    f"  证书验证时间: {sig.validation_time.isoformat()} "
                    f"({_SRC_ZH[sig.validation_time_source]})"
                )
            lines.extend(_check_lines_zh(sig.checks, "  "))
        lines.extend(f"提示: {w}" for w in self.warnings)
        return "\n".join(lines)

    def summary_en(self) -> str:
        """Human-readable English summary."""
        head = _IND_EN[self.indication]
        if self.sub_indication is not None:
            head += f" ({self.sub_indication.value})"
        lines = [
            f"Result: {head}",
            f"Validation time: {self.validation_time.isoformat()} "
            f"({_SRC_EN[self.validation_time_source]})",
            f"Policy: {self.policy_id} (version {self.policy_version or '-'})",
            f"Payload type: {self.payload_type or '(unreadable)'}",
        ]
        if "sha256" in self.payload_digest:
            lines.append(f"Payload SHA-256: {self.payload_digest['sha256']}")
        lines.append(f"Trust store digest: {self.trust_store_digest}")
        lines.extend(_check_lines_en(self.checks, "  "))
        for i, sig in enumerate(self.signatures, 1):
            sig_head = _IND_EN[sig.indication]
            if sig.sub_indication is not None:
                sig_head += f" ({sig.sub_indication.value})"
            lines.append(f"Signature {i}: {sig_head}")
            lines.append(f"  Signer: {sig.signer or '(pinned key or unknown)'}")
            lines.append(f"  Key id: {sig.key_id}")
            lines.append(f"  Algorithm: {sig.algorithm or '(not determined)'}")
            if sig.best_signature_time is not None:
                lines.append(f"  Best signature time: {sig.best_signature_time.isoformat()}")
            if sig.validation_time is not None and sig.validation_time_source is not None:
                lines.append(
                    f"  Certificates validated at: {sig.validation_time.isoformat()} "
                    f"({_SRC_EN[sig.validation_time_source]})"
                )
            lines.extend(_check_lines_en(sig.checks, "  "))
        lines.extend(f"Note: {w}" for w in self.warnings)
        return "\n".join(lines)


def report_json_schema() -> dict[str, object]:
    """The published JSON Schema of :class:`VerificationReport` (JSON mode, by alias)."""
    schema = VerificationReport.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:gaozhi:verification-report:{REPORT_SCHEMA_VERSION}"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _check_lines_zh(checks: list[Check], indent: str) -> list[str]:
    out: list[str] = []
    for c in checks:
        if c.status is CheckStatus.PASSED:
            continue
        line = f"{indent}[{c.status.value}] {c.name}"
        if c.message:
            line += f": {c.message}"
        out.append(line)
        if c.expected is not None or c.found is not None:
            out.append(f"{indent}    期望: {c.expected or '-'}; 实际: {c.found or '-'}")
        if c.remedy:
            out.append(f"{indent}    建议: {c.remedy}")
    return out


def _check_lines_en(checks: list[Check], indent: str) -> list[str]:
    out: list[str] = []
    for c in checks:
        if c.status is CheckStatus.PASSED:
            continue
        line = f"{indent}[{c.status.value}] {c.name}"
        if c.message_en or c.message:
            line += f": {c.message_en or c.message}"
        out.append(line)
        if c.expected is not None or c.found is not None:
            out.append(f"{indent}    expected: {c.expected or '-'}; found: {c.found or '-'}")
        if c.remedy_en or c.remedy:
            out.append(f"{indent}    remedy: {c.remedy_en or c.remedy}")
    return out
