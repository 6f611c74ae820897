"""Government intranets: a custom CA bundle and an HTTP(S) proxy set once in the transport
configuration reach every call; an explicit CA beats ``REQUESTS_CA_BUNDLE``; an unknown-CA
error names the host and the setting. Real TLS server and CONNECT proxy on 127.0.0.1 with a
private CA made by ``cryptography``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gaozhi_sdk.models.enums import OnlineOutcome as O
from gaozhi_sdk.sharing import ReferenceProfile, SharingClient, TransportConfig
from gaozhi_sdk.sharing.signing import sign_reference_response


def _ca(tmp: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subj)
        .issuer_name(subj)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = tmp / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def _leaf(tmp: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    c, k = tmp / "leaf.pem", tmp / "leaf.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return c, k


class _Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        rid = self.headers.get("X-Request-Id", "")
        body = json.dumps({"code": "00", "data": {"result": "MATCH"}, "requestId": rid}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # a gateway of the reference profile signs its answers (secret "s" as in _client)
        for k, v in sign_reference_response(
            200, dict(self.headers.items()), body, secret="s"
        ).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _Proxy(BaseHTTPRequestHandler):
    """A minimal CONNECT proxy that counts tunnels."""

    tunnels: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_CONNECT(self) -> None:
        host, port = self.path.rsplit(":", 1)
        self.tunnels.append(self.path)
        upstream = socket.create_connection((host, int(port)), timeout=5)
        self.send_response(200, "Connection established")
        self.end_headers()
        conns = [self.connection, upstream]
        try:
            while True:
                r, _, _ = select.select(conns, [], [], 5)
                if not r:
                    break
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    ca_key, ca, ca_path = _ca(tmp_path, "gov-intranet-ca")
    _, _, other = _ca(tmp_path, "some-other-ca")
    cert, key = _leaf(tmp_path, ca_key, ca)
    return {"ca": ca_path, "other": other, "cert": cert, "key": key}


@pytest.fixture
def tls_gateway(pki: dict[str, Path]) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    _Proxy.tunnels = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Proxy.tunnels
    httpd.shutdown()
    httpd.server_close()


def _client(url: str, **cfg: object) -> SharingClient:
    config = TransportConfig(url, deadline_s=5, max_attempts=2, backoff_base_s=0.01, **cfg)  # type: ignore[arg-type]
    return SharingClient(config, ReferenceProfile("k"), "s")


def test_unknown_ca_names_host_and_setting(tls_gateway: str) -> None:
    r = _client(tls_gateway).call("POST", "/v", {}, request_id="tls-1")
    assert r.outcome is O.UNDETERMINED and r.last_code == "TLS_VERIFY_FAILED"
    assert "127.0.0.1" in r.detail and "TransportConfig.ca_bundle" in r.detail
    assert r.request_id == "tls-1" and len(r.attempts) == 1  # not retried


def test_custom_ca_bundle_reaches_the_call(tls_gateway: str, pki: dict[str, Path]) -> None:
    r = _client(tls_gateway, ca_bundle=pki["ca"]).call("POST", "/v", {}, request_id="tls-2")
    assert r.outcome is O.VERIFIED


def test_explicit_ca_beats_requests_ca_bundle(
    tls_gateway: str, pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["other"]))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(pki["other"]))
    assert _client(tls_gateway).call("POST", "/v", {}, request_id="e1").outcome is O.UNDETERMINED
    r = _client(tls_gateway, ca_bundle=pki["ca"]).call("POST", "/v", {}, request_id="e2")
    assert r.outcome is O.VERIFIED


def test_proxy_set_once_reaches_every_call(
    tls_gateway: str, pki: dict[str, Path], proxy: tuple[str, list[str]]
) -> None:
    url, tunnels = proxy
    c = _client(tls_gateway, ca_bundle=pki["ca"], proxy=url)
    for i in range(3):
        assert c.call("POST", "/v", {}, request_id=f"px-{i}").outcome is O.VERIFIED
    target = tls_gateway.removeprefix("https://")
    assert tunnels and set(tunnels) == {target}


def test_missing_ca_file_is_a_coded_config_error(tmp_path: Path) -> None:
    from gaozhi_sdk.errors import GaozhiError

    with pytest.raises(GaozhiError) as e:
        TransportConfig("https://127.0.0.1:1", ca_bundle=tmp_path / "nope.pem")
    assert e.value.code == "GZ-SH-001" and "ca_bundle" in e.value.message


def test_ca_and_proxy_set_once_also_reach_the_tsa(
    pki: dict[str, Path], proxy: tuple[str, list[str]]
) -> None:
    """The same TransportConfig (CA bundle + proxy) reaches the RFC 3161 TSA client: a real
    HTTPS TSA on 127.0.0.1 signed by the intranet CA, reached through the CONNECT proxy."""
    from gaozhi_sdk.esign.timestamps import HttpTimestampAuthority
    from gaozhi_sdk.testing.tsa import LocalTSA

    tsa = LocalTSA.create()

    class _TsaHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply = tsa.respond(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TsaHandler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}"
    proxy_url, tunnels = proxy
    try:
        config = TransportConfig(url, ca_bundle=pki["ca"], proxy=proxy_url)
        client = HttpTimestampAuthority.from_transport(config)
        token = client.timestamp(b"\x11" * 32)
        assert token  # a DER TimeStampToken
        assert tunnels == [url.removeprefix("https://")]
        # without the intranet CA the TLS handshake fails with a coded error
        plain = HttpTimestampAuthority(url, timeout=(2.0, 5.0))
        from gaozhi_sdk.errors import GaozhiError

        with pytest.raises(GaozhiError):
            plain.timestamp(b"\x11" * 32)
    finally:
        httpd.shutdown()
        httpd.server_close()
