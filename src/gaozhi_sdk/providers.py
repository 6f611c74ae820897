"""Provider seams: where the SDK asks the outside world (DESIGN §5, §7).

* :class:`OnlineVerifier` — online verification of a pledged proof through provincial
  data sharing (R-044). Every call ends in exactly one :class:`~gaozhi_sdk.models.OnlineOutcome`;
  never VERIFIED by default; NOT_FOUND routes to assisted verification (R-046).
* :class:`CreditSource` — an external credit snapshot (信用信息共享平台, R-020, R-075).

Plugins (``gaozhi_register_providers``) and the in-process fakes of
:mod:`gaozhi_sdk.testing.fakes` implement these.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import Field

from gaozhi_sdk.models import GaozhiModel, pii
from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.models.parties import Applicant, CreditSnapshot

__all__ = ["CreditSource", "OnlineVerifier", "ProofCheckRequest", "ProofCheckResult"]


class ProofCheckRequest(GaozhiModel):
    """What an online verification asks a data-sharing endpoint."""

    request_id: str = Field(description="业务请求编号 (幂等键, 重试不变)")
    verification_id: str = Field(description="核查编号")
    case_no: str = Field(description="办件编号")
    entry_id: str = Field(description="清单条目编号")
    data_source: str = Field(description="数据来源 (共享接口或数据集)")
    subject_id_type: str = Field(description="证件类型")
    subject_id_number: str = Field(description="证件号码", json_schema_extra=pii("identifier"))
    subject_digest: str = Field(
        default="",
        description="证件号码的密钥摘要 (部署密钥, 带密钥编号); 证据与日志只写它, 不写证件号码",
    )
    subject_name: str = Field(description="姓名或名称", json_schema_extra=pii("name"))
    proof_name: str = Field(description="证明名称")
    proof_content: str = Field(description="承诺符合的条件")


class ProofCheckResult(GaozhiModel):
    """The outcome of one online verification (DESIGN §7)."""

    request_id: str = Field(description="业务请求编号")
    outcome: OnlineOutcome = Field(description="结论")
    evidence_ref: str = Field(default="", description="回执或证据编号")
    detail: str = Field(default="", description="说明 (技术失败时: 哪一跳、最后代码)")


@runtime_checkable
class OnlineVerifier(Protocol):
    """Online verification provider (R-044)."""

    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """Check one pledged proof; must not raise for remote failures (→ UNDETERMINED)."""


@runtime_checkable
class CreditSource(Protocol):
    """External credit snapshot provider (R-020, R-075)."""

    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
        """Adverse records known outside this store, or None if the source has none."""
