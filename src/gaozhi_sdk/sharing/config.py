"""Transport configuration, set once and reaching every outbound call.

Defaults (documented in ``docs/transport.md``):

========================  ==========  ====================================================
setting                   default     meaning
========================  ==========  ====================================================
``connect_timeout_s``     3.05        TCP connect (slightly above a SYN retransmit)
``read_timeout_s``        10          per attempt, between bytes
``deadline_s``            15          one total deadline over all attempts and waits
``max_attempts``          4           attempts per call (first try included)
``retry_after_cap_s``     5           longer Retry-After ⇒ no sleep, UNDETERMINED (defer)
``pool_maxsize``          32          connections per host; ``pool_block`` on
``rate_per_s``            0 (off)     client token bucket; ``burst``
``breaker_fail_max``      5           consecutive transient failures before opening
``breaker_reset_s``       30          open → half-open probe
``max_skew_s``            120         larger server clock offset ⇒ CLOCK_SKEW
``ca_bundle``             None        PEM bundle; beats ``REQUESTS_CA_BUNDLE``
``proxy``                 None        HTTP(S) proxy URL for every call
``allow_insecure_loopback``  False    development switch: permit ``http://`` to a
                                      loopback host (127.0.0.0/8, ::1, localhost) only
========================  ==========  ====================================================

``base_url`` must be ``https://``. ``http://`` is refused (GZ-SH-006) unless
``allow_insecure_loopback`` is set *and* the host is a loopback address — for tests and
local development against the emulator; a remote ``http://`` gateway is refused always.

Environment fallbacks (read by :meth:`TransportConfig.from_env`): ``GAOZHI_SDK_CA_BUNDLE``,
``GAOZHI_SDK_PROXY``.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from gaozhi_sdk.sharing.errors import SharingError

__all__ = ["TransportConfig", "is_loopback"]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost`` (names other than ``localhost`` are not resolved)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class TransportConfig:
    """Everything the transport needs; immutable, shared by all calls of a client."""

    base_url: str
    provider_id: str = "provincial-sharing"
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 10.0
    deadline_s: float = 15.0
    max_attempts: int = 4
    retry_after_cap_s: float = 5.0
    backoff_base_s: float = 0.05
    backoff_cap_s: float = 1.0
    pool_maxsize: int = 32
    rate_per_s: float = 0.0
    burst: int = 20
    breaker_fail_max: int = 5
    breaker_reset_s: float = 30.0
    retry_budget: int = 500
    max_skew_s: float = 120.0
    ca_bundle: Path | None = None
    proxy: str | None = None
    user_agent: str = "gaozhi-sdk-sharing"
    extra_headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    allow_insecure_loopback: bool = False

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise SharingError(
                "GZ-SH-001", "数据共享地址须以 https:// 开头", message_en="bad base_url"
            )
        if self.base_url.startswith("http://"):
            host = urlsplit(self.base_url).hostname or ""
            if not self.allow_insecure_loopback or not is_loopback(host):
                raise SharingError(
                    "GZ-SH-006",
                    "数据共享地址须使用 https:// (明文 http:// 仅在开发开关 "
                    "allow_insecure_loopback 打开且主机为本机回环地址时允许)",
                    message_en="http:// is refused: use https:// (plain http only to a loopback "
                    "host with the development switch allow_insecure_loopback)",
                    details={"host": host, "allow_insecure_loopback": self.allow_insecure_loopback},
                )
        if min(self.connect_timeout_s, self.read_timeout_s, self.deadline_s) <= 0:
            raise SharingError("GZ-SH-001", "超时与总时限须为正数", message_en="bad timeouts")
        if self.max_attempts < 1:
            raise SharingError("GZ-SH-001", "最大尝试次数须至少为 1", message_en="bad attempts")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise SharingError(
                "GZ-SH-001",
                f"CA 证书包不存在: {self.ca_bundle} (设置项 TransportConfig.ca_bundle)",
                message_en="ca_bundle not found",
            )

    @property
    def verify(self) -> str | bool:
        """What ``requests`` gets as ``verify`` on every call (always explicit)."""
        return str(self.ca_bundle) if self.ca_bundle is not None else True

    @property
    def proxies(self) -> dict[str, str]:
        """What ``requests`` gets as ``proxies`` on every call."""
        return {"http": self.proxy, "https": self.proxy} if self.proxy else {}

    def with_(self, **changes: object) -> TransportConfig:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, base_url: str, **kwargs: object) -> TransportConfig:
        """Like the constructor, with ``GAOZHI_SDK_CA_BUNDLE`` / ``GAOZHI_SDK_PROXY`` fallbacks."""
        ca = kwargs.pop("ca_bundle", None) or os.environ.get("GAOZHI_SDK_CA_BUNDLE") or None
        proxy = kwargs.pop("proxy", None) or os.environ.get("GAOZHI_SDK_PROXY") or None
        return cls(
            base_url=base_url,
            ca_bundle=Path(str(ca)) if ca else None,
            proxy=str(proxy) if proxy else None,
            **kwargs,  # type: ignore[arg-type]
        )
