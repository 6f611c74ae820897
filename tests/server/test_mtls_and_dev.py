"""Mutual TLS (client certificate → actor) and development bearer tokens (issue 13, item 4).

Certificates are made by the OpenSSL command line: a TLS CA, a server certificate for
127.0.0.1 and two client certificates (one registered in service.yaml, one not).
"""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import OWNER_USCC, ServedService


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_tls(folder: Path) -> dict[str, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=gaozhi test TLS CA", cwd=folder)  # fmt: skip
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    (folder / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name, ext in (
        ("server", "server.ext"),
        ("client", "client.ext"),
        ("stranger", "client.ext"),
    ):
        _openssl("req", "-new", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=folder)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", ext,
                 cwd=folder)  # fmt: skip
    return {n: folder / n for n in ("ca.pem", "server.pem", "server.key", "client.pem",
                                    "client.key", "stranger.pem", "stranger.key")}  # fmt: skip


@pytest.fixture(scope="module")
def tls_served(
    tmp_path_factory: pytest.TempPathFactory, server_pki: TestPKI
) -> Iterator[tuple[ServedService, dict[str, Path]]]:
    folder = tmp_path_factory.mktemp("tls")
    files = _make_tls(folder)
    der = ssl.PEM_cert_to_DER_cert(files["client.pem"].read_text())
    s = ServedService(
        folder / "srv",
        server_pki,
        extra_args=[
            "--tls-cert", str(files["server.pem"]), "--tls-key", str(files["server.key"]),
            "--tls-client-ca", str(files["ca.pem"]),
        ],
        extra_credentials=[{
            "id": "inspection-system", "method": "mtls",
            "cert_sha256": hashlib.sha256(der).hexdigest(),
            "actor": {"role": "INSPECTOR", "actor_id": "IN0099", "organ_uscc": OWNER_USCC},
        }],
        probe={"verify": str(files["ca.pem"]),
               "cert": (str(files["client.pem"]), str(files["client.key"]))},
    ).start()  # fmt: skip
    try:
        yield s, files
    finally:
        s.stop()


def test_client_certificate_maps_to_its_actor(
    tls_served: tuple[ServedService, dict[str, Path]],
) -> None:
    served, f = tls_served
    ok = requests.get(
        served.base_url + "/v1/verifications",
        verify=str(f["ca.pem"]),
        cert=(str(f["client.pem"]), str(f["client.key"])),
        timeout=10,
    )
    assert ok.status_code == 200, ok.text
    # an inspector may not issue notices: the certificate's actor is what the policy sees
    r = requests.post(
        served.base_url + "/v1/notices",
        json={"list_id": "x", "entry_ids": ["y"], "applicant": {}},
        verify=str(f["ca.pem"]),
        cert=(str(f["client.pem"]), str(f["client.key"])),
        timeout=10,
    )
    assert r.status_code in (403, 422)


def test_unregistered_or_missing_client_certificate_is_refused(
    tls_served: tuple[ServedService, dict[str, Path]],
) -> None:
    served, f = tls_served
    r = requests.get(
        served.base_url + "/v1/verifications",
        verify=str(f["ca.pem"]),
        cert=(str(f["stranger.pem"]), str(f["stranger.key"])),
        timeout=10,
    )
    assert r.status_code == 401 and r.json()["code"] == "GZ-HT-401"
    assert "not registered" in r.json()["detail"]
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(served.base_url + "/v1/verifications", verify=str(f["ca.pem"]), timeout=10)


def test_bearer_tokens_work_only_with_dev(tmp_path: Path, server_pki: TestPKI) -> None:
    token = "dev-token-" + "x" * 20
    cred = {
        "id": "dev", "method": "bearer", "token_env": "GAOZHI_TEST_DEV_TOKEN",
        "actor": {"role": "AUDITOR", "actor_id": "AU0009"},
    }  # fmt: skip
    dev = ServedService(
        tmp_path / "dev", server_pki, dev=True, extra_credentials=[cred],
        env={"GAOZHI_TEST_DEV_TOKEN": token},
    ).start()  # fmt: skip
    try:
        h = {"Authorization": f"Bearer {token}"}
        assert (
            requests.get(dev.base_url + "/v1/statistics", headers=h, timeout=10).status_code == 200
        )
        bad = {"Authorization": "Bearer " + "y" * 30}
        assert (
            requests.get(dev.base_url + "/v1/statistics", headers=bad, timeout=10).status_code
            == 401
        )
    finally:
        dev.stop()
    prod = ServedService(
        tmp_path / "prod", server_pki, extra_credentials=[cred],
        env={"GAOZHI_TEST_DEV_TOKEN": token},
    ).start()  # fmt: skip
    try:
        r = requests.get(
            prod.base_url + "/v1/statistics",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 401 and "--dev" in r.json()["detail"]
    finally:
        prod.stop()
