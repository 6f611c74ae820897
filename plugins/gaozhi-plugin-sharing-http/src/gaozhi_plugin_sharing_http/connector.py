"""The connector: typed operations over :class:`gaozhi_sdk.sharing.SharingClient`.

Operations (reference gateway / emulator paths):

* online verification (R-044) — ``POST /proof/verify``;
* credit snapshot (R-020, R-075) — ``POST /credit/snapshot``;
* credit record push (R-056) — ``POST /credit/push`` with the outbox idempotency key as
  ``X-Request-Id``; after an ambiguous failure, ``GET /credit/push/{key}`` before pushing
  again;
* assisted verification (R-046, R-047) — ``POST /assist/requests``, ``GET
  /assist/requests/{ticket}``, signed callbacks; a refusal must carry a written reason;
* on-site dispatch (R-045) — ``POST /onsite/tasks``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from gaozhi_sdk import ProofCheckRequest, ProofCheckResult
from gaozhi_sdk.models import (
    Applicant,
    AssistanceReply,
    CreditSnapshot,
    CreditSnapshotItem,
    OnlineOutcome,
)
from gaozhi_sdk.sharing import (
    CallResult,
    EvidenceSink,
    JsonlEvidenceSink,
    MemoryEvidenceSink,
    NonceCache,
    SharingClient,
    SharingError,
    TransportConfig,
    make_profile,
    verify_reference_request,
)

__all__ = ["AssistStatus", "ConnectorSettings", "SharingHttpConnector"]

log = logging.getLogger("gaozhi_plugin_sharing_http")

_TRANSPORT_KEYS = (
    "connect_timeout_s",
    "read_timeout_s",
    "deadline_s",
    "max_attempts",
    "retry_after_cap_s",
    "backoff_base_s",
    "backoff_cap_s",
    "pool_maxsize",
    "rate_per_s",
    "burst",
    "breaker_fail_max",
    "breaker_reset_s",
    "retry_budget",
    "max_skew_s",
    "allow_insecure_loopback",
)


@dataclass(frozen=True)
class ConnectorSettings:
    """The ``plugins.sharing-http`` configuration section.

    The app secret is read from the environment variable named by ``secret_env``
    (default ``GAOZHI_SHARING_SECRET``); it is never logged or shown in reprs.
    """

    base_url: str
    app_key: str
    secret_env: str = "GAOZHI_SHARING_SECRET"  # noqa: S105 - a variable name, not a secret
    profile: str = "gaozhi-hmac-sm3-v1"
    auth_mode: str = "none"
    data_sources: tuple[str, ...] = ()
    evidence_path: str = ""
    transport: tuple[tuple[str, Any], ...] = ()
    ca_bundle: str = ""
    proxy: str = ""

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> ConnectorSettings:
        """Build from a configuration mapping (unknown keys are refused)."""
        known = {
            "base_url",
            "app_key",
            "secret_env",
            "profile",
            "auth_mode",
            "data_sources",
            "evidence_path",
            "ca_bundle",
            "proxy",
            *_TRANSPORT_KEYS,
        }
        if "salt" in doc:
            raise SharingError(
                "GZ-SH-001",
                "sharing-http 配置项 salt 已废止: 证件号码摘要由 SDK 以存储的部署密钥计算, "
                "请删除该项",
                message_en="the 'salt' setting is gone: identifier digests are keyed with the "
                "store's deployment secret; remove it",
            )
        unknown = set(doc) - known
        if unknown:
            raise SharingError(
                "GZ-SH-001",
                f"sharing-http 配置含未知项: {sorted(unknown)}",
                message_en="unknown settings",
            )
        if not doc.get("base_url") or not doc.get("app_key"):
            raise SharingError(
                "GZ-SH-001",
                "sharing-http 须配置 base_url 与 app_key",
                message_en="base_url and app_key required",
            )
        return cls(
            base_url=str(doc["base_url"]),
            app_key=str(doc["app_key"]),
            secret_env=str(doc.get("secret_env", "GAOZHI_SHARING_SECRET")),
            profile=str(doc.get("profile", "gaozhi-hmac-sm3-v1")),
            auth_mode=str(doc.get("auth_mode", "none")),
            data_sources=tuple(doc.get("data_sources", ())),
            evidence_path=str(doc.get("evidence_path", "")),
            transport=tuple((k, doc[k]) for k in _TRANSPORT_KEYS if k in doc),
            ca_bundle=str(doc.get("ca_bundle", "")),
            proxy=str(doc.get("proxy", "")),
        )


@dataclass(frozen=True)
class AssistStatus:
    """The state of an assisted-verification ticket; ``reply`` None while pending."""

    ticket: str
    reply: AssistanceReply | None
    reason: str = ""
    request_id: str = ""


class SharingHttpConnector:
    """All provider kinds of the plugin over one pooled, signed client."""

    def __init__(
        self,
        settings: ConnectorSettings,
        *,
        secret: str | None = None,
        evidence: EvidenceSink | None = None,
    ) -> None:
        self.settings = settings
        value = secret if secret is not None else os.environ.get(settings.secret_env, "")
        if not value:
            raise SharingError(
                "GZ-SH-001",
                f"未设置应用密钥环境变量 {settings.secret_env}",
                message_en=f"secret env {settings.secret_env} is empty",
            )
        self._secret = value
        cfg = TransportConfig.from_env(
            settings.base_url,
            provider_id="sharing-http",
            ca_bundle=settings.ca_bundle or None,
            proxy=settings.proxy or None,
            **dict(settings.transport),
        )
        if evidence is None:
            evidence = (
                JsonlEvidenceSink(Path(settings.evidence_path))
                if settings.evidence_path
                else MemoryEvidenceSink()
            )
        self.client = SharingClient(
            cfg,
            make_profile(settings.profile, settings.app_key),
            value,
            auth_mode=settings.auth_mode,  # type: ignore[arg-type]
            evidence=evidence,
        )
        self._nonces = NonceCache()

    def __repr__(self) -> str:
        return f"SharingHttpConnector({self.settings.base_url!r}, app_key=***)"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def handles(self, data_source: str) -> bool:
        """Whether this connector answers for ``data_source`` (all when none configured)."""
        return not self.settings.data_sources or data_source in self.settings.data_sources

    @staticmethod
    def _subject(digest: str) -> dict[str, str]:
        """The evidence record's subject: only the keyed digest the SDK computed with the
        store's deployment secret (``<key id>:<hex>``) — no masked form beside it, no
        digest of our own (the plugin holds no deployment secret)."""
        return {"id_digest": digest} if digest else {}

    # -- online verification (R-044) -----------------------------------------------------------
    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """One online check; ends in one of the six outcomes, never raises."""
        r = self.client.call(
            "POST",
            "/proof/verify",
            {
                "subject_id_type": request.subject_id_type,
                "subject_id": request.subject_id_number,
                "subject_name": request.subject_name,
                "proof_name": request.proof_name,
                "proof_content": request.proof_content,
                "data_source": request.data_source,
                "case_no": request.case_no,
                "entry_id": request.entry_id,
            },
            request_id=request.request_id,
            operation="proof.verify",
            subject=self._subject(request.subject_digest),
        )
        detail = ""
        if r.outcome is OnlineOutcome.UNDETERMINED:
            detail = f"hop={r.hop} last_code={r.last_code} attempts={len(r.attempts)}"
            if r.detail:
                detail += f" ({r.detail})"
        elif r.outcome is not OnlineOutcome.VERIFIED:
            detail = f"code={r.body_code}"
        receipt = r.data.get("receipt", "") if isinstance(r.data, Mapping) else ""
        return ProofCheckResult(
            request_id=request.request_id,
            outcome=r.outcome,
            evidence_ref=str(receipt or r.evidence_id),
            detail=detail,
        )

    # -- credit snapshot (R-020, R-075) ----------------------------------------------------------
    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot:
        """The platform's adverse records; a technical failure raises GZ-SH-040 (fail
        closed: eligibility must not pass on an unanswered credit check)."""
        rid = f"cs-{subject_digest[:16]}-{time.time_ns()}"
        r = self.client.call(
            "POST",
            "/credit/snapshot",
            {"subject_id": applicant.id_number},
            request_id=rid,
            operation="credit.snapshot",
            subject=self._subject(subject_digest),
        )
        if r.outcome is not OnlineOutcome.VERIFIED or not isinstance(r.data, Mapping):
            raise SharingError(
                "GZ-SH-040",
                f"信用信息共享平台查询未完成 ({r.last_code})",
                request_id=rid,
                message_en="credit snapshot undetermined",
                details={"hop": r.hop, "last_code": r.last_code},
            )
        items = tuple(
            CreditSnapshotItem(
                record_id=str(i["record_id"]),
                conduct=str(i["conduct"]),
                severity=i["severity"],
                status=str(i["status"]),
                recorded_on=date.fromisoformat(str(i["recorded_on"])),
            )
            for i in r.data.get("items", [])
        )
        return CreditSnapshot(
            subject_digest=subject_digest,
            taken_at=date.today(),
            source=str(r.data.get("source", "sharing-http")),
            items=items,
        )

    # -- credit push, exactly once through the outbox ------------------------------------
    def push_credit_record(self, idempotency_key: str, record: Mapping[str, Any]) -> CallResult:
        """Push one credit record; the key is the ``X-Request-Id`` on every attempt.

        After an UNDETERMINED push, the status is checked by key; if the platform has the
        record, the push counts as done. Raises GZ-SH-041 (retry later) when it is still
        unknown, GZ-SH-042 when the platform refused (dead-letter material).
        """
        r = self.client.call(
            "POST",
            "/credit/push",
            dict(record),
            request_id=idempotency_key,
            operation="credit.push",
        )
        if r.outcome is OnlineOutcome.VERIFIED:
            return r
        if r.outcome is OnlineOutcome.UNDETERMINED:
            st = self.push_status(idempotency_key)
            if st.outcome is OnlineOutcome.VERIFIED:
                return st
            raise SharingError(
                "GZ-SH-041",
                f"信用记录推送结果未确定 ({r.last_code}), 稍后重试",
                request_id=idempotency_key,
                message_en="push undetermined",
                details={"hop": r.hop, "last_code": r.last_code},
            )
        raise SharingError(
            "GZ-SH-042",
            f"信用信息共享平台拒绝该记录 ({r.body_code})",
            request_id=idempotency_key,
            message_en="push rejected",
            details={"code": r.body_code},
        )

    def push_status(self, idempotency_key: str) -> CallResult:
        """Has the platform recorded this key? (VERIFIED = yes, NOT_FOUND = no)."""
        return self.client.call(
            "GET",
            f"/credit/push/{idempotency_key}",
            request_id=f"{idempotency_key}:status",
            operation="credit.push_status",
        )

    # -- assisted verification (R-046, R-047) -----------------------------------------------------
    def assist_open(
        self,
        request_id: str,
        *,
        subject_id: str,
        proof_name: str,
        case_no: str = "",
        callback_url: str = "",
        subject_digest: str = "",
    ) -> AssistStatus:
        """Open (idempotently) a ticket; raises GZ-SH-043 if it could not be opened."""
        r = self.client.call(
            "POST",
            "/assist/requests",
            {
                "subject_id": subject_id,
                "proof_name": proof_name,
                "case_no": case_no,
                "callback_url": callback_url,
            },
            request_id=request_id,
            operation="assist.open",
            subject=self._subject(subject_digest),
        )
        if r.outcome is not OnlineOutcome.VERIFIED or not isinstance(r.data, Mapping):
            raise SharingError(
                "GZ-SH-043",
                f"协助核查请求未能提交 ({r.last_code or r.body_code})",
                request_id=request_id,
                message_en="assist open failed",
            )
        return AssistStatus(str(r.data["ticket"]), None, request_id=request_id)

    def assist_poll(self, ticket: str) -> AssistStatus:
        """The ticket's state (pending while ``reply`` is None)."""
        rid = f"{ticket}:poll:{time.time_ns()}"
        r = self.client.call(
            "GET", f"/assist/requests/{ticket}", request_id=rid, operation="assist.poll"
        )
        if r.outcome is not OnlineOutcome.VERIFIED or not isinstance(r.data, Mapping):
            raise SharingError(
                "GZ-SH-043",
                f"协助核查状态查询未完成 ({r.last_code or r.body_code})",
                request_id=rid,
                message_en="assist poll failed",
            )
        return self._status(r.data, rid)

    @staticmethod
    def _status(doc: Mapping[str, Any], rid: str) -> AssistStatus:
        status = str(doc.get("status", ""))
        if status == "PENDING":
            return AssistStatus(str(doc.get("ticket", "")), None, request_id=rid)
        try:
            reply = AssistanceReply(status)
        except ValueError as exc:
            raise SharingError(
                "GZ-SH-030",
                f"未知的协查答复 {status}",
                request_id=rid,
                message_en="unknown assistance status",
            ) from exc
        reason = str(doc.get("reason", "")).strip()
        if reply is not AssistanceReply.CONFIRMED and not reason:
            # a refusal (and a denial) must carry a written reason
            raise SharingError(
                "GZ-SH-030",
                "协查答复缺少书面理由 (R-047)",
                request_id=rid,
                message_en="reply without written reason",
            )
        return AssistStatus(str(doc.get("ticket", "")), reply, reason, rid)

    def assist_callback(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> AssistStatus:
        """Verify a signed callback (signature, freshness, nonce) and map it; raises
        GZ-SH-030 for anything not provably from the platform."""
        import json

        code = verify_reference_request(
            method,
            path,
            None,
            headers,
            body,
            secret_of={self.settings.app_key: self._secret},
            now_ms=int(time.time() * 1000),
            nonces=self._nonces,
        )
        rid = next((v for k, v in headers.items() if k.lower() == "x-request-id"), "")
        if code != "00":
            raise SharingError(
                "GZ-SH-030",
                f"协查回调验证失败 ({code})",
                request_id=rid,
                message_en=f"callback refused: {code}",
            )
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise SharingError(
                "GZ-SH-030",
                "协查回调内容不是 JSON",
                request_id=rid,
                message_en="callback body not JSON",
            ) from exc
        return self._status(doc, rid)

    # -- on-site dispatch (R-045) ----------------------------------------------------------
    def dispatch_onsite(self, idempotency_key: str, task: Mapping[str, Any]) -> CallResult:
        """Hand an on-site verification task to 互联网+监管 (idempotent per key); raises
        GZ-SH-041 when undetermined, GZ-SH-042 when refused."""
        r = self.client.call(
            "POST",
            "/onsite/tasks",
            dict(task),
            request_id=idempotency_key,
            operation="onsite.dispatch",
        )
        if r.outcome is OnlineOutcome.VERIFIED:
            return r
        code = "GZ-SH-041" if r.outcome is OnlineOutcome.UNDETERMINED else "GZ-SH-042"
        raise SharingError(
            code,
            f"现场核查任务派发未完成 ({r.last_code or r.body_code})",
            request_id=idempotency_key,
            message_en="on-site dispatch failed",
        )
