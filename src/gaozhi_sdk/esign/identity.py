"""证书身份 (certificate identity): whom a signing certificate names, as its CA encodes it.

Chinese CAs put the holder's identifier in different places. The built-in readers
(``BUILTIN_READERS``) understand the common encodings:

==========================================  ============================================
where                                       what
==========================================  ============================================
subject ``serialNumber`` (2.5.4.5)          居民身份证号码 or 统一社会信用代码, bare or with
                                            the ETSI EN 319 412-1 prefix ``IDCCN-`` /
                                            ``PNOCN-`` (person) / ``NTRCN-`` (organisation);
                                            or a 64-hex salted digest of the identifier
subject ``organizationIdentifier``          统一社会信用代码, bare or ``NTRCN-…``
(2.5.4.97)
subject ``OU`` (2.5.4.11)                   统一社会信用代码 (bare; other OU text is ignored)
extension 1.2.156.10260.4.1.1               GM/T 0015 IdentifyCode: 居民身份证号码
extension 1.2.156.10260.4.1.4               GM/T 0015 OrganizationCode holding an 18-char
                                            统一社会信用代码
subjectAltName ``otherName`` of either OID  the same values
==========================================  ============================================

A bare value valid both as a 居民身份证号码 and as a 统一社会信用代码 (check characters
can coincide) is read as the 居民身份证号码; ``OU`` and ``organizationIdentifier`` only
ever hold organisation codes. The ``CN`` is never read: it is free text. A CA that puts
an organisation's code in the ``OU`` of an *employee's* certificate without any
personal identifier must be configured without :func:`read_ou`. Other CAs are supported through the
``gaozhi_certificate_identities`` plugin hook or a reader passed to
:class:`~gaozhi_sdk.esign.policy.SignerPolicy`.

Every value must already be in canonical form (ASCII, upper case, valid check
character): a full-width or lower-case identifier in a certificate is not silently
normalised into someone's identity — it makes the certificate's identity *ambiguous*,
and so does a certificate that names two different persons or organisations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import NameOID

from gaozhi_sdk.errors import InvalidIdentifierError
from gaozhi_sdk.ids import (
    mask_identifier,
    normalise_identifier,
    validate_resident_id,
    validate_uscc,
)

__all__ = [
    "BUILTIN_READERS",
    "OID_GMT_IDENTIFY_CODE",
    "OID_GMT_ORGANIZATION_CODE",
    "OID_ORGANIZATION_IDENTIFIER",
    "CertificateIdentity",
    "IdentityKind",
    "IdentityReader",
    "SubjectIdentity",
    "SubjectKind",
    "read_subject_identity",
]

OID_ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
OID_GMT_IDENTIFY_CODE = x509.ObjectIdentifier("1.2.156.10260.4.1.1")
OID_GMT_ORGANIZATION_CODE = x509.ObjectIdentifier("1.2.156.10260.4.1.4")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_PERSON_PREFIXES = ("IDCCN-", "PNOCN-")
_ORG_PREFIXES = ("NTRCN-",)


class IdentityKind(StrEnum):
    """What an identity value is."""

    USCC = "USCC"  # 统一社会信用代码 (an organisation)
    RESIDENT_ID = "RESIDENT_ID"  # 居民身份证号码 (a natural person)
    ID_DIGEST = "ID_DIGEST"  # salted HMAC-SHA256 of an identifier (ids.digest_identifier)


@dataclass(frozen=True)
class CertificateIdentity:
    """One identity value read from a certificate.

    Args:
        kind: what the value is.
        value: the identifier exactly as the certificate carries it (canonical form).
        source: where it was read (e.g. ``"subject:serialNumber"``), for reports.
    """

    kind: IdentityKind
    value: str
    source: str

    def masked(self) -> str:
        """The value safe for reports and logs (identifiers masked, digests shortened)."""
        if self.kind is IdentityKind.ID_DIGEST:
            return f"摘要 {self.value[:12]}…"
        return mask_identifier(self.value)


#: A reader returns raw ``(source, value)`` candidates from a certificate; values that are
#: not identifiers are ignored, non-canonical identifiers make the identity ambiguous.
IdentityReader = Callable[[x509.Certificate], Iterable[tuple[str, str]]]


class SubjectKind(StrEnum):
    """Whom a certificate identifies, taken over all its identity values."""

    PERSON = "PERSON"  # carries a 居民身份证号码 (an organisation affiliation does not count)
    ORGANISATION = "ORGANISATION"  # carries only a 统一社会信用代码
    DIGEST_ONLY = "DIGEST_ONLY"  # carries only a salted digest
    NONE = "NONE"  # no identity value the readers understand
    AMBIGUOUS = "AMBIGUOUS"  # conflicting or non-canonical values


@dataclass(frozen=True)
class SubjectIdentity:
    """The identity of a certificate's holder (see :func:`read_subject_identity`)."""

    kind: SubjectKind
    identities: tuple[CertificateIdentity, ...] = ()
    problem: str | None = None
    problem_en: str | None = None
    _by_kind: dict[IdentityKind, str] = field(default_factory=dict, compare=False, repr=False)

    def value(self, kind: IdentityKind) -> str | None:
        """The (single) value of ``kind``, or None."""
        return self._by_kind.get(kind)

    def describe(self) -> str:
        """Masked identities and their sources, for reports."""
        if not self.identities:
            return "证书中无可识别的身份标识"
        return ", ".join(f"{i.masked()} ({i.source})" for i in self.identities)


# -- readers -------------------------------------------------------------------------------


def _attrs(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(oid)]


def read_serial_number(cert: x509.Certificate) -> Iterable[tuple[str, str]]:
    """Subject ``serialNumber`` (2.5.4.5)."""
    return [("subject:serialNumber", v) for v in _attrs(cert, NameOID.SERIAL_NUMBER)]


def read_organization_identifier(cert: x509.Certificate) -> Iterable[tuple[str, str]]:
    """Subject ``organizationIdentifier`` (2.5.4.97)."""
    return [
        ("subject:organizationIdentifier", v) for v in _attrs(cert, OID_ORGANIZATION_IDENTIFIER)
    ]


def read_ou(cert: x509.Certificate) -> Iterable[tuple[str, str]]:
    """Subject ``OU`` (2.5.4.11); only values that look like a USCC count."""
    out = []
    for v in _attrs(cert, NameOID.ORGANIZATIONAL_UNIT_NAME):
        if _looks_like(v, IdentityKind.USCC):
            out.append(("subject:OU", v))
    return out


def _der_string(data: bytes) -> str | None:
    """The text of a DER string, possibly wrapped in one context tag (GM/T 0015 CHOICE)."""
    tag, body = _tlv(data)
    if tag is None or body is None:
        return None
    if tag in (0xA0, 0xA1, 0xA2):  # explicit [n] around a string
        if tag != 0xA0:
            return None  # military officer / passport numbers: not resident IDs
        return _der_string(body)
    if tag in (0x81, 0x82):
        return None
    if tag in (0x13, 0x0C, 0x16, 0x80):  # Printable, UTF8, IA5, implicit [0]
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def _tlv(data: bytes) -> tuple[int | None, bytes | None]:
    if len(data) < 2:
        return None, None
    tag, length = data[0], data[1]
    pos = 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 3 or len(data) < 2 + n:
            return None, None
        length = int.from_bytes(data[2 : 2 + n], "big")
        pos = 2 + n
    if pos + length != len(data):
        return None, None
    return tag, data[pos:]


def read_gmt0015(cert: x509.Certificate) -> Iterable[tuple[str, str]]:
    """GM/T 0015 extensions and subjectAltName otherNames with the same OIDs."""
    out: list[tuple[str, str]] = []
    for ext in cert.extensions:
        if ext.oid in (OID_GMT_IDENTIFY_CODE, OID_GMT_ORGANIZATION_CODE) and isinstance(
            ext.value, x509.UnrecognizedExtension
        ):
            text = _der_string(ext.value.value)
            if text is not None:
                out.append((f"extension:{ext.oid.dotted_string}", text))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return out
    for other in san.value.get_values_for_type(x509.OtherName):
        if other.type_id in (OID_GMT_IDENTIFY_CODE, OID_GMT_ORGANIZATION_CODE):
            text = _der_string(other.value)
            if text is not None:
                out.append((f"subjectAltName:otherName:{other.type_id.dotted_string}", text))
    return out


#: The readers every :class:`~gaozhi_sdk.esign.policy.SignerPolicy` starts with.
BUILTIN_READERS: tuple[IdentityReader, ...] = (
    read_serial_number,
    read_organization_identifier,
    read_ou,
    read_gmt0015,
)


# -- classification ------------------------------------------------------------------------


def _canonical(value: str, kind: IdentityKind) -> bool:
    try:
        if kind is IdentityKind.USCC:
            return validate_uscc(value) == value
        return len(value) == 18 and validate_resident_id(value) == value
    except (InvalidIdentifierError, ValueError):
        return False


def _looks_like(value: str, kind: IdentityKind) -> bool:
    """True if ``value`` is an identifier of ``kind`` once normalised (any form)."""
    try:
        norm = normalise_identifier(value)
    except (InvalidIdentifierError, ValueError):
        return False
    for prefix in (*_PERSON_PREFIXES, *_ORG_PREFIXES):
        if norm.startswith(prefix):
            norm = norm[len(prefix) :]
    return _canonical(norm, kind)


def _classify(source: str, raw: str) -> CertificateIdentity | str | None:
    """An identity, a problem text (non-canonical identifier), or None (not an identifier)."""
    value = raw
    # A bare value valid as both (about 1 in 31 resident IDs passes the USCC check) is read
    # as the resident ID: its birth-date structure is the more specific test.
    allowed: tuple[IdentityKind, ...] = (IdentityKind.RESIDENT_ID, IdentityKind.USCC)
    for prefix in _PERSON_PREFIXES:
        if value.startswith(prefix):
            value, allowed = value[len(prefix) :], (IdentityKind.RESIDENT_ID,)
    for prefix in _ORG_PREFIXES:
        if value.startswith(prefix):
            value, allowed = value[len(prefix) :], (IdentityKind.USCC,)
    if source.startswith(("subject:OU", "subject:organizationIdentifier")):
        allowed = (IdentityKind.USCC,)
    if value.isascii():
        for kind in allowed:
            if _canonical(value, kind):
                return CertificateIdentity(kind, value, source)
        if _HEX64.match(value) and source == "subject:serialNumber":
            return CertificateIdentity(IdentityKind.ID_DIGEST, value, source)
    if any(_looks_like(raw, k) for k in (IdentityKind.USCC, IdentityKind.RESIDENT_ID)):
        return source
    return None


def read_subject_identity(
    cert: x509.Certificate,
    readers: Sequence[IdentityReader] = BUILTIN_READERS,
    extra: Iterable[CertificateIdentity] = (),
) -> SubjectIdentity:
    """Whom ``cert`` identifies, over every value the readers find.

    A certificate that carries a 居民身份证号码 identifies that *person* (an organisation's
    code next to it is an affiliation, not the holder). One with only a 统一社会信用代码
    identifies that *organisation*. Two different values of one kind, or an identifier in
    non-canonical form (full-width digits, lower case), make it AMBIGUOUS.

    Args:
        cert: the signing (leaf) certificate.
        readers: identity readers (default: ``BUILTIN_READERS``).
        extra: identities from plugins (``gaozhi_certificate_identities``); they are
            checked for canonical form like the others.
    """
    found: list[CertificateIdentity] = []
    bad: list[str] = []
    for reader in readers:
        for source, raw in reader(cert):
            got = _classify(source, raw)
            if isinstance(got, CertificateIdentity):
                found.append(got)
            elif isinstance(got, str):
                bad.append(got)
    for ident in extra:
        if not isinstance(ident, CertificateIdentity):
            bad.append(f"plugin:{type(ident).__name__}")
        elif ident.kind is IdentityKind.ID_DIGEST:
            if _HEX64.match(ident.value):
                found.append(ident)
            else:
                bad.append(ident.source)
        elif _canonical(ident.value, ident.kind):
            found.append(ident)
        else:
            bad.append(ident.source)
    unique = tuple(dict.fromkeys(found))
    if bad:
        where = ", ".join(sorted(set(bad)))
        return SubjectIdentity(
            SubjectKind.AMBIGUOUS,
            unique,
            f"证书 {where} 中的身份标识不是规范形式 (全角、小写或校验位错误), 不予采信",
            f"the identifier in {where} is not in canonical form; it is not accepted",
        )
    by_kind: dict[IdentityKind, set[str]] = {}
    for i in unique:
        by_kind.setdefault(i.kind, set()).add(i.value)
    conflicting = [k for k, vals in by_kind.items() if len(vals) > 1]
    if conflicting:
        kinds = ", ".join(k.value for k in conflicting)
        return SubjectIdentity(
            SubjectKind.AMBIGUOUS,
            unique,
            f"证书载有多个互不相同的身份标识 ({kinds}), 无法确定持有人",
            f"the certificate carries several different identifiers ({kinds})",
        )
    single = {k: next(iter(v)) for k, v in by_kind.items()}
    if IdentityKind.RESIDENT_ID in single:
        kind = SubjectKind.PERSON
    elif IdentityKind.USCC in single:
        kind = (
            SubjectKind.ORGANISATION
            if IdentityKind.ID_DIGEST not in single
            else SubjectKind.AMBIGUOUS
        )
        if kind is SubjectKind.AMBIGUOUS:
            return SubjectIdentity(
                kind,
                unique,
                "证书同时载有统一社会信用代码与个人标识摘要, 无法确定持有人是机构还是个人",
                "the certificate carries both an organisation code and a personal digest",
            )
    elif IdentityKind.ID_DIGEST in single:
        kind = SubjectKind.DIGEST_ONLY
    else:
        kind = SubjectKind.NONE
    return SubjectIdentity(kind, unique, _by_kind=single)
