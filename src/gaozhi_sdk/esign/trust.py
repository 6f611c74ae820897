"""信任库 (trust store): the verifier's roots and pinned keys (DESIGN §4).

Trust never comes from a bundle: a certificate chain must end in a root held here, and a
bare ``publicKey`` is accepted only when its exact SubjectPublicKeyInfo is pinned here.
:meth:`TrustStore.digest` identifies the trust configuration in every report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import Store

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign.keys import PublicKeyLike, keyid_from_spki, spki_der

__all__ = ["TrustStore"]


class TrustStore:
    """Trusted root certificates and pinned public keys.

    Args:
        roots: trusted root (anchor) certificates.
        pins: pinned public keys (key objects or SPKI DER bytes).
    """

    def __init__(
        self,
        roots: Iterable[x509.Certificate] = (),
        pins: Iterable[PublicKeyLike | bytes] = (),
    ) -> None:
        self._roots: dict[str, x509.Certificate] = {}
        self._pins: dict[str, bytes] = {}
        self._store: Store | None = None
        self._digest: str | None = None
        for cert in roots:
            self.add_root(cert)
        for key in pins:
            self.pin(key)

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_dir(cls, path: str | Path) -> TrustStore:
        """Load every ``*.pem`` file in a folder (each may hold several certificates).

        Raises:
            SignatureError: ``GZ-SG-020`` (missing folder, no certificates, bad PEM).
        """
        folder = Path(path)
        if not folder.is_dir():
            raise SignatureError(
                "GZ-SG-020",
                f"信任锚目录不存在: {folder}",
                message_en=f"trust anchor folder not found: {folder}",
            )
        store = cls.from_pem_files(sorted(folder.glob("*.pem")))
        if not store._roots:
            raise SignatureError(
                "GZ-SG-020",
                f"信任锚目录 {folder} 中没有 PEM 证书",
                message_en=f"no PEM certificates in trust folder {folder}",
            )
        return store

    @classmethod
    def from_pem_files(cls, paths: Iterable[str | Path]) -> TrustStore:
        """Load root certificates from PEM files.

        Raises:
            SignatureError: ``GZ-SG-020`` if a file is unreadable or holds no certificate.
        """
        store = cls()
        for p in paths:
            store.add_pem(Path(p).read_bytes(), source=str(p))
        return store

    @classmethod
    def from_pems(cls, pems: Iterable[bytes]) -> TrustStore:
        """Roots from PEM blobs (e.g. the files of an archive's ``trust/`` folder).

        Raises:
            SignatureError: ``GZ-SG-020`` if a blob holds no valid certificate.
        """
        store = cls()
        for i, pem in enumerate(pems):
            store.add_pem(pem, source=f"anchor-{i + 1}")
        return store

    def add_pem(self, pem: bytes, *, source: str = "PEM") -> None:
        """Add every certificate in a PEM blob as a root."""
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise SignatureError(
                "GZ-SG-020",
                f"信任锚 {source} 不是有效的 PEM 证书: {exc}",
                message_en=f"trust anchor {source} is not a valid PEM certificate: {exc}",
            ) from exc
        for cert in certs:
            self.add_root(cert)

    def add_root(self, cert: x509.Certificate) -> None:
        """Trust ``cert`` as a root (anchor)."""
        self._roots[cert.fingerprint(hashes.SHA256()).hex()] = cert
        self._changed()

    def pin(self, public_key: PublicKeyLike | bytes) -> str:
        """Pin a public key (key object or SPKI DER); returns its keyid."""
        spki = public_key if isinstance(public_key, bytes) else spki_der(public_key)
        kid = keyid_from_spki(spki)
        self._pins[kid] = spki
        self._changed()
        return kid

    def _changed(self) -> None:
        self._store = None
        self._digest = None

    # -- queries ----------------------------------------------------------------------

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """The root certificates, ordered by SHA-256 fingerprint."""
        return tuple(self._roots[k] for k in sorted(self._roots))

    @property
    def pinned_keyids(self) -> tuple[str, ...]:
        """Keyids of the pinned keys, sorted."""
        return tuple(sorted(self._pins))

    def is_pinned(self, spki: bytes) -> bool:
        """True if this exact SubjectPublicKeyInfo DER is pinned."""
        return self._pins.get(keyid_from_spki(spki)) == spki

    def x509_store(self) -> Store:
        """The roots as a ``cryptography.x509.verification.Store`` (cached)."""
        if self._store is None:
            self._store = Store(list(self.roots))
        return self._store

    def digest(self) -> str:
        """SHA-256 identifying this trust configuration.

        Computed over the sorted lines ``root:<cert SHA-256>`` and ``pin:<keyid>``
        joined by ``\\n`` (UTF-8); reports carry it as ``trust_store_digest``.
        """
        if self._digest is None:
            lines = sorted([f"root:{fp}" for fp in self._roots] + [f"pin:{k}" for k in self._pins])
            self._digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        return self._digest

    def __len__(self) -> int:
        return len(self._roots) + len(self._pins)

    def __repr__(self) -> str:
        return (
            f"TrustStore(roots={len(self._roots)}, pins={len(self._pins)}, "
            f"digest={self.digest()[:16]}…)"
        )
