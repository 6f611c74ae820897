"""SM2 interop fixtures (tests only): an SM2 root → organ-seal PKI made by the OpenSSL 3 CLI.

The SDK's own SM2 test PKI is :class:`gaozhi_sdk.testing.TestPKI` —
``TestPKI.create(algorithm="sm2")`` issues SM2-with-SM3 certificates, CRLs and OCSP
responses and saves/loads like the P-256 one, with the keys and signatures this plugin
registers (:func:`gaozhi_sdk.esign.register_key_generator`,
:func:`gaozhi_sdk.esign.register_signer_loader`). What stays here is the *other*
implementation the SDK must interoperate with: :func:`openssl_sm2_pki` makes the same
profile with ``openssl`` so the tests can check OpenSSL-made keys, certificates and
signatures in the SDK and the SDK's in OpenSSL.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DISTID", "OpenSslSm2Pki", "openssl_sm2_pki"]

#: OpenSSL 3.0 signs SM2 with an *empty* ID unless told otherwise (SIGNING §3.2, issue 3).
DISTID = "distid:1234567812345678"


@dataclass(frozen=True)
class OpenSslSm2Pki:
    """Files of an SM2 root → leaf PKI made by ``openssl`` (all PEM)."""

    root_key: Path
    root_cert: Path  # alone in its folder ``trust/``: TrustStore.from_dir(root_cert.parent)
    leaf_key: Path
    leaf_cert: Path
    leaf_pub: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def openssl_sm2_pki(directory: str | Path, *, leaf_days: int = 365) -> OpenSslSm2Pki:
    """Make an SM2 root CA and an organ-seal leaf with the ``openssl`` 3 CLI.

    Keys: ``openssl genpkey -algorithm SM2``; certificates signed SM2-with-SM3 with
    ``-sigopt distid:1234567812345678``; leaf profile: CA:FALSE, KeyUsage
    digitalSignature+nonRepudiation (critical), EKU id-kp-documentSigning.

    Raises:
        subprocess.CalledProcessError: if ``openssl`` fails; FileNotFoundError without it.
    """
    d = Path(directory)
    (d / "trust").mkdir(parents=True, exist_ok=True)
    _openssl("genpkey", "-algorithm", "SM2", "-out", "root.key", cwd=d)
    _openssl(
        "req", "-new", "-x509", "-key", "root.key", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/O=gaozhi-sdk test/CN=OpenSSL SM2 Root", "-days", "3650",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", "trust/root.pem", cwd=d,
    )  # fmt: skip
    _openssl("genpkey", "-algorithm", "SM2", "-out", "leaf.key", cwd=d)
    _openssl("pkey", "-in", "leaf.key", "-pubout", "-out", "leaf.pub", cwd=d)
    _openssl(
        "req", "-new", "-key", "leaf.key", "-sm3", "-sigopt", DISTID,
        "-subj", "/C=CN/O=OpenSSL 测试局/CN=OpenSSL 测试局电子印章", "-utf8",
        "-out", "leaf.csr", cwd=d,
    )  # fmt: skip
    (d / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage=1.3.6.1.5.5.7.3.36\n",
        encoding="utf-8",
    )
    _openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "trust/root.pem", "-CAkey", "root.key",
        "-CAcreateserial", "-sm3", "-sigopt", DISTID, "-vfyopt", DISTID,
        "-days", str(leaf_days), "-extfile", "leaf.ext", "-out", "leaf.crt", cwd=d,
    )  # fmt: skip
    return OpenSslSm2Pki(
        d / "root.key", d / "trust" / "root.pem", d / "leaf.key", d / "leaf.crt", d / "leaf.pub"
    )
