"""Verification answers are authenticated and bound to the request (issue 10, item 1).

A tampering proxy on 127.0.0.1 sits between the client and the emulator and flips
results, replaces the request id, strips or forges the response signature, redirects and
replays old answers. None of it may yield a VERIFIED (R-044: never verified by default).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from gaozhi_sdk.models.enums import OnlineOutcome as O
from gaozhi_sdk.sharing import (
    HmacSha256HeaderProfile,
    ReferenceProfile,
    SharingClient,
    SharingError,
    TransportConfig,
)
from gaozhi_sdk.sharing.signing import (
    check_echo,
    sign_reference_response,
    sm3_hex,
    verify_reference_response,
)
from gaozhi_sdk.testing.emulator import EmulatorProcess

from .conftest import holder_with

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass
class _Tamper:
    """What the proxy does to each answer; ``kept`` holds genuine answers for replay."""

    mode: str = "pass"
    upstream: str = ""
    kept: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    seen: int = 0


def _flip(body: bytes) -> bytes:
    doc = json.loads(body)
    doc["code"] = "00"
    doc["data"] = {"result": "MATCH", "receipt": "RC-forged"}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _handler(t: _Tamper) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in _HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)
            req = dict(self.headers.items())
            rid = req.get("X-Request-Id", "")
            t.seen += 1
            if t.mode == "redirect":
                body = json.dumps({"code": "00", "requestId": rid}).encode()
                signed = sign_reference_response(302, req, body, secret="guess")
                self._answer(
                    302,
                    {
                        "Location": t.upstream + self.path,
                        "Content-Type": "application/json",
                        **signed,
                    },
                    body,
                )
                return
            if t.mode == "forge_unsigned":
                body = json.dumps({"code": "00", "data": {"result": "MATCH"}, "requestId": rid})
                echo = {"X-Request-Id": rid, "X-Nonce": req.get("X-Nonce", "")}
                self._answer(200, {"Content-Type": "application/json", **echo}, body.encode())
                return
            if t.mode == "replay" and t.kept:
                status, headers, body = t.kept[0]
                self._answer(status, headers, body)
                return
            r = requests.post(
                t.upstream + self.path,
                data=raw,
                headers={k: v for k, v in req.items() if k.lower() != "host"},
                timeout=10,
                allow_redirects=False,
            )
            status, headers, body = r.status_code, dict(r.headers.items()), r.content
            if t.mode == "record":
                t.kept.append((status, headers, body))
            elif t.mode == "flip":
                body = _flip(body)
            elif t.mode == "flip_and_fix_digest":
                body = _flip(body)
                headers["X-Response-Content-SM3"] = sm3_hex(body)
            elif t.mode == "replace_rid":
                doc = json.loads(body)
                doc["requestId"] = "another-request"
                body = json.dumps(doc).encode()
                headers["X-Request-Id"] = "another-request"
            elif t.mode == "strip_sig":
                body = _flip(body)
                headers = {k: v for k, v in headers.items() if not k.startswith("X-Response")}
            elif t.mode == "forge_sig":
                body = _flip(body)
                headers.update(sign_reference_response(status, req, body, secret="not-the-key"))
            elif t.mode == "status_flip":
                status = 201 if status == 200 else 200
            self._answer(status, headers, body)

    return Proxy


@pytest.fixture
def proxy(emu: EmulatorProcess) -> Iterator[tuple[str, _Tamper]]:
    t = _Tamper(upstream=emu.url)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(t))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", t
    httpd.shutdown()
    httpd.server_close()


def _client(url: str, emu: EmulatorProcess, **cfg: Any) -> SharingClient:
    config = TransportConfig(
        url,
        deadline_s=5,
        max_attempts=2,
        backoff_base_s=0.01,
        backoff_cap_s=0.02,
        breaker_fail_max=1000,
        allow_insecure_loopback=True,
        **cfg,
    )
    return SharingClient(config, ReferenceProfile(emu.app_key), emu.secret)


def _ask(c: SharingClient, holder: dict[str, Any], proof: str, rid: str) -> Any:
    body = {"subject_id": holder["id_number"], "subject_name": holder["name"], "proof_name": proof}
    return c.call("POST", "/proof/verify", body, request_id=rid, operation="proof.verify")


TAMPERINGS = [
    "flip",
    "flip_and_fix_digest",
    "replace_rid",
    "strip_sig",
    "forge_sig",
    "redirect",
    "forge_unsigned",
    "status_flip",
]


@pytest.mark.parametrize("mode", TAMPERINGS)
def test_r044_tampering_proxy_yields_no_false_verified(
    emu: EmulatorProcess, proxy: tuple[str, _Tamper], mode: str
) -> None:
    url, t = proxy
    c = _client(url, emu)
    h_false, p_false = holder_with(emu, False)
    # control: the untouched path works, so the proxy and the emulator are real
    assert _ask(c, h_false, p_false, f"{mode}-control").outcome is O.MISMATCH
    t.mode = mode
    results = [_ask(c, h_false, p_false, f"{mode}-{i}") for i in range(6)]
    results.append(_ask(c, h_false, "无此证明", f"{mode}-nf"))
    assert t.seen >= 8
    assert [r.outcome for r in results if r.outcome is O.VERIFIED] == []
    for r in results:
        assert r.data is None or r.outcome is not O.VERIFIED
    if mode == "redirect":
        assert {r.outcome for r in results} == {O.UNDETERMINED}
        assert all(r.last_code == "HTTP_302" and r.hop == "gateway" for r in results)
        assert all(len(r.attempts) == 1 for r in results)  # never followed, never retried
    else:
        assert {r.outcome for r in results} == {O.REJECTED}
        expected = {
            "flip": "RESPONSE_SIGNATURE_INVALID",
            "flip_and_fix_digest": "RESPONSE_SIGNATURE_INVALID",
            "replace_rid": "RESPONSE_NOT_BOUND",
            "strip_sig": "RESPONSE_UNSIGNED",
            "forge_sig": "RESPONSE_SIGNATURE_INVALID",
            "forge_unsigned": "RESPONSE_UNSIGNED",
            "status_flip": "RESPONSE_SIGNATURE_INVALID",
        }[mode]
        assert {r.last_code for r in results} == {expected}


def test_r044_replayed_old_answer_is_rejected(
    emu: EmulatorProcess, proxy: tuple[str, _Tamper]
) -> None:
    url, t = proxy
    c = _client(url, emu)
    h_true, p_true = holder_with(emu, True)
    h_false, p_false = holder_with(emu, False)
    t.mode = "record"
    genuine = _ask(c, h_true, p_true, "replay-1")
    assert genuine.outcome is O.VERIFIED and len(t.kept) == 1
    t.mode = "replay"
    # the same request id again (a retry gets a new nonce) and other requests
    results = [_ask(c, h_true, p_true, "replay-1")]
    results += [_ask(c, h_false, p_false, f"replay-{i}") for i in range(2, 8)]
    assert [r.outcome for r in results] == [O.REJECTED] * 7
    assert {r.last_code for r in results} == {"RESPONSE_NOT_BOUND"}


def test_r044_genuine_answers_pass_through_the_proxy(
    emu: EmulatorProcess, proxy: tuple[str, _Tamper]
) -> None:
    url, _ = proxy
    c = _client(url, emu)
    h_true, p_true = holder_with(emu, True)
    r = _ask(c, h_true, p_true, "genuine-1")
    assert r.outcome is O.VERIFIED and r.data["result"] == "MATCH"


# -------------------------------------------------------------------- http:// is refused


@pytest.mark.parametrize(
    ("url", "switch"),
    [
        ("http://127.0.0.1:8080", False),
        ("http://gateway.example.gov.cn", False),
        ("http://gateway.example.gov.cn", True),
        ("http://10.1.2.3:80", True),
        ("http://127.0.0.1.example.com", True),
    ],
)
def test_http_base_url_is_refused_outside_the_loopback_switch(url: str, switch: bool) -> None:
    with pytest.raises(SharingError) as err:
        TransportConfig(url, allow_insecure_loopback=switch)
    assert err.value.code == "GZ-SH-006"
    assert err.value.message_en and "https" in err.value.message_en


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"])
def test_http_to_loopback_needs_the_explicit_switch(url: str) -> None:
    assert TransportConfig(url, allow_insecure_loopback=True).base_url == url
    assert TransportConfig("https://gateway.example.gov.cn").base_url.startswith("https://")


def test_emulator_over_tls_answers_signed(tmp_path: Any) -> None:
    with EmulatorProcess(seed=3, idle_timeout=30, tls=True) as emu:
        assert emu.url.startswith("https://127.0.0.1:") and emu.ca_bundle is not None
        c = SharingClient(
            TransportConfig(emu.url, ca_bundle=emu.ca_bundle, deadline_s=5),
            ReferenceProfile(emu.app_key),
            emu.secret,
        )
        h, p = holder_with(emu, True)
        assert _ask(c, h, p, "tls-1").outcome is O.VERIFIED
        c.close()


# ------------------------------------------------------------ the response signature


def _signed(status: int = 200, body: bytes = b'{"code":"00"}') -> tuple[dict[str, str], ...]:
    req = ReferenceProfile("AK").sign("POST", "/proof/verify", None, b"{}", "R-1", secret="S")
    return req, sign_reference_response(status, req, body, secret="S", timestamp_ms=1)


def test_response_signature_covers_status_request_nonce_and_body() -> None:
    req, resp = _signed()
    body = b'{"code":"00"}'
    assert verify_reference_response(200, req, resp, body, secret="S") == "00"
    assert verify_reference_response(201, req, resp, body, secret="S") != "00"
    assert verify_reference_response(200, req, resp, b'{"code":"01"}', secret="S") != "00"
    assert verify_reference_response(200, req, resp, body, secret="other") != "00"
    other_nonce = {**req, "X-Nonce": "0" * 32}
    assert verify_reference_response(200, other_nonce, resp, body, secret="S") != "00"
    other_rid = {**req, "X-Request-Id": "R-2"}
    assert verify_reference_response(200, other_rid, resp, body, secret="S") != "00"
    other_req_body = {**req, "X-Content-SM3": sm3_hex(b"[]")}
    assert verify_reference_response(200, other_req_body, resp, body, secret="S") != "00"
    new_ts = {**resp, "X-Response-Timestamp": "2"}
    assert verify_reference_response(200, req, new_ts, body, secret="S") != "00"
    garbage = {**resp, "X-Response-Signature": base64.b64encode(b"x" * 32).decode()}
    assert verify_reference_response(200, req, garbage, body, secret="S") != "00"
    assert verify_reference_response(200, req, {}, body, secret="S") == "RESPONSE_UNSIGNED"


def test_every_profile_requires_the_echoed_request_id() -> None:
    p = HmacSha256HeaderProfile("AK")
    req = p.sign("POST", "/x", None, b"", "R-1", secret="S")
    echo = {"X-Request-Id": "R-1", "X-Nonce": req["X-Nonce"]}
    assert check_echo(p, req, echo, "R-1", "R-1") == "00"
    assert check_echo(p, req, {}, "", "R-1") == "RESPONSE_NOT_BOUND"
    assert check_echo(p, req, {"X-Request-Id": "R-1"}, "", "R-1") == "RESPONSE_NOT_BOUND"
    assert check_echo(p, req, echo, "R-9", "R-1") == "RESPONSE_NOT_BOUND"
