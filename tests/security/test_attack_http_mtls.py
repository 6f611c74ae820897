"""Mutual TLS against ``gaozhi serve`` (issue 13, DESIGN §10): what the attacker tries.

The service maps a client certificate to an actor by the SHA-256 of its DER — the exact
certificate, after the TLS layer verified it against ``--tls-client-ca``. The attacker
brings a look-alike CA (same subject name as the real one) and a certificate with the
registered client's subject *and key* issued by it, an expired certificate that is
registered, and a genuine but unregistered certificate with and without a request
signature. Certificates are made with ``cryptography`` (OpenSSL underneath).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

_NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
    days: tuple[int, int] = (-1, 2),
) -> x509.Certificate:
    issuer_name = _name(subject) if issuer is None else issuer[0].subject
    signing_key = key if issuer is None else issuer[1]
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW + dt.timedelta(days=days[0]))
        .not_valid_after(_NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    elif server:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        b = b.add_extension(san, False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        )
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    return b.sign(signing_key, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[str, str]:
    c, k = folder / f"{name}.pem", folder / f"{name}.key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(c), str(k)


def _fp(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedService, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("attack-mtls")
    gen = ec.generate_private_key
    ca_key, fake_ca_key = gen(ec.SECP256R1()), gen(ec.SECP256R1())
    ca = _cert("gaozhi TLS CA", ca_key, None, ca=True)
    fake_ca = _cert("gaozhi TLS CA", fake_ca_key, None, ca=True)  # same name, other key
    srv_key, client_key, old_key, stranger_key = (gen(ec.SECP256R1()) for _ in range(4))
    server = _cert("127.0.0.1", srv_key, (ca, ca_key), server=True)
    client = _cert("inspection-system", client_key, (ca, ca_key))
    twin = _cert("inspection-system", client_key, (fake_ca, fake_ca_key))  # same subject+key
    expired = _cert("old-system", old_key, (ca, ca_key), days=(-10, -1))
    stranger = _cert("stranger", stranger_key, (ca, ca_key))
    files = {
        "ca": str(folder / "ca.pem"),
        "server": _write(folder, "server", server, srv_key),
        "client": _write(folder, "client", client, client_key),
        "twin": _write(folder, "twin", twin, client_key),
        "expired": _write(folder, "expired", expired, old_key),
        "stranger": _write(folder, "stranger", stranger, stranger_key),
    }
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def mtls(cid: str, cert: x509.Certificate, role: str) -> dict[str, Any]:
        actor = {"role": role, "actor_id": cid.upper()[:6], "organ_uscc": OWNER_USCC}
        return {"id": cid, "method": "mtls", "cert_sha256": _fp(cert), "actor": actor}

    s = ServedService(
        folder / "srv",
        TestPKI.create(),
        extra_args=["--tls-cert", files["server"][0], "--tls-key", files["server"][1],
                    "--tls-client-ca", files["ca"]],
        extra_credentials=[mtls("inspection", client, "INSPECTOR"),
                           mtls("old", expired, "AUDITOR")],
        probe={"verify": files["ca"], "cert": files["client"]},
    ).start()  # fmt: skip
    try:
        yield s, files
    finally:
        s.stop()


def _get(s: ServedService, files: dict[str, Any], who: str | None, **kw: Any) -> Any:
    cert = None if who is None else files[who]
    return requests.get(
        s.base_url + "/v1/verifications", verify=files["ca"], cert=cert, timeout=10, **kw
    )


def test_the_registered_certificate_is_its_actor_and_nothing_more(
    tls: tuple[ServedService, dict[str, Any]],
) -> None:
    s, files = tls
    assert _get(s, files, "client").status_code == 200
    r = requests.get(s.base_url + "/v1/statistics", verify=files["ca"], cert=files["client"],
                     timeout=10)  # fmt: skip
    assert r.status_code == 403 and r.json()["code"] == "GZ-AU-020"  # an inspector's rights


def test_a_look_alike_ca_and_an_expired_certificate_do_not_get_past_tls(
    tls: tuple[ServedService, dict[str, Any]],
) -> None:
    """Same subject (and key) as the registered client, issued by a CA with the real CA's
    name; and a registered certificate past its validity: the handshake fails."""
    s, files = tls
    for who in ("twin", "expired"):
        with pytest.raises(requests.exceptions.RequestException):
            _get(s, files, who)
    with pytest.raises(requests.exceptions.RequestException):
        _get(s, files, None)  # no certificate: no fallback to anything


def test_an_unregistered_certificate_needs_its_own_request_signature(
    tls: tuple[ServedService, dict[str, Any]],
) -> None:
    """A genuine certificate that names no credential authenticates nobody by itself; with
    a valid gaozhi-hmac-sm3-v1 signature the caller is that signature's credential."""
    s, files = tls
    r = _get(s, files, "stranger")
    assert r.status_code == 401 and "not registered" in r.json()["detail"]
    h = ReferenceProfile("ak-auditor").sign(
        "GET", "/v1/verifications", {}, b"", uuid.uuid4().hex, secret=s.secrets["auditor"]
    )
    assert _get(s, files, "stranger", headers=h).status_code == 200
    h = ReferenceProfile("ak-auditor").sign(
        "GET", "/v1/verifications", {}, b"", uuid.uuid4().hex, secret="not-the-secret"
    )
    assert _get(s, files, "stranger", headers=h).status_code == 401
