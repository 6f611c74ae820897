"""RFC 9457 ``application/problem+json`` for every error of the service (DESIGN §10).

``type`` names the GZ code (``urn:gaozhi:error:GZ-WF-002``), ``title`` is the Chinese
message, ``detail`` the English one, ``code`` the GZ code, ``instance`` the request path.
Bad input is always a 4xx: coded :class:`~gaozhi_sdk.errors.GaozhiError` subclasses map
to 4xx statuses; only store failures and misconfiguration are 5xx.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from gaozhi_sdk.errors import (
    ConfigError,
    GaozhiError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    WorkflowError,
)

__all__ = ["PROBLEM_MEDIA_TYPE", "Problem", "problem_body", "status_for"]

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details with the GZ code."""

    type: str = Field(description="问题类型 URI (urn:gaozhi:error:<code>)")
    title: str = Field(description="中文说明")
    status: int = Field(description="HTTP 状态码")
    detail: str = Field(description="English detail")
    code: str = Field(description="错误代码, 如 GZ-WF-002")
    instance: str = Field(description="请求路径")
    errors: list[dict[str, Any]] | None = Field(default=None, description="字段错误 (如有)")


#: the operator's configuration, not the caller's request (a missing seal or secret; client
#: revocation files that cannot be used — every mTLS call is refused until they are fixed)
_OPERATOR_CODES = frozenset({"GZ-CF-030", "GZ-CF-061", "GZ-CF-067"})
_HTTP_CODES = {
    "GZ-HT-400": 400,
    "GZ-HT-401": 401,
    "GZ-HT-404": 404,
    "GZ-HT-405": 405,
    "GZ-HT-410": 409,
    "GZ-HT-413": 413,
    "GZ-HT-422": 422,
    "GZ-HT-423": 422,
    "GZ-HT-500": 500,
}


def status_for(err: GaozhiError) -> int:
    """The HTTP status of a coded error."""
    code = err.code
    if isinstance(err, NotFoundError) or code == "GZ-ST-404":
        return 404
    if isinstance(err, PermissionDeniedError) or code.startswith("GZ-AU-"):
        return 403
    if code in _HTTP_CODES:
        return _HTTP_CODES[code]
    if code == "GZ-ST-409" or isinstance(err, WorkflowError):
        return 409
    if code == "GZ-ST-501":
        return 503
    if isinstance(err, ConfigError):
        # a seal or secret the operator did not configure is not the caller's fault
        return 503 if code in _OPERATOR_CODES else 422
    if isinstance(err, StoreError) and code.split("-")[-1].startswith("5"):
        return 500
    return 422


def problem_body(
    *,
    code: str,
    title: str,
    detail: str,
    status: int,
    instance: str,
    errors: list[dict[str, Any]] | None = None,
) -> bytes:
    """Serialised problem document."""
    doc: dict[str, Any] = {
        "type": f"urn:gaozhi:error:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    if errors:
        doc["errors"] = errors
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def from_error(err: GaozhiError, instance: str) -> tuple[int, bytes]:
    """Status and body for a coded error (details that are not personal are kept)."""
    status = status_for(err)
    raw = err.details.get("errors") if isinstance(err.details, dict) else None
    errors = raw if isinstance(raw, list) else None
    return status, problem_body(
        code=err.code,
        title=err.message,
        detail=err.message_en or err.code,
        status=status,
        instance=instance,
        errors=errors,
    )
