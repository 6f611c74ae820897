"""Key generation for algorithms ``cryptography`` lacks (e.g. SM2), by registration.

The test PKI (:class:`gaozhi_sdk.testing.TestPKI`) and the emulated event-certificate CA
issue SM2 certificates without importing any plugin: the SM2 plugin registers a generator
(:func:`register_key_generator`) from its ``gaozhi_sdk.key_verifiers`` entry point, and
:func:`generate_key` asks for it by algorithm name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from cryptography import x509

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign.keys import Signer, load_verifier_plugins

__all__ = ["GeneratedKey", "KeyGenerator", "generate_key", "register_key_generator"]


class GeneratedKey(Protocol):
    """A fresh private key from a registered generator."""

    @property
    def spki_der(self) -> bytes:
        """Its public key as SubjectPublicKeyInfo DER."""

    @property
    def signature_algorithm_oid(self) -> str:
        """The X.509 signature algorithm of its signatures (e.g. ``1.2.156.10197.1.501``)."""

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (e.g. a TBSCertificate) — DER signature."""

    def signer(self, chain: Sequence[x509.Certificate]) -> Signer:
        """A bundle signer for this key with ``chain`` (leaf first)."""

    def private_pem(self) -> bytes:
        """The key as unencrypted PKCS#8 PEM (test material: :meth:`TestPKI.save
        <gaozhi_sdk.testing.TestPKI.save>`), readable by :func:`gaozhi_sdk.esign.load_signer`
        through the same plugin's signer loader."""


KeyGenerator = Callable[[], GeneratedKey]
_generators: dict[str, KeyGenerator] = {}
_lock = threading.Lock()


def register_key_generator(algorithm: str, generator: KeyGenerator) -> None:
    """Register (or replace) the generator of ``algorithm`` keys (e.g. ``"sm2"``)."""
    with _lock:
        _generators[algorithm.lower()] = generator


def generate_key(algorithm: str) -> GeneratedKey:
    """A new ``algorithm`` key from its registered generator.

    Raises:
        SignatureError: ``GZ-SG-001`` when no plugin generates such keys.
    """
    name = algorithm.lower()
    gen = _generators.get(name)
    if gen is None and load_verifier_plugins():
        gen = _generators.get(name)
    if gen is None:
        raise SignatureError(
            "GZ-SG-001",
            f"没有插件生成 {algorithm} 密钥 (SM2 需安装 SM2 插件)",
            message_en=f"no plugin generates {algorithm} keys (SM2 needs the SM2 plugin)",
        )
    return gen()
