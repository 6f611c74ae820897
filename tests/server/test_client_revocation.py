"""Revocation of mutual-TLS client certificates (issue 13, DESIGN §10).

A real ``gaozhi serve`` on 127.0.0.1 with ``--tls-client-ca`` and ``client_revocation``
in service.yaml; certificates and CRLs are made with ``cryptography`` (OpenSSL). The TLS
handshake accepts a revoked certificate (its chain is fine); the service refuses it with a
403 problem (GZ-AU-040) and journals the refusal under the credential the certificate is
registered for. A CRL replaced on disk takes effect without a restart; a CRL signed by a
look-alike CA or one past its nextUpdate does not count, so with ``require: true`` the
status is unknown and the certificate is refused (GZ-AU-041).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import time
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

from gaozhi_sdk.sharing.signing import ReferenceProfile
from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService

_NOW = dt.datetime.now(dt.UTC)
Issuer = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(cn: str, key: Any, issuer: Issuer | None, kind: str = "client") -> x509.Certificate:
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn) if issuer is None else issuer[0].subject)
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


def _crl(issuer: Issuer, revoked: list[x509.Certificate], *, next_update_days: float = 1) -> bytes:
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer[0].subject)
        .last_update(_NOW - dt.timedelta(hours=2))
        .next_update(_NOW + dt.timedelta(days=next_update_days))
    )
    for c in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(c.serial_number)
            .revocation_date(_NOW - dt.timedelta(hours=1))
            .build()
        )
    return b.sign(issuer[1], hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _fp(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class Setup:
    def __init__(self, folder: Path) -> None:
        gen = ec.generate_private_key
        self.folder = folder
        ca_key, fake_key = gen(ec.SECP256R1()), gen(ec.SECP256R1())
        self.ca: Issuer = (_cert("gaozhi client CA", ca_key, None, "ca"), ca_key)
        self.fake: Issuer = (_cert("gaozhi client CA", fake_key, None, "ca"), fake_key)
        self.files: dict[str, tuple[str, str]] = {}
        self.certs: dict[str, x509.Certificate] = {}
        for name, kind in (
            ("server", "server"),
            ("inspection", "client"),
            ("auditor", "client"),
            ("stranger", "client"),
        ):
            key = gen(ec.SECP256R1())
            cert = _cert("127.0.0.1" if kind == "server" else name, key, self.ca, kind)
            c, k = folder / f"{name}.pem", folder / f"{name}.key.pem"
            c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            k.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            self.files[name], self.certs[name] = (str(c), str(k)), cert
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.ca[0].public_bytes(serialization.Encoding.PEM))
        (folder / "crl").mkdir()
        self.crl_file = folder / "crl" / "client-ca.crl"

    def publish(self, crl: bytes) -> None:
        """Replace the CRL on disk and wait until the server re-reads it (recheck_s: 1)."""
        self.crl_file.write_bytes(crl)
        time.sleep(1.3)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedService, Setup]]:
    folder = tmp_path_factory.mktemp("client-revocation")
    st = Setup(folder)
    st.crl_file.write_bytes(_crl(st.ca, [st.certs["auditor"], st.certs["stranger"]]))

    def mtls(cid: str, role: str) -> dict[str, Any]:
        actor = {"role": role, "actor_id": cid.upper()[:6], "organ_uscc": OWNER_USCC}
        return {"id": f"{cid}-tls", "method": "mtls", "cert_sha256": _fp(st.certs[cid]),
                "actor": actor}  # fmt: skip

    s = ServedService(
        folder / "srv",
        TestPKI.create(),
        extra_args=["--tls-cert", st.files["server"][0], "--tls-key", st.files["server"][1],
                    "--tls-client-ca", str(st.ca_file)],
        extra_credentials=[mtls("inspection", "INSPECTOR"), mtls("auditor", "AUDITOR")],
        extra_config={"client_revocation": {"crls": [str(folder / "crl")], "require": True,
                                            "recheck_s": 1}},
        probe={"verify": str(st.ca_file), "cert": st.files["inspection"]},
    ).start()  # fmt: skip
    try:
        yield s, st
    finally:
        s.stop()


def _get(s: ServedService, st: Setup, who: str, **kw: Any) -> requests.Response:
    return requests.get(
        s.base_url + "/v1/verifications",
        verify=str(st.ca_file),
        cert=st.files[who],
        timeout=10,
        **kw,
    )


def _refusals(s: ServedService) -> list[Any]:
    store = open_store(s.db_url)
    try:
        return [
            e for e in store.journal() if e.event == "api.authenticate" and e.outcome == "REFUSED"
        ]
    finally:
        store.close()


def test_a_revoked_client_certificate_is_refused_and_journaled(
    tls: tuple[ServedService, Setup],
) -> None:
    s, st = tls
    assert _get(s, st, "inspection").status_code == 200
    r = _get(s, st, "auditor")  # registered, but its serial is on the CA's CRL
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "GZ-AU-040" and "revoked" in r.json()["detail"]
    # a revoked certificate stays refused whatever else the request carries
    h = ReferenceProfile("ak-clerk").sign(
        "GET", "/v1/verifications", {}, b"", uuid.uuid4().hex, secret=s.secrets["clerk"]
    )
    for who in ("auditor", "stranger"):
        r = _get(s, st, who, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "GZ-AU-040", who
    journaled = _refusals(s)
    mine = [e for e in journaled if e.aggregate_id == "auditor-tls"]
    assert mine and mine[0].detail["code"] == "GZ-AU-040"
    assert mine[0].detail["certificate_sha256"] == _fp(st.certs["auditor"])
    assert any(e.aggregate_id == f"cert:{_fp(st.certs['stranger'])[:16]}" for e in journaled)
    assert not [e for e in journaled if e.aggregate_id == "inspection-tls"]


def test_a_new_crl_takes_effect_and_forged_or_stale_crls_do_not_count(
    tls: tuple[ServedService, Setup],
) -> None:
    s, st = tls
    st.publish(_crl(st.ca, [st.certs["inspection"]]))  # the CA revokes it now
    r = _get(s, st, "inspection")
    assert r.status_code == 403 and r.json()["code"] == "GZ-AU-040"
    assert _get(s, st, "auditor").status_code == 200  # no longer on the CRL
    # a look-alike CA's CRL (same issuer name, other key) saying nothing is revoked
    st.publish(_crl(st.fake, []))
    for who in ("inspection", "auditor"):
        r = _get(s, st, who)
        assert r.status_code == 403 and r.json()["code"] == "GZ-AU-041", (who, r.text)
    # the real CA's CRL, but past its nextUpdate: not fresh, status unknown
    st.publish(_crl(st.ca, [], next_update_days=-0.01))
    r = _get(s, st, "inspection")
    assert r.status_code == 403 and r.json()["code"] == "GZ-AU-041"
    st.publish(_crl(st.ca, []))  # a fresh, genuine CRL: both are good again
    assert _get(s, st, "inspection").status_code == 200
    assert _get(s, st, "auditor").status_code == 200


def test_client_revocation_without_the_client_ca_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    cfg = tmp_path / "service.yaml"
    cfg.write_text("client_revocation:\n  crls: []\n", "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "gaozhi_sdk.cli", "serve", "--db", f"sqlite:///{tmp_path}/g.db",
         "--config", str(cfg)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 64, out.stderr
    assert "GZ-CLI-023" in out.stderr and "Traceback" not in out.stderr
