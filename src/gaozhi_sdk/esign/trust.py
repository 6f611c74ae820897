"""信任库 (trust store): the verifier's anchors by purpose and pinned keys (DESIGN §4).

Trust never comes from a bundle: a certificate chain must end in an anchor held here, and
a bare ``publicKey`` is accepted only when its exact SubjectPublicKeyInfo is pinned here.

Anchors have a purpose (:class:`AnchorPurpose`) and vouch only for it:

* ``DOCUMENT_SIGNING`` — roots of the CAs that issue seals and personal signing
  certificates (:attr:`TrustStore.roots`);
* ``TIME_STAMPING`` — roots of time-stamping authorities (:attr:`TrustStore.tsa_roots`);
  a TSA root cannot vouch for a document signer, and a signing root cannot vouch for a
  TSA, unless the same certificate is added with both purposes explicitly;
* ``OCSP_SIGNING`` — pinned OCSP responders (:attr:`TrustStore.ocsp_responders`): their
  responses are accepted for any certificate, as RFC 6960 §4.2.2.2 "trusted responders";
* ``EVENT_CERTIFICATE`` — roots of CAs that issue short-lived *event certificates* after
  real-name authentication (DESIGN §4a); only they vouch for a pledge signed with the
  ``EVENT_CERTIFICATE`` method, and they vouch for nothing else;
* ``PLATFORM_ATTESTATION`` — roots of the seals of platforms the verifier accepts as
  attesting an applicant's authentication (``PLATFORM_ATTESTED`` pledges and their
  authentication records); an organ's own seal under a document-signing root may attest
  its own pledges without it.

:meth:`TrustStore.digest` identifies the configuration, purposes included, in every report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import Store

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign.keys import PublicKeyLike, keyid_from_spki, spki_der

__all__ = ["TSA_SUBDIR", "AnchorPurpose", "TrustStore", "trust_folder_files"]


class AnchorPurpose(StrEnum):
    """What an anchor vouches for (DESIGN §4: an anchor vouches only for its purpose)."""

    DOCUMENT_SIGNING = "document_signing"
    TIME_STAMPING = "time_stamping"
    OCSP_SIGNING = "ocsp_signing"
    EVENT_CERTIFICATE = "event_certificate"
    PLATFORM_ATTESTATION = "platform_attestation"


#: Digest line prefix of each purpose (``root:`` keeps signing-only digests stable).
_DIGEST_PREFIX = {
    AnchorPurpose.DOCUMENT_SIGNING: "root",
    AnchorPurpose.TIME_STAMPING: "tsa",
    AnchorPurpose.OCSP_SIGNING: "ocsp",
    AnchorPurpose.EVENT_CERTIFICATE: "event",
    AnchorPurpose.PLATFORM_ATTESTATION: "platform",
}

#: Sub-folder of a trust folder holding the time-stamping anchors (archives, evidence).
TSA_SUBDIR = "tsa"
#: Sub-folders holding the anchors of the signing-method purposes (DESIGN §4a).
METHOD_SUBDIRS = {"event-ca": "event_certificate", "platform": "platform_attestation"}

PurposeArg = AnchorPurpose | str | Iterable[AnchorPurpose | str]


def _purposes(value: PurposeArg) -> frozenset[AnchorPurpose]:
    items = [value] if isinstance(value, AnchorPurpose | str) else list(value)
    try:
        out = frozenset(AnchorPurpose(v) for v in items)
    except ValueError as exc:
        raise SignatureError(
            "GZ-SG-020",
            f"未知的信任锚用途: {exc}; 可选 {', '.join(p.value for p in AnchorPurpose)}",
            message_en=f"unknown anchor purpose: {exc}",
        ) from exc
    if not out:
        raise SignatureError(
            "GZ-SG-020", "信任锚须至少有一种用途", message_en="an anchor needs a purpose"
        )
    return out


class TrustStore:
    """Trusted anchors by purpose, and pinned public keys.

    Args:
        roots: document-signing anchors (seal and personal-certificate CAs).
        pins: pinned public keys (key objects or SPKI DER bytes).
        tsa_roots: time-stamping anchors.
        ocsp_responders: pinned OCSP responder certificates.
        event_cas: roots of event-certificate CAs (DESIGN §4a).
        platform_roots: roots of platform seals trusted to attest authentications.

    Example::

        trust = TrustStore([signing_root], tsa_roots=[tsa_root])
        trust.add_root(both, purposes={AnchorPurpose.DOCUMENT_SIGNING,
                                       AnchorPurpose.TIME_STAMPING})   # explicit opt-in
    """

    def __init__(
        self,
        roots: Iterable[x509.Certificate] = (),
        pins: Iterable[PublicKeyLike | bytes] = (),
        *,
        tsa_roots: Iterable[x509.Certificate] = (),
        ocsp_responders: Iterable[x509.Certificate] = (),
        event_cas: Iterable[x509.Certificate] = (),
        platform_roots: Iterable[x509.Certificate] = (),
    ) -> None:
        self._anchors: dict[str, tuple[x509.Certificate, frozenset[AnchorPurpose]]] = {}
        self._pins: dict[str, bytes] = {}
        self._stores: dict[AnchorPurpose, Store] = {}
        self._views: dict[AnchorPurpose, TrustStore] = {}
        self._signing_views: dict[frozenset[AnchorPurpose], TrustStore] = {}
        self._digest: str | None = None
        for cert in roots:
            self.add_root(cert)
        for cert in tsa_roots:
            self.add_root(cert, purposes=AnchorPurpose.TIME_STAMPING)
        for cert in ocsp_responders:
            self.add_root(cert, purposes=AnchorPurpose.OCSP_SIGNING)
        for cert in event_cas:
            self.add_root(cert, purposes=AnchorPurpose.EVENT_CERTIFICATE)
        for cert in platform_roots:
            self.add_root(cert, purposes=AnchorPurpose.PLATFORM_ATTESTATION)
        for key in pins:
            self.pin(key)

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_dir(
        cls, path: str | Path, purpose: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING
    ) -> TrustStore:
        """Load every ``*.pem`` file in a folder (each may hold several certificates).

        With the default purpose, a sub-folder ``tsa/`` (as archives and evidence
        packages write it) is loaded as time-stamping anchors, and ``event-ca/`` /
        ``platform/`` as event-certificate / platform-attestation anchors (DESIGN §4a).

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
        store = cls.from_pem_files(sorted(folder.glob("*.pem")), purpose)
        if _purposes(purpose) == {AnchorPurpose.DOCUMENT_SIGNING}:
            store.add_pem_files(
                sorted((folder / TSA_SUBDIR).glob("*.pem")), purposes=AnchorPurpose.TIME_STAMPING
            )
            for sub, sub_purpose in METHOD_SUBDIRS.items():
                store.add_pem_files(sorted((folder / sub).glob("*.pem")), purposes=sub_purpose)
        if not store._anchors:
            raise SignatureError(
                "GZ-SG-020",
                f"信任锚目录 {folder} 中没有 PEM 证书",
                message_en=f"no PEM certificates in trust folder {folder}",
            )
        return store

    @classmethod
    def from_pem_files(
        cls,
        paths: Iterable[str | Path],
        purpose: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING,
    ) -> TrustStore:
        """Load anchors of ``purpose`` (default: document signing) from PEM files.

        Raises:
            SignatureError: ``GZ-SG-020`` if a file is unreadable or holds no certificate.
        """
        store = cls()
        store.add_pem_files(paths, purposes=purpose)
        return store

    @classmethod
    def from_pems(
        cls, pems: Iterable[bytes], purpose: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING
    ) -> TrustStore:
        """Anchors of ``purpose`` from PEM blobs (e.g. the files of a ``trust/`` folder).

        Raises:
            SignatureError: ``GZ-SG-020`` if a blob holds no valid certificate.
        """
        store = cls()
        for i, pem in enumerate(pems):
            store.add_pem(pem, source=f"anchor-{i + 1}", purposes=purpose)
        return store

    @classmethod
    def from_folder_files(cls, files: Mapping[str, bytes], folder: str = "trust") -> TrustStore:
        """Anchors from the files of a trust folder as :func:`trust_folder_files` lays it
        out: ``<folder>/*.pem`` document signing, ``<folder>/tsa/*.pem`` time-stamping,
        ``<folder>/event-ca/*.pem`` / ``<folder>/platform/*.pem`` event-certificate CAs /
        platform attestation (DESIGN §4a).

        ``files`` maps relative POSIX paths to contents (an archive's or a zip's members);
        other paths are ignored.

        Raises:
            SignatureError: ``GZ-SG-020`` if a PEM holds no valid certificate.
        """
        store = cls()
        top = f"{folder}/"
        subs = {f"{folder}/{TSA_SUBDIR}/": AnchorPurpose.TIME_STAMPING.value}
        subs.update({f"{folder}/{d}/": p for d, p in METHOD_SUBDIRS.items()})
        for name in sorted(files):
            if not name.endswith(".pem"):
                continue
            for prefix, purpose in subs.items():
                if name.startswith(prefix) and "/" not in name[len(prefix) :]:
                    store.add_pem(files[name], source=name, purposes=purpose)
                    break
            else:
                if name.startswith(top) and "/" not in name[len(top) :]:
                    store.add_pem(files[name], source=name)
        return store

    def add_pem_files(
        self,
        paths: Iterable[str | Path],
        *,
        purposes: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING,
    ) -> None:
        """Add every certificate of each PEM file as an anchor of ``purposes``.

        Raises:
            SignatureError: ``GZ-SG-020`` if a file is unreadable or holds no certificate.
        """
        for p in paths:
            try:
                data = Path(p).read_bytes()
            except OSError as exc:
                raise SignatureError(
                    "GZ-SG-020",
                    f"无法读取信任锚文件 {p}: {exc.strerror}",
                    message_en=f"cannot read trust anchor file {p}: {exc.strerror}",
                ) from exc
            self.add_pem(data, source=str(p), purposes=purposes)

    def add_pem(
        self,
        pem: bytes,
        *,
        source: str = "PEM",
        purposes: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING,
    ) -> None:
        """Add every certificate in a PEM blob as an anchor of ``purposes``.

        Raises:
            SignatureError: ``GZ-SG-020`` if the blob holds no valid certificate.
        """
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise SignatureError(
                "GZ-SG-020",
                f"信任锚 {source} 不是有效的 PEM 证书: {exc}",
                message_en=f"trust anchor {source} is not a valid PEM certificate: {exc}",
            ) from exc
        for cert in certs:
            self.add_root(cert, purposes=purposes)

    def add_root(
        self,
        cert: x509.Certificate,
        *,
        purposes: PurposeArg = AnchorPurpose.DOCUMENT_SIGNING,
    ) -> None:
        """Trust ``cert`` as an anchor for ``purposes`` (default: document signing).

        Adding the same certificate again with another purpose adds that purpose: a
        certificate vouches for several purposes only when configured so explicitly.
        """
        fp = cert.fingerprint(hashes.SHA256()).hex()
        old = self._anchors.get(fp)
        wanted = _purposes(purposes)
        self._anchors[fp] = (cert, wanted | (old[1] if old else frozenset()))
        self._changed()

    def pin(self, public_key: PublicKeyLike | bytes) -> str:
        """Pin a public key (key object or SPKI DER); returns its keyid."""
        spki = public_key if isinstance(public_key, bytes) else spki_der(public_key)
        kid = keyid_from_spki(spki)
        self._pins[kid] = spki
        self._changed()
        return kid

    def _changed(self) -> None:
        self._stores = {}
        self._views = {}
        self._signing_views = {}
        self._digest = None

    # -- queries ----------------------------------------------------------------------

    def anchors(self, purpose: AnchorPurpose | str) -> tuple[x509.Certificate, ...]:
        """The anchors of one purpose, ordered by SHA-256 fingerprint."""
        p = AnchorPurpose(purpose)
        return tuple(self._anchors[k][0] for k in sorted(self._anchors) if p in self._anchors[k][1])

    def purposes_of(self, cert: x509.Certificate) -> frozenset[AnchorPurpose]:
        """The purposes ``cert`` is trusted for (empty if it is no anchor)."""
        found = self._anchors.get(cert.fingerprint(hashes.SHA256()).hex())
        return found[1] if found else frozenset()

    def purposes_of_fingerprint(self, fp: str) -> frozenset[AnchorPurpose]:
        """The purposes the anchor with SHA-256 fingerprint ``fp`` (hex) is trusted for."""
        found = self._anchors.get(fp)
        return found[1] if found else frozenset()

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """The document-signing anchors, ordered by SHA-256 fingerprint."""
        return self.anchors(AnchorPurpose.DOCUMENT_SIGNING)

    @property
    def tsa_roots(self) -> tuple[x509.Certificate, ...]:
        """The time-stamping anchors, ordered by SHA-256 fingerprint."""
        return self.anchors(AnchorPurpose.TIME_STAMPING)

    @property
    def ocsp_responders(self) -> tuple[x509.Certificate, ...]:
        """The pinned OCSP responders, ordered by SHA-256 fingerprint."""
        return self.anchors(AnchorPurpose.OCSP_SIGNING)

    @property
    def pinned_keyids(self) -> tuple[str, ...]:
        """Keyids of the pinned keys, sorted."""
        return tuple(sorted(self._pins))

    def is_pinned(self, spki: bytes) -> bool:
        """True if this exact SubjectPublicKeyInfo DER is pinned."""
        return self._pins.get(keyid_from_spki(spki)) == spki

    def x509_store(self, purpose: AnchorPurpose | str = AnchorPurpose.DOCUMENT_SIGNING) -> Store:
        """The anchors of ``purpose`` as a ``cryptography.x509.verification.Store``.

        Raises:
            ValueError: if there is no anchor of that purpose (a Store cannot be empty).
        """
        p = AnchorPurpose(purpose)
        if p not in self._stores:
            self._stores[p] = Store(list(self.anchors(p)))
        return self._stores[p]

    def for_purpose(self, purpose: AnchorPurpose | str) -> TrustStore:
        """A store whose document-signing roots are this store's anchors of ``purpose``.

        For chain validators that read :attr:`roots` (e.g. the SM2 plugin's) when the
        chain to build is not a document signer's — a TSA's, say. No pins are copied.
        """
        p = AnchorPurpose(purpose)
        if p is AnchorPurpose.DOCUMENT_SIGNING and not self._pins:
            return self
        if p not in self._views:
            self._views[p] = TrustStore(self.anchors(p))
        return self._views[p]

    def signing_view(self, purposes: PurposeArg) -> TrustStore:
        """A store whose document-signing roots are this store's anchors of ``purposes``,
        with the same time-stamping anchors and OCSP responders (no pins).

        Used to validate a signature that must chain to an anchor of a specific purpose —
        an event certificate to an ``EVENT_CERTIFICATE`` anchor, a platform seal to a
        ``PLATFORM_ATTESTATION`` (or document-signing) anchor — while its time-stamps are
        still checked against the time-stamping anchors.
        """
        wanted = _purposes(purposes)
        if wanted == {AnchorPurpose.DOCUMENT_SIGNING} and not self._pins:
            return self
        if wanted not in self._signing_views:
            roots = {self._fp(c): c for p in wanted for c in self.anchors(p)}
            self._signing_views[wanted] = TrustStore(
                roots.values(), tsa_roots=self.tsa_roots, ocsp_responders=self.ocsp_responders
            )
        return self._signing_views[wanted]

    @staticmethod
    def _fp(cert: x509.Certificate) -> str:
        return cert.fingerprint(hashes.SHA256()).hex()

    def digest(self) -> str:
        """SHA-256 identifying this trust configuration, purposes included.

        Computed over the sorted lines ``root:<cert SHA-256>`` (document signing),
        ``tsa:<cert SHA-256>`` (time-stamping), ``ocsp:<cert SHA-256>`` (pinned OCSP
        responders), ``event:``/``platform:<cert SHA-256>`` (event-certificate CAs,
        platform attestation seals) and ``pin:<keyid>``, joined by ``\\n`` (UTF-8);
        reports carry it as ``trust_store_digest``.
        """
        if self._digest is None:
            lines = [
                f"{_DIGEST_PREFIX[p]}:{fp}" for fp, (_, ps) in self._anchors.items() for p in ps
            ]
            lines += [f"pin:{k}" for k in self._pins]
            self._digest = hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()
        return self._digest

    def __len__(self) -> int:
        return len(self._anchors) + len(self._pins)

    def __repr__(self) -> str:
        return (
            f"TrustStore(roots={len(self.roots)}, tsa_roots={len(self.tsa_roots)}, "
            f"ocsp_responders={len(self.ocsp_responders)}, "
            f"event_cas={len(self.anchors(AnchorPurpose.EVENT_CERTIFICATE))}, "
            f"platforms={len(self.anchors(AnchorPurpose.PLATFORM_ATTESTATION))}, "
            f"pins={len(self._pins)}, "
            f"digest={self.digest()[:16]}…)"
        )


def trust_folder_files(
    signing_pems: Sequence[bytes],
    tsa_pems: Sequence[bytes] = (),
    folder: str = "trust",
    *,
    method_pems: Mapping[str, Sequence[bytes]] | None = None,
) -> dict[str, bytes]:
    """The files of a trust folder (archives, evidence packages): signing anchors as
    ``<folder>/anchor-N.pem``, time-stamping anchors as ``<folder>/tsa/anchor-N.pem``,
    and ``method_pems`` (purpose ``event_certificate`` / ``platform_attestation`` → PEMs)
    as ``<folder>/event-ca/`` / ``<folder>/platform/anchor-N.pem`` (DESIGN §4a).

    :meth:`TrustStore.from_folder_files` and :meth:`TrustStore.from_dir` read it back.
    """
    files = {f"{folder}/anchor-{i + 1}.pem": pem for i, pem in enumerate(signing_pems)}
    files.update(
        {f"{folder}/{TSA_SUBDIR}/anchor-{i + 1}.pem": pem for i, pem in enumerate(tsa_pems)}
    )
    subdir_of = {p: d for d, p in METHOD_SUBDIRS.items()}
    for purpose, pems in (method_pems or {}).items():
        sub = subdir_of.get(str(AnchorPurpose(purpose).value))
        if sub is None:
            raise SignatureError(
                "GZ-SG-020",
                f"信任目录不为用途 {purpose} 设子目录",
                message_en=f"no trust sub-folder for purpose {purpose}",
            )
        files.update({f"{folder}/{sub}/anchor-{i + 1}.pem": pem for i, pem in enumerate(pems)})
    return files
