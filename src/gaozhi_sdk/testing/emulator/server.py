"""The emulator's HTTP server: stdlib ``ThreadingHTTPServer`` on 127.0.0.1 only.

Gateway style: HTTP 200 with a body ``code`` (``"00"`` success), ``msg``, ``data``,
``requestId`` and ``serverTime``; the request is signed with ``gaozhi-hmac-sm3-v1``
(TRANSPORT §5.2 server rules: skew ≤ 300 s, nonces remembered 600 s, reused request ids
replay or conflict). Every business answer is signed as that profile defines
(:func:`~gaozhi_sdk.sharing.signing.sign_reference_response`: echoed ``X-Request-Id`` and
``X-Nonce``, ``X-Response-Signature``); fault pages of the "gateway" (5xx HTML, resets,
malformed bodies) are not. With a certificate and key the listener speaks TLS.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import select
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from gaozhi_sdk.sharing.signing import (
    NonceCache,
    ReferenceProfile,
    sign_reference_response,
    sm3_hex,
    verify_reference_request,
)
from gaozhi_sdk.testing._http import LoopbackHTTPServer
from gaozhi_sdk.testing.emulator.faults import FaultPlan, LatencyModel
from gaozhi_sdk.testing.emulator.state import EmulatorState, now_ms

__all__ = ["EmulatorConfig", "EmulatorServer"]

log = logging.getLogger("gaozhi_sdk.testing.emulator")


@dataclass
class EmulatorConfig:
    """Settings of one emulator process."""

    seed: int = 0
    app_key: str = "gaozhi-emulator"
    app_secret: str = "emulator-secret"  # noqa: S105 - synthetic test credential
    token_ttl_s: float = 900.0
    require_token: bool = False
    latency_ms: float = 0.0
    latency_p99_ms: float | None = None
    assist_delay_s: float = 0.5
    idle_timeout_s: float = 120.0
    ttl_s: float = 3600.0
    black_hole_max_s: float = 60.0
    rate_per_s: float = 0.0
    burst: int = 20


_ROUTES_POST = {
    "/auth/token": "auth.token",
    "/licence/query": "licence.query",
    "/licence/verify": "licence.verify",
    "/proof/verify": "proof.verify",
    "/credit/push": "credit.push",
    "/credit/snapshot": "credit.snapshot",
    "/assist/requests": "assist.open",
    "/onsite/tasks": "onsite.task",
}


class _Server(LoopbackHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


class EmulatorServer:
    """The emulator: state, faults, latency, stats and the HTTP listener."""

    def __init__(
        self, config: EmulatorConfig, port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.config = config
        self.state = EmulatorState(config.seed)
        self.faults = FaultPlan(seed=config.seed)
        self.latency = LatencyModel(config.latency_ms, config.latency_p99_ms, config.seed)
        self.nonces = NonceCache(600.0)
        self.clock_offset_s = 0.0
        self.outage_until = 0.0
        self.stats: Counter[str] = Counter()
        self.stats_lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.last_activity = time.monotonic()
        self.started = time.monotonic()
        self._bucket = float(config.burst)
        self._bucket_t = time.monotonic()
        self.httpd = _Server(("127.0.0.1", port), _make_handler(self))
        self.tls = tls is not None
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL (``https://`` when serving TLS)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def count(self, key: str, n: int = 1) -> None:
        """Increment a stats counter."""
        with self.stats_lock:
            self.stats[key] += n

    def now_ms(self) -> int:
        """The emulator clock (ms)."""
        return now_ms(self.clock_offset_s)

    def rate_ok(self) -> bool:
        """Per-app token bucket (off when rate is 0)."""
        if self.config.rate_per_s <= 0:
            return True
        with self.stats_lock:
            t = time.monotonic()
            self._bucket = min(
                self.config.burst, self._bucket + (t - self._bucket_t) * self.config.rate_per_s
            )
            self._bucket_t = t
            if self._bucket >= 1:
                self._bucket -= 1
                return True
            return False

    def serve(self, parent_pid: int | None = None) -> None:
        """Serve until idle, TTL or parent death."""
        watchdog = threading.Thread(target=self._watch, args=(parent_pid,), daemon=True)
        watchdog.start()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()

    def start_in_thread(self) -> threading.Thread:
        """Serve in a daemon thread (in-process use, e.g. benchmarks of the server)."""
        t = threading.Thread(target=self.serve, daemon=True)
        t.start()
        return t

    def shutdown(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()

    def _watch(self, parent_pid: int | None) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            idle = now - self.last_activity > self.config.idle_timeout_s and self.active == 0
            expired = now - self.started > self.config.ttl_s
            orphan = parent_pid is not None and os.getppid() != parent_pid
            if idle or expired or orphan:
                log.info("emulator exiting (idle=%s ttl=%s orphan=%s)", idle, expired, orphan)
                threading.Thread(target=self.httpd.shutdown, daemon=True).start()
                return

    def stats_doc(self) -> dict[str, Any]:
        """Admin stats."""
        with self.stats_lock:
            d: dict[str, Any] = dict(self.stats)
        d["max_concurrent"] = self.max_active
        d["ledger_size"] = len(self.state.ledger)
        d["tokens_issued"] = self.stats.get("tokens_issued", 0)
        return d


def _make_handler(emu: EmulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_emu = emu

    return Handler


class _Drop(Exception):
    """Abort the exchange without answering."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_emu: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing ----------------------------------------------------------------------------
    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(
        self,
        status: int,
        payload: bytes,
        ctype: str = "application/json; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload) if length is None else length))
        self.send_header("X-Server-Time", str(self.server_emu.now_ms()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _reply(
        self,
        code: str,
        data: Any = None,
        msg: str = "",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        doc = {
            "code": code,
            "msg": msg or ("成功" if code == "00" else code),
            "data": data,
            "requestId": self.headers.get("X-Request-Id", ""),
            "serverTime": self.server_emu.now_ms(),
        }
        payload = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        signed = sign_reference_response(
            status,
            dict(self.headers.items()),
            payload,
            secret=self.server_emu.config.app_secret,
            timestamp_ms=self.server_emu.now_ms(),
        )
        self._send(status, payload, headers={**signed, **(headers or {})})

    def _reset(self) -> None:
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
        raise _Drop

    def _black_hole(self) -> None:
        end = time.monotonic() + self.server_emu.config.black_hole_max_s
        conn = self.connection
        while time.monotonic() < end:
            r, _, _ = select.select([conn], [], [], 0.2)
            if r:
                try:
                    if conn.recv(1, socket.MSG_PEEK) == b"":
                        break
                except OSError:
                    break
        self._reset()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        emu = self.server_emu
        emu.last_activity = time.monotonic()
        with emu.stats_lock:
            emu.active += 1
            emu.max_active = max(emu.max_active, emu.active)
        try:
            self._handle(method)
        except _Drop:
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with emu.stats_lock:
                emu.active -= 1
            emu.last_activity = time.monotonic()

    # -- routing -----------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        emu = self.server_emu
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._body()
        if path.startswith("/_admin/"):
            self._admin(method, path, body)
            return
        if time.monotonic() < emu.outage_until:
            emu.count("outage_refused")
            self._reset()
        route = self._route(method, path)
        if route is None:
            self._reply("NOT_FOUND", msg="无此接口", status=404)
            return
        emu.count(f"requests:{route}")
        fault = emu.faults.draw(route)
        if fault:
            emu.count(f"fault:{fault}")
        delay = emu.latency.sample_s()
        if delay:
            time.sleep(delay)
        self._pre_fault(fault)
        if not emu.rate_ok():
            emu.count("rate_limited")
            self._send(
                429, b'{"code":"THROTTLED","msg":"too many requests"}', headers={"Retry-After": "1"}
            )
            return
        skew_ms = int(emu.faults.skew_s * 1000) if fault == "clock_skew" else 0
        check = verify_reference_request(
            method,
            parts.path,
            query,
            dict(self.headers.items()),
            body,
            secret_of={emu.config.app_key: emu.config.app_secret},
            now_ms=emu.now_ms() + skew_ms,
            nonces=emu.nonces,
        )
        if check != "00":
            emu.count(f"auth:{check}")
            self._reply(check)
            return
        if emu.config.require_token and route != "auth.token" and not self._token_ok():
            emu.count("auth:TOKEN_EXPIRED")
            self._reply("TOKEN_EXPIRED", msg="访问令牌已过期")
            return
        try:
            doc = json.loads(body) if body else {}
        except ValueError:
            self._reply("PARAM_INVALID", msg="请求体不是合法 JSON")
            return
        if not isinstance(doc, dict):
            self._reply("PARAM_INVALID", msg="请求体须为 JSON 对象")
            return
        code, data, msg = self._route_call(route, method, path, doc, body, fault)
        emu.count(f"code:{route}:{code}")
        if fault == "commit_then_drop":
            self._reset()
        if fault == "paging_total_drift" and isinstance(data, dict) and "total" in data:
            data = {**data, "total": int(data["total"]) + 1 + int(doc.get("page_no", 1))}
        self._reply(code, data, msg)

    @staticmethod
    def _route(method: str, path: str) -> str | None:
        if method == "POST":
            if path in _ROUTES_POST:
                return _ROUTES_POST[path]
            if path.startswith("/data/") and path.endswith("/query"):
                return "data.query"
        if method == "GET":
            if path.startswith("/credit/push/"):
                return "credit.status"
            if path.startswith("/assist/requests/"):
                return "assist.poll"
            if path.startswith("/onsite/tasks/"):
                return "onsite.status"
        return None

    def _pre_fault(self, fault: str | None) -> None:
        emu = self.server_emu
        ra = str(int(emu.faults.retry_after_s))
        if fault == "http_5xx":
            self._send(502, b"<html>502 Bad Gateway</html>", "text/html")
            raise _Drop
        if fault == "http_429":
            self._send(429, b'{"code":"THROTTLED"}', headers={"Retry-After": ra})
            raise _Drop
        if fault == "http_503_retry_after":
            self._send(503, b'{"code":"SERVICE_UNAVAILABLE"}', headers={"Retry-After": ra})
            raise _Drop
        if fault == "body_throttle":
            self._reply("THROTTLED", msg="请求过于频繁", headers={"Retry-After": ra})
            raise _Drop
        if fault == "reset_before_response":
            self._reset()
        if fault == "black_hole":
            self._black_hole()
        if fault == "truncated_body":
            self._send(200, b'{"code":"00","data":{"res', length=400)
            self._reset()
        if fault == "malformed_json":
            self._send(200, b'{"code":"00","data":')
            raise _Drop
        if fault == "html_waf_page":
            self._send(200, "<html><body>访问被拦截 (WAF)</body></html>".encode(), "text/html")
            raise _Drop
        if fault == "token_expired_code":
            self._reply("TOKEN_EXPIRED", msg="访问令牌已过期")
            raise _Drop
        if fault == "sign_invalid":
            self._reply("SIGN_INVALID", msg="签名无效")
            raise _Drop

    def _token_ok(self) -> bool:
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.server_emu.state.lock:
            exp = self.server_emu.state.tokens.get(token)
        return exp is not None and self.server_emu.now_ms() < exp

    # -- business routes ---------------------------------------------------------------------
    def _route_call(
        self, route: str, method: str, path: str, doc: dict[str, Any], raw: bytes, fault: str | None
    ) -> tuple[str, Any, str]:
        emu = self.server_emu
        st = emu.state
        rid = self.headers.get("X-Request-Id", "")
        if route == "auth.token":
            token = secrets.token_urlsafe(24)
            with st.lock:
                st.tokens[token] = emu.now_ms() + emu.config.token_ttl_s * 1000
            emu.count("tokens_issued")
            return "00", {"access_token": token, "expires_in": emu.config.token_ttl_s}, ""
        if route in ("proof.verify", "licence.verify", "licence.query"):
            return self._verify(route, doc)
        if route == "credit.snapshot":
            h = st.holders.get(str(doc.get("subject_id", "")))
            items = h.adverse if h else []
            return "00", {"items": items, "source": "信用信息共享平台(模拟)"}, ""
        if route == "data.query":
            return self._data(doc)
        if route in ("credit.push", "assist.open", "onsite.task"):
            return self._idempotent(route, rid, doc, raw)
        if route == "credit.status":
            key = path.rsplit("/", 1)[-1]
            with st.lock:
                entry = st.ledger_by_key.get(key)
            if entry is None:
                return "NOT_FOUND", None, "无此推送记录"
            return "00", {"status": "ACCEPTED", "ledger_seq": entry["seq"]}, ""
        if route == "assist.poll":
            ticket = st.tickets.get(path.rsplit("/", 1)[-1])
            if ticket is None:
                return "NOT_FOUND", None, "无此协查工单"
            return "00", st.ticket_status(ticket, time.monotonic(), emu.config.assist_delay_s), ""
        if route == "onsite.status":
            task = st.tasks.get(path.rsplit("/", 1)[-1])
            return ("00", task, "") if task else ("NOT_FOUND", None, "无此核查任务")
        return "PARAM_INVALID", None, "未知操作"

    def _verify(self, route: str, doc: dict[str, Any]) -> tuple[str, Any, str]:
        st = self.server_emu.state
        sid = str(doc.get("subject_id", ""))
        if not sid:
            return "PARAM_INVALID", None, "缺少主体证件号码"
        h = st.holders.get(sid)
        if h is None:
            return "NOT_FOUND", None, "未查询到该主体的数据"
        if doc.get("subject_name") and doc["subject_name"] != h.name:
            return "MISMATCH", {"result": "MISMATCH", "field": "subject_name"}, "姓名不一致"
        if route == "licence.query":
            code = str(doc.get("licence_type_code", ""))
            lic = [x for x in h.licences if x["type_code"] == code]
            if code and code in {"11100000000000002"} and not doc.get("consent_token"):
                return (
                    "CONSENT_REQUIRED",
                    {
                        "ticket": f"CT-{secrets.token_hex(6)}",
                        "consent_url": "http://127.0.0.1/consent",
                    },
                    "需持证人授权",
                )
            if not lic:
                return "NOT_FOUND", None, "未查询到证照"
            return "00", {"licences": lic}, ""
        proof = str(doc.get("proof_name", ""))
        if route == "licence.verify":
            num = str(doc.get("licence_no", ""))
            lic = [x for x in h.licences if x["number"] == num]
            if not lic:
                return "NOT_FOUND", None, "未查询到证照"
            ok = lic[0]["status"] == "VALID"
            return (
                ("00", {"result": "MATCH"}, "")
                if ok
                else (
                    "MISMATCH",
                    {"result": "MISMATCH", "status": lic[0]["status"]},
                    "证照状态无效",
                )
            )
        if proof not in h.proofs and str(doc.get("entry_id", "")) in h.proofs:
            proof = str(doc["entry_id"])  # ground truth loaded per commitment-list entry
        if proof in h.consent:
            return "CONSENT_REQUIRED", {"ticket": f"CT-{secrets.token_hex(6)}"}, "需持证人授权"
        if proof not in h.proofs:
            return "NOT_FOUND", None, "共享数据中无该证明事项"
        rid = self.headers.get("X-Request-Id", "")
        receipt = "RC-" + hashlib.sha256(rid.encode("utf-8")).hexdigest()[:12]
        if h.proofs[proof]:
            return "00", {"result": "MATCH", "receipt": receipt}, ""
        return "MISMATCH", {"result": "MISMATCH", "receipt": receipt}, "承诺内容与共享数据不符"

    def _data(self, doc: dict[str, Any]) -> tuple[str, Any, str]:
        rows = self.server_emu.state.dataset
        filters = doc.get("filters") or {}
        if isinstance(filters, dict) and filters.get("region"):
            rows = [r for r in rows if r["region"] == filters["region"]]
        try:
            page_no = max(1, int(doc.get("page_no", 1)))
            size = max(1, min(500, int(doc.get("page_size", 50))))
        except (TypeError, ValueError):
            return "PARAM_INVALID", None, "分页参数无效"
        chunk = rows[(page_no - 1) * size : page_no * size]
        return (
            "00",
            {"total": len(rows), "page_no": page_no, "page_size": size, "records": chunk},
            "",
        )

    def _idempotent(
        self, route: str, rid: str, doc: dict[str, Any], raw: bytes
    ) -> tuple[str, Any, str]:
        """Exactly-once per request id: same body → stored reply; other body → CONFLICT."""
        emu = self.server_emu
        st = emu.state
        if not rid:
            return "PARAM_INVALID", None, "缺少 X-Request-Id"
        digest = sm3_hex(raw)
        key = (route, rid)
        with st.lock:
            prior = st.replies.get(key)
            if prior is not None:
                if prior["digest"] != digest:
                    emu.count(f"conflict:{route}")
                    return "CONFLICT", None, "同一请求编号的请求内容不同"
                emu.count(f"replay:{route}")
                return "00", {**prior["data"], "replayed": True}, ""
            if key in st.in_flight:
                return "IN_FLIGHT", None, "同一请求正在处理"
            st.in_flight.add(key)
        try:
            data = self._apply(route, rid, doc)
            with st.lock:
                st.replies[key] = {"digest": digest, "data": data}
        finally:
            with st.lock:
                st.in_flight.discard(key)
        return "00", data, ""

    def _apply(self, route: str, rid: str, doc: dict[str, Any]) -> dict[str, Any]:
        emu = self.server_emu
        st = emu.state
        if route == "credit.push":
            with st.lock:
                entry = {
                    "seq": len(st.ledger) + 1,
                    "request_id": rid,
                    "record": doc,
                    "at": emu.now_ms(),
                }
                st.ledger.append(entry)
                st.ledger_by_key[rid] = entry
            return {"status": "ACCEPTED", "ledger_seq": entry["seq"]}
        if route == "assist.open":
            ticket_id = "AT-" + hashlib.sha256(rid.encode()).hexdigest()[:12]
            ticket = {
                "ticket": ticket_id,
                "created": time.monotonic(),
                "request_id": rid,
                "subject_id": str(doc.get("subject_id", "")),
                "proof_name": str(doc.get("proof_name", "")),
                "callback_url": str(doc.get("callback_url", "")),
            }
            with st.lock:
                st.tickets[ticket_id] = ticket
            if ticket["callback_url"]:
                threading.Thread(target=self._callback, args=(ticket,), daemon=True).start()
            return {"ticket": ticket_id, "status": "PENDING"}
        task_id = "OT-" + hashlib.sha256(rid.encode()).hexdigest()[:12]
        task = {
            "task_id": task_id,
            "status": "RECEIVED",
            "case_no": doc.get("case_no", ""),
            "entry_id": doc.get("entry_id", ""),
        }
        with st.lock:
            st.tasks[task_id] = task
        return task

    def _callback(self, ticket: dict[str, Any]) -> None:
        """POST the signed result to a loopback callback URL (bounded retries)."""
        emu = self.server_emu
        url = ticket["callback_url"]
        host = urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost"):
            emu.count("callback_refused_non_loopback")
            return
        time.sleep(emu.config.assist_delay_s)
        status = emu.state.ticket_status(ticket, time.monotonic() + 1e-3, 0.0)
        body = json.dumps(status, ensure_ascii=False, sort_keys=True).encode("utf-8")
        profile = ReferenceProfile(emu.config.app_key)
        for _ in range(3):
            headers = profile.sign(
                "POST",
                urlsplit(url).path,
                None,
                body,
                f"cb-{ticket['ticket']}",
                secret=emu.config.app_secret,
                timestamp_ms=emu.now_ms(),
            )
            headers["Content-Type"] = "application/json; charset=utf-8"
            try:
                r = requests.post(url, data=body, headers=headers, timeout=(2, 5))
                if r.status_code < 300:
                    emu.count("callbacks_delivered")
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        emu.count("callbacks_failed")

    # -- admin ---------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, body: bytes) -> None:
        emu = self.server_emu
        try:
            doc = json.loads(body) if body else {}
        except ValueError:
            self._send(400, b'{"error":"bad json"}')
            return
        out: Any
        if path == "/_admin/faults":
            if method == "PUT":
                try:
                    emu.faults.configure(doc)
                except (ValueError, TypeError, AttributeError) as exc:
                    self._send(400, json.dumps({"error": str(exc)}).encode())
                    return
            out = emu.faults.to_dict()
        elif path == "/_admin/stats":
            out = emu.stats_doc()
        elif path == "/_admin/ledger":
            with emu.state.lock:
                out = {"entries": list(emu.state.ledger)}
        elif path == "/_admin/clock":
            if method == "PUT":
                emu.clock_offset_s = float(doc.get("offset_s", 0.0))
            out = {"offset_s": emu.clock_offset_s, "now_ms": emu.now_ms()}
        elif path == "/_admin/latency":
            if method == "PUT":
                emu.latency = LatencyModel(
                    float(doc.get("p50_ms", 0.0)), doc.get("p99_ms"), emu.config.seed
                )
            out = {"p50_ms": emu.latency.p50_ms, "p99_ms": emu.latency.p99_ms}
        elif path == "/_admin/outage" and method == "POST":
            emu.outage_until = time.monotonic() + float(doc.get("seconds", 1.0))
            out = {"outage_s": float(doc.get("seconds", 1.0))}
        elif path == "/_admin/holders":
            if method == "POST":
                for h in doc.get("holders", []):
                    emu.state.upsert_holder(h)
            with emu.state.lock:
                out = {"holders": [h.to_dict() for h in emu.state.holders.values()]}
        elif path == "/_admin/reset" and method == "POST":
            emu.state = EmulatorState(emu.config.seed)
            emu.faults.configure({"rules": {}})
            emu.outage_until = 0.0
            emu.clock_offset_s = 0.0
            emu.nonces = NonceCache(600.0)
            with emu.stats_lock:
                emu.stats.clear()
                emu.max_active = 0
            out = {"reset": True}
        else:
            self._send(404, b'{"error":"no such admin endpoint"}')
            return
        self._send(200, json.dumps(out, ensure_ascii=False).encode("utf-8"))
