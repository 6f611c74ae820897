"""The data-sharing client: pooled sessions, timeouts, one deadline, re-signing retries,
breaker, limiter, retry budget, single-flight tokens, paging checks, clock-skew detection
and one evidence record per call (DESIGN §7, TRANSPORT §3, §5).

Every :meth:`SharingClient.call` ends in exactly one of the six outcomes; ``requests``
exceptions never escape.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.sharing.classify import Classified, Kind, classify_reference
from gaozhi_sdk.sharing.config import TransportConfig
from gaozhi_sdk.sharing.errors import SharingError
from gaozhi_sdk.sharing.evidence import EvidenceSink, MemoryEvidenceSink
from gaozhi_sdk.sharing.resilience import CircuitBreaker, RateLimiter, RetryBudget, backoff_delay
from gaozhi_sdk.sharing.signing import SigningProfile, canonical_query, check_echo, sm3_hex
from gaozhi_sdk.sharing.tokens import TokenCache

__all__ = ["Attempt", "CallResult", "PagedResult", "SharingClient"]

log = logging.getLogger("gaozhi_sdk.sharing")

Classifier = Callable[[int, Mapping[str, str], bytes], Classified]

_DEFINITIVE: Mapping[Kind, OnlineOutcome] = {
    Kind.OK: OnlineOutcome.VERIFIED,
    Kind.NOT_FOUND: OnlineOutcome.NOT_FOUND,
    Kind.MISMATCH: OnlineOutcome.MISMATCH,
    Kind.CONSENT_REQUIRED: OnlineOutcome.CONSENT_REQUIRED,
    Kind.REJECTED: OnlineOutcome.REJECTED,
}


def kind_needs_auth(kind: Kind) -> bool:
    """Answers that end a call with a business outcome must be authenticated and bound."""
    return kind in _DEFINITIVE


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a call (for evidence)."""

    n: int
    t_start: float
    t_end: float
    http_status: int | None
    body_code: str
    error_class: str = ""
    provider_request_id: str = ""


@dataclass(frozen=True)
class CallResult:
    """How one call ended. ``outcome`` is one of the six (DESIGN §7).

    For a verification, VERIFIED means the provider confirmed the data; for other
    operations (push, ticket) it means the provider accepted the request definitively.
    UNDETERMINED carries ``hop`` (client | network | gateway | provider) and ``last_code``.
    """

    request_id: str
    outcome: OnlineOutcome
    data: Any = None
    body_code: str = ""
    http_status: int | None = None
    hop: str = ""
    last_code: str = ""
    detail: str = ""
    attempts: tuple[Attempt, ...] = ()
    evidence_id: str = ""
    server_time_ms: int | None = None
    clock_skew_s: float | None = None
    ambiguous: bool = False

    @property
    def definitive(self) -> bool:
        """True unless UNDETERMINED."""
        return self.outcome is not OnlineOutcome.UNDETERMINED


@dataclass(frozen=True)
class PagedResult:
    """All pages of a dataset query, or UNDETERMINED with ``last_code`` on inconsistency."""

    request_id: str
    outcome: OnlineOutcome
    records: tuple[Any, ...] = ()
    total: int = 0
    pages: int = 0
    last_code: str = ""
    detail: str = ""


@dataclass
class _State:
    attempts: list[Attempt] = field(default_factory=list)
    last: Classified | None = None
    last_error: str = ""
    hop: str = ""
    ambiguous: bool = False


class SharingClient:
    """A client of one provincial sharing gateway.

    Args:
        config: the transport configuration (timeouts, deadline, CA bundle, proxy …).
        profile: the request-signing profile.
        secret: the app secret (never logged; not in reprs).
        auth_mode: ``"none"``; ``"bearer"`` — fetch ``/auth/token`` and send
            ``Authorization: Bearer``; ``"secret"`` — the token is the signing secret
            (two-secret flows; pass ``tokens``).
        tokens: a :class:`TokenCache` (built automatically for ``"bearer"``).
        evidence: where evidence records go (default: in memory).
        classifier: body-code classification (default: the reference gateway's).
        authenticate_responses: check that every definitive answer echoes the request id
            (and the profile's nonce) and, where the profile signs answers, carries a valid
            response signature; an answer that fails is REJECTED, never VERIFIED. Only a
            plain delivery receiver whose 2xx carries no data (webhooks) turns this off.
        rng, sleep, clock: injectable for deterministic tests.

    A redirect (HTTP 3xx) is never followed: the call ends UNDETERMINED (``HTTP_3xx``).
    """

    def __init__(
        self,
        config: TransportConfig,
        profile: SigningProfile,
        secret: str,
        *,
        auth_mode: Literal["none", "bearer", "secret"] = "none",
        tokens: TokenCache | None = None,
        evidence: EvidenceSink | None = None,
        classifier: Classifier = classify_reference,
        authenticate_responses: bool = True,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.profile = profile
        self._secret = secret
        self.auth_mode = auth_mode
        self.evidence: EvidenceSink = evidence if evidence is not None else MemoryEvidenceSink()
        self.classifier = classifier
        self.authenticate_responses = authenticate_responses
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._clock = clock
        self.breaker = CircuitBreaker(config.breaker_fail_max, config.breaker_reset_s, clock=clock)
        self.limiter = (
            RateLimiter(config.rate_per_s, config.burst, clock=clock)
            if (config.rate_per_s > 0)
            else None
        )
        self.budget = RetryBudget(config.retry_budget)
        self._adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=config.pool_maxsize, pool_block=True, max_retries=0
        )
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        if auth_mode == "bearer" and tokens is None:
            tokens = TokenCache(self._fetch_token, margin_s=1.0, clock=clock)
        self.tokens = tokens
        self.stats: dict[str, int] = {"calls": 0, "attempts": 0}
        self._stats_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SharingClient({self.config.base_url!r}, profile={self.profile.name!r})"

    # -- sessions ----------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.mount("http://", self._adapter)
            s.mount("https://", self._adapter)
            s.headers["User-Agent"] = self.config.user_agent
            self._local.session = s
            with self._sessions_lock:
                self._sessions.append(s)
        return s

    def close(self) -> None:
        """Close every pooled connection."""
        with self._sessions_lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._adapter.close()

    def __enter__(self) -> SharingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- tokens ------------------------------------------------------------------------------
    def _fetch_token(self) -> tuple[str, float]:
        rid = f"token-{time.time_ns()}"
        res = self._call(
            "POST",
            "/auth/token",
            {},
            None,
            rid,
            operation="auth.token",
            use_token=False,
            record=False,
        )
        data = res.data if isinstance(res.data, Mapping) else {}
        if res.outcome is not OnlineOutcome.VERIFIED or "access_token" not in data:
            raise SharingError(
                "GZ-SH-005",
                f"获取访问令牌失败 ({res.last_code or res.body_code})",
                request_id=rid,
                message_en="token fetch failed",
            )
        return str(data["access_token"]), float(data.get("expires_in", 60))

    # -- calls -------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        request_id: str,
        query: Mapping[str, str | int] | None = None,
        operation: str = "",
        subject: Mapping[str, str] | None = None,
    ) -> CallResult:
        """One business call; ends in exactly one of the six outcomes, never raises for
        remote failures.

        Args:
            method, path, body, query: the HTTP request (body sent as JSON).
            request_id: the business request id (idempotency key), the same on every attempt.
            operation: a name for evidence (``licence.verify``, ``credit.push`` …).
            subject: already masked/digested subject fields for the evidence record.
        """
        return self._call(
            method,
            path,
            body,
            query,
            request_id,
            operation=operation or path,
            subject=subject,
        )

    def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        query: Mapping[str, str | int] | None,
        request_id: str,
        *,
        operation: str,
        subject: Mapping[str, str] | None = None,
        use_token: bool = True,
        record: bool = True,
    ) -> CallResult:
        with self._stats_lock:
            self.stats["calls"] += 1
        raw = (
            b""
            if body is None
            else json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
                "utf-8"
            )
        )
        try:
            result = self._attempts(method, path, raw, query, request_id, use_token=use_token)
        except SharingError as exc:
            result = CallResult(
                request_id,
                OnlineOutcome.UNDETERMINED,
                hop="client",
                last_code=exc.code,
                detail=exc.message,
            )
        except Exception as exc:  # never let a transport bug escape as a non-Gaozhi error
            log.warning("sharing call %s failed unexpectedly: %s", request_id, type(exc).__name__)
            result = CallResult(
                request_id,
                OnlineOutcome.UNDETERMINED,
                hop="client",
                last_code=f"CLIENT_{type(exc).__name__}",
            )
        if not record:
            return result
        rec = {
            "request_id": request_id,
            "provider_id": self.config.provider_id,
            "operation": operation,
            "profile": self.profile.name,
            "method": method,
            "path": path,
            "request_sm3": sm3_hex(raw),
            "response_sm3": sm3_hex(
                json.dumps(result.data, sort_keys=True, ensure_ascii=False).encode("utf-8")
            ),
            "outcome": result.outcome.value,
            "hop": result.hop,
            "last_code": result.last_code or result.body_code,
            "subject": dict(subject or {}),
            "attempts": [a.__dict__ for a in result.attempts],
            "recorded_at": time.time(),
        }
        try:
            ev = self.evidence.append(rec)
        except Exception as exc:  # fail closed (TRANSPORT §5.1)
            log.warning("evidence sink failed for %s: %s", request_id, type(exc).__name__)
            return CallResult(
                request_id,
                OnlineOutcome.UNDETERMINED,
                hop="client",
                last_code="EVIDENCE_UNWRITABLE",
                detail="证据记录无法写入, 按未确定处理",
                attempts=result.attempts,
            )
        return CallResult(**{**result.__dict__, "evidence_id": ev})

    def _undetermined(
        self, request_id: str, st: _State, code: str, detail: str = "", hop: str = ""
    ) -> CallResult:
        last = st.last
        return CallResult(
            request_id,
            OnlineOutcome.UNDETERMINED,
            data=None,
            body_code=last.code if last else "",
            http_status=st.attempts[-1].http_status if st.attempts else None,
            hop=hop or st.hop or (last.hop if last else "client"),
            last_code=code,
            detail=detail,
            attempts=tuple(st.attempts),
            server_time_ms=last.server_time_ms if last else None,
            ambiguous=st.ambiguous,
        )

    def _attempts(
        self,
        method: str,
        path: str,
        raw: bytes,
        query: Mapping[str, str | int] | None,
        request_id: str,
        *,
        use_token: bool,
    ) -> CallResult:
        cfg = self.config
        start = self._clock()
        deadline = start + cfg.deadline_s
        st = _State()
        qs = canonical_query(query)
        url = cfg.base_url.rstrip("/") + path + (f"?{qs}" if qs else "")
        host = urlsplit(cfg.base_url).hostname or ""
        refreshed = False
        attempt = 0
        while attempt < cfg.max_attempts:
            attempt += 1
            if not self.breaker.allow():
                return self._undetermined(
                    request_id, st, "BREAKER_OPEN", "熔断器打开, 未发出请求", hop="client"
                )
            if self.limiter is not None:
                wait = self.limiter.reserve()
                if self._clock() + wait >= deadline:
                    self.limiter.cancel()
                    return self._undetermined(request_id, st, "DEADLINE", "限流等待超出总时限")
                if wait > 0:
                    self._sleep(wait)
            remaining = deadline - self._clock()
            if remaining <= 0:
                return self._undetermined(request_id, st, "DEADLINE", "总时限已到")
            token = ""
            if use_token and self.tokens is not None and self.auth_mode != "none":
                token = self.tokens.get()
            secret = token if self.auth_mode == "secret" and use_token and token else self._secret
            headers = self.profile.sign(method, path, query, raw, request_id, secret=secret)
            headers["Content-Type"] = "application/json; charset=utf-8"
            if token and self.auth_mode == "bearer":
                headers["Authorization"] = f"Bearer {token}"
            for k, v in cfg.extra_headers:
                headers[k] = v
            timeout = (min(cfg.connect_timeout_s, remaining), min(cfg.read_timeout_s, remaining))
            t0 = time.time()
            with self._stats_lock:
                self.stats["attempts"] += 1
            error = ""
            timed_out = False
            try:
                resp = self._session().request(
                    method,
                    url,
                    data=raw if raw else None,
                    headers=headers,
                    timeout=timeout,
                    verify=cfg.verify,
                    proxies=cfg.proxies,
                    allow_redirects=False,
                )
                status, resp_headers, content = resp.status_code, resp.headers, resp.content
            except requests.exceptions.SSLError as exc:
                st.attempts.append(Attempt(attempt, t0, time.time(), None, "", "SSLError"))
                self.breaker.record_success()  # the endpoint is reachable; config problem
                reason = "unknown CA" if "CERTIFICATE_VERIFY_FAILED" in str(exc) else "TLS"
                return self._undetermined(
                    request_id,
                    st,
                    "TLS_VERIFY_FAILED",
                    f"主机 {host} 的 TLS 证书校验失败 ({reason}); 请将该网关的 CA 证书包配置到 "
                    "TransportConfig.ca_bundle (或环境变量 GAOZHI_SDK_CA_BUNDLE)",
                    hop="network",
                )
            except requests.exceptions.ProxyError as exc:
                error, st.hop = f"ProxyError:{type(exc.__cause__).__name__}", "network"
            except requests.exceptions.ConnectTimeout:
                error, st.hop, timed_out = "ConnectTimeout", "network", True
            except requests.exceptions.ReadTimeout:
                error, st.hop, timed_out = "ReadTimeout", "network", True
                st.ambiguous = method != "GET"
            except requests.exceptions.ConnectionError as exc:
                error, st.hop = "ConnectionError", "network"
                # a reset after the request was written may have been applied (commit-then-drop)
                if "RemoteDisconnected" in repr(exc) or "reset" in repr(exc).lower():
                    st.ambiguous = st.ambiguous or method != "GET"
            except requests.exceptions.RequestException as exc:
                error, st.hop = type(exc).__name__, "network"
                st.ambiguous = st.ambiguous or method != "GET"
            if error:
                st.attempts.append(Attempt(attempt, t0, time.time(), None, "", error))
                st.last = None
                st.last_error = error
                self.breaker.record_failure()
                kind, retry_after = Kind.TRANSIENT, None
                code = error.split(":")[0].upper()
            elif 300 <= status < 400:
                # never followed, never trusted: the redirect target is not the gateway we
                # configured (X-Road passes redirects through, TRANSPORT §1.1)
                st.attempts.append(
                    Attempt(attempt, t0, time.time(), status, "", f"HTTP_{status}_REDIRECT")
                )
                self.breaker.record_success()
                return self._undetermined(
                    request_id,
                    st,
                    f"HTTP_{status}",
                    f"网关返回重定向 (HTTP {status}), 不跟随、不采信",
                    hop="gateway",
                )
            else:
                c = self.classifier(status, resp_headers, content)
                st.last, st.hop = c, c.hop
                if kind_needs_auth(c.kind) and self.authenticate_responses:
                    check = self._check_answer(
                        status, headers, resp_headers, content, c, request_id, secret
                    )
                    if check != "00":
                        st.attempts.append(
                            Attempt(attempt, t0, time.time(), status, c.code, check, "")
                        )
                        self.breaker.record_success()
                        return CallResult(
                            request_id,
                            OnlineOutcome.REJECTED,
                            body_code=c.code,
                            http_status=status,
                            hop="gateway",
                            last_code=check,
                            detail=f"应答未通过认证或与请求不对应 ({check}); "
                            f"应答声称 {c.code}, 不予采信",
                            attempts=tuple(st.attempts),
                        )
                st.attempts.append(
                    Attempt(attempt, t0, time.time(), status, c.code, "", c.provider_request_id)
                )
                kind, retry_after, code = c.kind, c.retry_after_s, c.code
                skew = None
                if c.server_time_ms is not None:
                    skew = (c.server_time_ms - t0 * 1000) / 1000.0
                if kind in _DEFINITIVE:
                    self.breaker.record_success()
                    if attempt == 1:
                        self.budget.on_success()
                    return CallResult(
                        request_id,
                        _DEFINITIVE[kind],
                        data=c.data,
                        body_code=c.code,
                        http_status=status,
                        hop="" if kind is Kind.OK else c.hop,
                        last_code="" if kind is Kind.OK else c.code,
                        attempts=tuple(st.attempts),
                        server_time_ms=c.server_time_ms,
                        clock_skew_s=skew
                        if skew is not None and abs(skew) > cfg.max_skew_s
                        else None,
                        ambiguous=st.ambiguous,
                    )
                if kind is Kind.SKEW:
                    self.breaker.record_success()
                    return CallResult(
                        request_id,
                        OnlineOutcome.UNDETERMINED,
                        body_code=c.code,
                        http_status=status,
                        hop="client",
                        last_code="CLOCK_SKEW",
                        detail=f"本机时钟与网关相差约 {skew if skew is not None else '?'} 秒; "
                        f"网关时间 {c.server_time_ms}",
                        attempts=tuple(st.attempts),
                        server_time_ms=c.server_time_ms,
                        clock_skew_s=skew,
                    )
                if kind is Kind.AUTH_EXPIRED and self.tokens is not None and not refreshed:
                    self.tokens.invalidate(token)
                    refreshed = True
                    attempt -= 1  # a refresh is not a failed attempt (once per call)
                    continue
                if kind is Kind.TRANSIENT:
                    self.breaker.record_failure()
                else:
                    self.breaker.record_success()
            if attempt >= cfg.max_attempts:
                break
            if retry_after is not None and retry_after > cfg.retry_after_cap_s:
                return self._undetermined(
                    request_id,
                    st,
                    code,
                    f"Retry-After {retry_after:.0f}s 超过上限 "
                    f"{cfg.retry_after_cap_s:.0f}s, 延后处理",
                )
            if kind is not Kind.REPLAY and not self.budget.try_acquire(timeout=timed_out):
                return self._undetermined(request_id, st, "RETRY_BUDGET_EXHAUSTED")
            delay = backoff_delay(
                attempt,
                base_s=cfg.backoff_base_s,
                cap_s=cfg.backoff_cap_s,
                rng=self._rng,
                retry_after_s=retry_after,
            )
            if self._clock() + delay >= deadline:
                return self._undetermined(request_id, st, code, "重试等待超出总时限")
            self._sleep(delay)
        last_code = st.last.code if st.last is not None else st.last_error.split(":")[0].upper()
        return self._undetermined(request_id, st, last_code, "重试次数已用尽")

    def _check_answer(
        self,
        status: int,
        request_headers: Mapping[str, str],
        response_headers: Mapping[str, str],
        content: bytes,
        c: Classified,
        request_id: str,
        secret: str,
    ) -> str:
        """``"00"`` if a definitive answer is authentic and bound to this attempt."""
        code = self.profile.verify_response(
            status, request_headers, response_headers, content, secret=secret
        )
        if code != "00":
            return code
        return check_echo(
            self.profile, request_headers, response_headers, c.provider_request_id, request_id
        )

    # -- paging ------------------------------------------------------------------------------
    def fetch_all(
        self,
        path: str,
        filters: Mapping[str, Any],
        *,
        request_id: str,
        page_size: int = 100,
        max_pages: int = 1000,
        key: str = "id",
    ) -> PagedResult:
        """Every page of a dataset query with consistency checks: the total must not change
        between pages, no record may repeat, and the count must equal the total — otherwise
        UNDETERMINED ``PAGING_INCONSISTENT`` instead of a silently partial set."""
        records: list[Any] = []
        seen: set[Any] = set()
        total: int | None = None
        page = 1
        while page <= max_pages:
            res = self.call(
                "POST",
                path,
                {"filters": dict(filters), "page_no": page, "page_size": page_size},
                request_id=f"{request_id}:p{page}",
                operation=f"data.query:{path}",
            )
            if res.outcome is not OnlineOutcome.VERIFIED:
                return PagedResult(
                    request_id,
                    res.outcome,
                    tuple(records),
                    total or 0,
                    page - 1,
                    res.last_code,
                    res.detail,
                )
            data = res.data if isinstance(res.data, Mapping) else {}
            t = data.get("total")
            rows = data.get("records")
            if not isinstance(t, int) or not isinstance(rows, list) or len(rows) > page_size:
                return self._inconsistent(request_id, records, total, page, "分页结构不符")
            if total is None:
                total = t
            elif t != total:
                return self._inconsistent(
                    request_id, records, total, page, f"分页总数在第 {page} 页由 {total} 变为 {t}"
                )
            for r in rows:
                k = r.get(key) if isinstance(r, Mapping) else json.dumps(r, sort_keys=True)
                if k in seen:
                    return self._inconsistent(request_id, records, total, page, "分页出现重复记录")
                seen.add(k)
                records.append(r)
            if not rows or len(records) >= total:
                break
            page += 1
        if total is None or len(records) != total:
            return self._inconsistent(
                request_id, records, total, page, f"记录数 {len(records)} 与总数 {total} 不符"
            )
        return PagedResult(request_id, OnlineOutcome.VERIFIED, tuple(records), total, page)

    @staticmethod
    def _inconsistent(
        request_id: str, records: list[Any], total: int | None, page: int, detail: str
    ) -> PagedResult:
        return PagedResult(
            request_id,
            OnlineOutcome.UNDETERMINED,
            tuple(records),
            total or 0,
            page,
            "PAGING_INCONSISTENT",
            detail,
        )
