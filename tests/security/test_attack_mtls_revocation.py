"""Revocation of mutual-TLS client certificates, attacked (issue 13, DESIGN §10).

Real ``gaozhi serve`` with ``--tls-client-ca`` and ``client_revocation``; certificates
and CRLs made with ``cryptography`` (OpenSSL underneath). The holder of a revoked client
certificate tries to keep calling.

Finding: client certificates issued by an intermediate CA. The TLS layer accepts the
chain the client sends (leaf + intermediate) against the root in ``--tls-client-ca``, but
the revocation check looked for the leaf's issuer only among the certificates of that
file. Without the intermediate there, the intermediate's CRL — configured, fresh,
listing the certificate — could not be used, the status was "unknown", and with
``require: false`` the revoked certificate was accepted as its registered credential.
Now a CRL whose issuer is not in ``--tls-client-ca`` is a configuration error
(GZ-CF-067: ``gaozhi serve`` does not start; a reloaded one refuses mTLS calls), and with
the intermediate configured the revoked certificate is refused (GZ-AU-040).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import time
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

from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

_NOW = dt.datetime.now(dt.UTC)
Issuer = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _cert(cn: str, key: Any, issuer: Issuer | None, kind: str = "client") -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if issuer is None else issuer[0].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - dt.timedelta(days=1))
        .not_valid_after(_NOW + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=kind == "ca", path_length=None), critical=True)
    )
    if kind == "ca":
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    elif kind == "server":
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        b = b.add_extension(san, False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        )
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    return b.sign(key if issuer is None else issuer[1], hashes.SHA256())


def _crl(issuer: Issuer, revoked: list[x509.Certificate]) -> bytes:
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer[0].subject)
        .last_update(_NOW - dt.timedelta(hours=2))
        .next_update(_NOW + dt.timedelta(days=1))
    )
    for c in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(c.serial_number)
            .revocation_date(_NOW - dt.timedelta(hours=1))
            .build()
        )
    return b.sign(issuer[1], hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _fp(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class _Pki:
    """Root → issuing (intermediate) CA → client certificates; CRLs of both CAs."""

    def __init__(self, folder: Path) -> None:
        gen = ec.generate_private_key
        root_key, mid_key, srv_key = gen(ec.SECP256R1()), gen(ec.SECP256R1()), gen(ec.SECP256R1())
        root: Issuer = (_cert("gaozhi client root CA", root_key, None, "ca"), root_key)
        mid: Issuer = (_cert("gaozhi client issuing CA", mid_key, root, "ca"), mid_key)
        self.folder = folder
        self.root, self.mid = root, mid
        (folder / "root.pem").write_bytes(_pem(root[0]))
        (folder / "root+issuing.pem").write_bytes(_pem(root[0], mid[0]))
        (folder / "server.pem").write_bytes(_pem(_cert("127.0.0.1", srv_key, root, "server")))
        (folder / "server.key.pem").write_bytes(_key_pem(srv_key))
        self.certs: dict[str, x509.Certificate] = {}
        self.files: dict[str, tuple[str, str]] = {}
        for who in ("good", "revoked"):
            key = gen(ec.SECP256R1())
            self.certs[who] = _cert(f"{who}-system", key, mid)
            # the client sends its chain: leaf + intermediate (the TLS layer needs it)
            (folder / f"{who}.pem").write_bytes(_pem(self.certs[who], mid[0]))
            (folder / f"{who}.key.pem").write_bytes(_key_pem(key))
            self.files[who] = (str(folder / f"{who}.pem"), str(folder / f"{who}.key.pem"))
        (folder / "crl").mkdir()
        (folder / "crl" / "issuing-ca.crl").write_bytes(_crl(mid, [self.certs["revoked"]]))
        (folder / "crl" / "root.crl").write_bytes(_crl(root, []))

    def served(self, name: str, client_ca: str) -> ServedService:
        def mtls(who: str) -> dict[str, Any]:
            actor = {"role": "AUDITOR", "actor_id": who.upper()[:6], "organ_uscc": OWNER_USCC}
            return {"id": f"{who}-tls", "method": "mtls", "cert_sha256": _fp(self.certs[who]),
                    "actor": actor}  # fmt: skip

        f = self.folder
        return ServedService(
            f / name,
            TestPKI.create(),
            extra_args=["--tls-cert", str(f / "server.pem"), "--tls-key", str(f / "server.key.pem"),
                        "--tls-client-ca", str(f / client_ca)],
            extra_credentials=[mtls("good"), mtls("revoked")],
            # the operator accepts an unknown status — never a known revocation
            extra_config={"client_revocation": {"crls": [str(f / "crl")], "require": False,
                                                "recheck_s": 1}},
            probe={"verify": str(f / "root.pem"), "cert": self.files["good"]},
        )  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> _Pki:
    return _Pki(tmp_path_factory.mktemp("attack-mtls-revocation"))


def _get(pki: _Pki, s: ServedService, who: str) -> requests.Response:
    return requests.get(
        s.base_url + "/v1/verifications",
        verify=str(pki.folder / "root.pem"),
        cert=pki.files[who],
        timeout=10,
    )


def test_a_crl_whose_issuer_is_not_configured_stops_the_server(pki: _Pki) -> None:
    """The intermediate's CRL cannot be verified with the root alone: ``gaozhi serve``
    refuses the configuration instead of serving with the CRL silently ignored."""
    s = pki.served("root-only", "root.pem")
    with pytest.raises(RuntimeError) as failed:
        s.start()
    assert "exited with 64" in str(failed.value), failed.value
    assert "GZ-CF-067" in str(failed.value) and "gaozhi client issuing CA" in str(failed.value)


def test_a_certificate_revoked_by_an_intermediate_ca_is_refused(pki: _Pki) -> None:
    s = pki.served("with-issuing", "root+issuing.pem").start()
    try:
        assert _get(pki, s, "good").status_code == 200
        r = _get(pki, s, "revoked")
        assert r.status_code == 403, r.text
        assert r.json()["code"] == "GZ-AU-040", r.json()
        # a CRL of an issuer the service cannot verify, dropped in while it runs: mutual-TLS
        # calls are refused (the operator's problem, 503) until it is fixed — never served
        # as though the CRL were not there
        gen = ec.generate_private_key(ec.SECP256R1())
        stray = pki.folder / "crl" / "other-ca.crl"
        stray.write_bytes(_crl((_cert("gaozhi other CA", gen, None, "ca"), gen), []))
        time.sleep(1.3)
        for who in ("good", "revoked"):
            r = _get(pki, s, who)
            assert r.status_code == 503 and r.json()["code"] == "GZ-CF-067", (who, r.text)
        stray.unlink()
        time.sleep(1.3)
        assert _get(pki, s, "good").status_code == 200
        assert _get(pki, s, "revoked").json()["code"] == "GZ-AU-040"
    finally:
        s.stop()
