"""撤销检查 (revocation) from CRLs and OCSP responses carried in the bundle (DESIGN §4).

Offline means offline: only ``verificationMaterial.revocation`` is used. A
:class:`RevocationFetcher` seam exists for callers who want to fetch, but nothing fetches
unless a fetcher is passed explicitly.

For each certificate of the validated chain except the trust anchor, at the validation
time ``t`` (the best signature time when a time-stamp proves it):

* a CRL counts only if its issuer is the certificate's issuer and its signature verifies
  with the issuer's key; an OCSP response only if it is SUCCESSFUL, names the certificate
  (serial, issuer name/key hashes) and is signed by the issuer or by a responder the
  issuer certified with EKU OCSPSigning;
* *revoked at or before ``t``* → TOTAL_FAILED / REVOKED; *revoked after ``t``* → still
  valid, recorded in the check and a warning;
* *good* counts only if the data is fresh for ``t``: ``thisUpdate ≤ t ≤ nextUpdate`` or
  issued after ``t`` (``thisUpdate ≥ t``);
* no usable data → with ``require_revocation`` INDETERMINATE / TRY_LATER naming the
  certificate (subject, SHA-256) and the missing CRL/OCSP; without it the check is
  SKIPPED and the report warns — never PASSED.

The time-stamping authority's own certificates are checked the same way at the token's
``genTime`` (:func:`timestamp_authority_problem`): a TSA certificate revoked at or before
``genTime`` — or revoked at any time for key compromise or an unstated reason, since the
holder of a compromised key can issue tokens with any earlier ``genTime`` — makes the token
unusable as proof of time; with ``require_revocation`` the TSA chain needs revocation data too.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from gaozhi_sdk.canonical import sha256_hex
from gaozhi_sdk.esign.bundle import Revocation
from gaozhi_sdk.esign.chain import masked_subject
from gaozhi_sdk.esign.keys import SIGNATURE_OID_HASH, certificate_spki, verify_issuer_signature
from gaozhi_sdk.esign.report import Check, CheckStatus, SubIndication

__all__ = [
    "CertificateStatus",
    "RevocationData",
    "RevocationFetcher",
    "check_revocation",
    "load_revocation",
    "timestamp_authority_problem",
]

#: Revocation reasons after which a TSA's earlier tokens stay trustworthy (its key was not
#: compromised): revoked *after* genTime for one of these, the token still proves its time.
_BENIGN_TSA_REASONS = frozenset(
    {
        x509.ReasonFlags.superseded.value,
        x509.ReasonFlags.cessation_of_operation.value,
        x509.ReasonFlags.affiliation_changed.value,
    }
)


@runtime_checkable
class RevocationFetcher(Protocol):
    """Fetches revocation data for a certificate (off by default; never used offline)."""

    def fetch(
        self, certificate: x509.Certificate, issuer: x509.Certificate
    ) -> tuple[Sequence[bytes], Sequence[bytes]]:
        """Return ``(crls_der, ocsp_responses_der)`` for ``certificate``."""


@dataclass
class RevocationData:
    """Parsed revocation data (each with its SHA-256 for evidence references)."""

    crls: list[tuple[x509.CertificateRevocationList, str]] = field(default_factory=list)
    ocsps: list[tuple[ocsp.OCSPResponse, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # SHA-256 of blobs that do not parse
    #: pinned OCSP responders (the verifier's ``OCSP_SIGNING`` anchors)
    responders: tuple[x509.Certificate, ...] = ()
    #: data that could not be verified and was ignored (warnings for the report)
    ignored: list[str] = field(default_factory=list)

    def note_ignored(self, text: str) -> None:
        """Record ignored data once (it becomes a report warning)."""
        if text not in self.ignored:
            self.ignored.append(text)

    def add_crl(self, der: bytes) -> None:
        """Parse and add a DER CRL (unreadable ones are recorded)."""
        try:
            self.crls.append((x509.load_der_x509_crl(der), sha256_hex(der)))
        except ValueError:
            self.unreadable.append(f"crl:{sha256_hex(der)}")

    def add_ocsp(self, der: bytes) -> None:
        """Parse and add a DER OCSP response (unreadable ones are recorded)."""
        try:
            self.ocsps.append((ocsp.load_der_ocsp_response(der), sha256_hex(der)))
        except ValueError:
            self.unreadable.append(f"ocsp:{sha256_hex(der)}")

    @property
    def empty(self) -> bool:
        """True when there is no usable CRL or OCSP response at all."""
        return not self.crls and not self.ocsps


def load_revocation(
    rev: Revocation | None,
    *,
    extra: Revocation | None = None,
    responders: tuple[x509.Certificate, ...] = (),
) -> RevocationData:
    """Parse the bundle's ``verificationMaterial.revocation``, plus ``extra`` data the
    verifier brings (used beside the bundle's own; blobs of it that do not parse are
    ignored with a warning, not a format failure of the bundle)."""
    data = RevocationData(responders=responders)
    if extra is not None:
        mine = RevocationData()
        for der in extra.crls or ():
            mine.add_crl(der)
        for der in extra.ocsp_responses or ():
            mine.add_ocsp(der)
        data.crls.extend(mine.crls)
        data.ocsps.extend(mine.ocsps)
        for ref in mine.unreadable:
            data.note_ignored(
                f"验证方提供的撤销信息 {ref[:24]}… 无法解析, 已忽略 / verifier-supplied "
                "revocation data that does not parse was ignored"
            )
    if rev is not None:
        for der in rev.crls or ():
            data.add_crl(der)
        for der in rev.ocsp_responses or ():
            data.add_ocsp(der)
    return data


@dataclass(frozen=True)
class CertificateStatus:
    """The status found for one certificate at one time."""

    status: str  # "good" | "revoked" | "unknown"
    source: str = ""  # "CRL" | "OCSP"
    revoked_at: datetime | None = None
    reason: str | None = None
    evidence: str = ""
    stale: bool = False  # data existed but was not fresh for the time


def _fp(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _hash_name(obj: Any) -> str | None:
    try:
        h = obj.signature_hash_algorithm
    except UnsupportedAlgorithm:  # e.g. SM2-with-SM3: named by its OID
        return SIGNATURE_OID_HASH.get(obj.signature_algorithm_oid.dotted_string)
    return h.name if h is not None else None


def _signed_by(issuer: x509.Certificate, obj: Any, tbs: bytes) -> bool:
    """Is ``obj`` (CRL, OCSP response, certificate) signed with ``issuer``'s key?

    One implementation for every key type: SM2 issuers (the demo's organ seals) verify
    through the SM2 plugin's registered key verifier.
    """
    try:
        spki = certificate_spki(issuer)
        return verify_issuer_signature(
            spki,
            obj.signature,
            tbs,
            signature_oid=obj.signature_algorithm_oid.dotted_string,
            hash_name=_hash_name(obj),
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


def _fresh(this_update: datetime, next_update: datetime | None, at: datetime) -> bool:
    if this_update >= at:
        return True
    return next_update is not None and this_update <= at <= next_update


def _crl_scope(crl: x509.CertificateRevocationList) -> str | None:
    """Why a CRL is not a complete list on its own (delta or partitioned), else None."""
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        return "增量 CRL (delta CRL)"
    except x509.ExtensionNotFound:
        pass
    try:
        idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None
    if (
        idp.only_some_reasons
        or idp.only_contains_user_certs
        or idp.only_contains_ca_certs
        or idp.only_contains_attribute_certs
        or idp.indirect_crl
        or idp.full_name
        or idp.relative_name
    ):
        return "分区 CRL (IssuingDistributionPoint 限定了范围)"
    return None


def _crl_status(
    cert: x509.Certificate, issuer: x509.Certificate, data: RevocationData, at: datetime
) -> CertificateStatus | None:
    stale: CertificateStatus | None = None
    for crl, ref in data.crls:
        if crl.issuer != issuer.subject:
            continue
        if not _signed_by(issuer, crl, crl.tbs_certlist_bytes):
            data.note_ignored(
                f"CRL {ref[:16]}… 的签名无法用签发者 {masked_subject(issuer.subject)} 的公钥验证, "
                "已忽略 / a CRL whose signature does not verify with the issuer's key was ignored"
            )
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        reason: str | None = None
        if entry is not None:
            with contextlib.suppress(x509.ExtensionNotFound):
                ext = entry.extensions.get_extension_for_class(x509.CRLReason)
                reason = ext.value.reason.value
        if entry is not None and reason != x509.ReasonFlags.remove_from_crl.value:
            return CertificateStatus(
                "revoked", "CRL", entry.revocation_date_utc, reason, f"crl:{ref}"
            )
        scope = _crl_scope(crl)
        if scope is not None:  # proves revocations, never that a certificate is good
            data.note_ignored(
                f"{scope} {ref[:16]}… 不能单独证明证书未被撤销 / a delta or partitioned CRL "
                "is not complete on its own: it cannot show a certificate is not revoked"
            )
            continue
        if _fresh(crl.last_update_utc, crl.next_update_utc, at):
            return CertificateStatus("good", "CRL", evidence=f"crl:{ref}")
        stale = CertificateStatus("unknown", "CRL", evidence=f"crl:{ref}", stale=True)
    return stale


def _valid_at(cert: x509.Certificate, at: datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _ocsp_signing(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in eku


def _ocsp_responder_ok(
    resp: ocsp.OCSPResponse, issuer: x509.Certificate, responders: tuple[x509.Certificate, ...]
) -> bool:
    """RFC 6960 §4.2.2.2: signed by the CA itself, by a responder the CA certified for
    OCSP signing (id-kp-OCSPSigning, valid at ``producedAt``), or by a responder the
    verifier pinned (valid at ``producedAt``)."""
    tbs = resp.tbs_response_bytes
    if _signed_by(issuer, resp, tbs):
        return True
    produced = resp.produced_at_utc
    for pinned in responders:
        if _valid_at(pinned, produced) and _signed_by(pinned, resp, tbs):
            return True
    for delegate in resp.certificates:
        if (
            delegate.issuer == issuer.subject
            and _valid_at(delegate, produced)
            and _ocsp_signing(delegate)
            and _signed_by(issuer, delegate, delegate.tbs_certificate_bytes)
            and _signed_by(delegate, resp, tbs)
        ):
            return True
    return False


def _cert_id(cert: x509.Certificate, issuer: x509.Certificate, h: str) -> tuple[bytes, bytes]:
    """(issuerNameHash, issuerKeyHash) of RFC 6960 §4.1.1, for any issuer key type."""
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]

    key_bits = asn1_keys.PublicKeyInfo.load(certificate_spki(issuer))["public_key"].contents[1:]
    name = cert.issuer.public_bytes()
    return hashlib.new(h, name).digest(), hashlib.new(h, key_bits).digest()


_CERT_ID_HASHES = {"sha1", "sha256", "sha384", "sha512"}


def _ocsp_status(
    cert: x509.Certificate, issuer: x509.Certificate, data: RevocationData, at: datetime
) -> CertificateStatus | None:
    stale: CertificateStatus | None = None
    for resp, ref in data.ocsps:
        if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            continue
        for single in resp.responses:
            if single.serial_number != cert.serial_number:
                continue
            try:
                h = single.hash_algorithm.name
                ids = _cert_id(cert, issuer, h) if h in _CERT_ID_HASHES else None
            except (ValueError, TypeError, UnsupportedAlgorithm):
                ids = None
            if ids != (single.issuer_name_hash, single.issuer_key_hash):
                continue
            if not _ocsp_responder_ok(resp, issuer, data.responders):
                data.note_ignored(
                    f"OCSP 应答 {ref[:16]}… 的签名者不是该 CA、其授权的 OCSP 签名者 (EKU "
                    "OCSPSigning, 在 producedAt 时有效) 或预置的响应者, 已忽略 / an OCSP "
                    "response not signed by the CA, a responder it certified (valid at "
                    "producedAt) or a pinned responder was ignored"
                )
                continue
            status = single.certificate_status
            if status is ocsp.OCSPCertStatus.REVOKED:
                reason = single.revocation_reason.value if single.revocation_reason else None
                return CertificateStatus(
                    "revoked", "OCSP", single.revocation_time_utc, reason, f"ocsp:{ref}"
                )
            if status is ocsp.OCSPCertStatus.GOOD:
                if _fresh(single.this_update_utc, single.next_update_utc, at):
                    return CertificateStatus("good", "OCSP", evidence=f"ocsp:{ref}")
                stale = CertificateStatus("unknown", "OCSP", evidence=f"ocsp:{ref}", stale=True)
    return stale


def certificate_status(
    cert: x509.Certificate, issuer: x509.Certificate, data: RevocationData, at: datetime
) -> CertificateStatus:
    """Status of ``cert`` at ``at`` from the data (a revocation anywhere wins)."""
    found = [
        s
        for s in (_ocsp_status(cert, issuer, data, at), _crl_status(cert, issuer, data, at))
        if s is not None
    ]
    for s in found:
        if s.status == "revoked":
            return s
    for s in found:
        if s.status == "good":
            return s
    return found[0] if found else CertificateStatus("unknown")


def check_revocation(
    chain: Sequence[x509.Certificate],
    data: RevocationData,
    at: datetime,
    *,
    require: bool,
    fetcher: RevocationFetcher | None = None,
) -> tuple[Check, list[str]]:
    """One ``revocation`` check for a validated chain (leaf → anchor) and its warnings."""
    warnings: list[str] = []
    passed_notes: list[str] = []
    refs: list[str] = []
    missing: list[tuple[x509.Certificate, bool]] = []
    for i, cert in enumerate(chain[:-1]):
        issuer = chain[i + 1]
        st = certificate_status(cert, issuer, data, at)
        if st.status == "unknown" and fetcher is not None:
            crls, ocsps = fetcher.fetch(cert, issuer)
            for der in crls:
                data.add_crl(der)
            for der in ocsps:
                data.add_ocsp(der)
            st = certificate_status(cert, issuer, data, at)
        subject = masked_subject(cert.subject)
        fp = _fp(cert)
        if st.evidence:
            refs.append(st.evidence)
        if st.status == "revoked":
            assert st.revoked_at is not None
            reason = f", 原因 {st.reason}" if st.reason else ""
            if st.revoked_at <= at:
                return (
                    Check(
                        name="revocation",
                        status=CheckStatus.FAILED,
                        sub_indication=SubIndication.REVOKED,
                        message=(
                            f"证书已于 {st.revoked_at.isoformat()} 撤销 ({st.source}{reason}), "
                            f"不晚于验证时间 {at.isoformat()}: 证书主题 {subject}, SHA-256 {fp}"
                        ),
                        message_en=(
                            f"certificate {subject} (SHA-256 {fp}) was revoked at "
                            f"{st.revoked_at.isoformat()} ({st.source}), not after the "
                            f"validation time {at.isoformat()}"
                        ),
                        expected=f"在 {at.isoformat()} 时未被撤销",
                        found=f"撤销于 {st.revoked_at.isoformat()} ({st.source}{reason})",
                        remedy="签名时证书已撤销, 签名无效; 请签名方以有效证书重新签署",
                        remedy_en="the certificate was revoked when the signature was made; "
                        "have the document signed again with a valid certificate",
                        evidence_refs=[fp, st.evidence],
                    ),
                    warnings,
                )
            passed_notes.append(
                f"{subject} 于 {st.revoked_at.isoformat()} 撤销, 晚于验证时间 (签名仍有效)"
            )
            warnings.append(
                f"证书 {subject} (SHA-256 {fp}) 于 {st.revoked_at.isoformat()} 撤销, 晚于最佳签名"
                f"时间 {at.isoformat()}, 签名仍有效 / certificate revoked after the best "
                "signature time; the signature stays valid"
            )
        elif st.status == "unknown":
            missing.append((cert, st.stale))
    if missing:
        names = "; ".join(
            f"证书主题 {masked_subject(c.subject)}, SHA-256 {_fp(c)}"
            + (" (现有 CRL/OCSP 不够新)" if stale else " (缺少签发者的 CRL 或 OCSP 应答)")
            for c, stale in missing
        )
        names_en = "; ".join(
            f"{masked_subject(c.subject)} (SHA-256 {_fp(c)}): "
            + ("CRL/OCSP present but not fresh" if stale else "no CRL or OCSP response")
            for c, stale in missing
        )
        if require:
            return (
                Check(
                    name="revocation",
                    status=CheckStatus.INDETERMINATE,
                    sub_indication=SubIndication.TRY_LATER,
                    message=f"无法确定撤销状态 (策略要求撤销信息): {names}",
                    message_en=f"revocation status unknown (policy requires it): {names_en}",
                    expected=f"签发者在 {at.isoformat()} 时或之后签发的 CRL 或 OCSP 应答",
                    found="无可用的撤销信息",
                    remedy="在证据包 verificationMaterial.revocation 中附上签发者的 CRL 或 OCSP",
                    remedy_en="add the issuer's CRL or an OCSP response to "
                    "verificationMaterial.revocation",
                    evidence_refs=[_fp(c) for c, _ in missing],
                ),
                warnings,
            )
        warnings.append(f"未检查撤销状态 (证据包未附 CRL/OCSP): {names} / revocation not checked")
        return (
            Check(
                name="revocation",
                status=CheckStatus.SKIPPED,
                message=f"未检查撤销状态: {names}",
                message_en=f"revocation not checked: {names_en}",
                remedy="如需撤销检查, 附上 CRL/OCSP 并使用 require_revocation 策略",
                remedy_en="carry CRL/OCSP data and use require_revocation",
                evidence_refs=[_fp(c) for c, _ in missing],
            ),
            warnings,
        )
    return (
        Check(
            name="revocation",
            status=CheckStatus.PASSED,
            message="; ".join(passed_notes) or None,
            evidence_refs=refs,
        ),
        warnings,
    )


def timestamp_authority_problem(
    chain: Sequence[x509.Certificate],
    data: RevocationData,
    gen_time: datetime,
    *,
    require: bool,
    fetcher: RevocationFetcher | None = None,
) -> tuple[SubIndication, str, str] | None:
    """Why the revocation status of a TSA chain (TSA certificate → anchor) makes a token
    unusable as proof of time, as ``(sub-indication, zh, en)``; None when it does not.

    * revoked at or before ``gen_time`` → ``REVOKED_NO_POE`` (the token proves nothing);
    * revoked after ``gen_time`` for key compromise (or CA compromise, or no stated reason)
      → ``REVOKED_NO_POE`` too: the compromised key can make tokens with any earlier time;
      revoked after it for supersession, cessation of operation or a changed affiliation,
      the token stands;
    * no usable data for a certificate and ``require`` → ``TRY_LATER``.
    """
    missing: list[x509.Certificate] = []
    for i, cert in enumerate(chain[:-1]):
        issuer = chain[i + 1]
        st = certificate_status(cert, issuer, data, gen_time)
        if st.status == "unknown" and fetcher is not None:
            crls, ocsps = fetcher.fetch(cert, issuer)
            for der in crls:
                data.add_crl(der)
            for der in ocsps:
                data.add_ocsp(der)
            st = certificate_status(cert, issuer, data, gen_time)
        subject, fp = masked_subject(cert.subject), _fp(cert)
        if st.status == "revoked":
            assert st.revoked_at is not None
            when = st.revoked_at.isoformat()
            reason = st.reason or "未说明原因"
            if st.revoked_at <= gen_time:
                return (
                    SubIndication.REVOKED_NO_POE,
                    f"时间戳单位的证书 {subject} (SHA-256 {fp}) 已于 {when} 撤销 ({st.source}, "
                    f"{reason}), 不晚于令牌时间 {gen_time.isoformat()}: 该令牌不能证明签名时间",
                    f"the time-stamping authority's certificate {subject} (SHA-256 {fp}) was "
                    f"revoked at {when} ({st.source}, {st.reason or 'no reason'}), not after the "
                    f"token's genTime {gen_time.isoformat()}: the token proves no time",
                )
            if st.reason not in _BENIGN_TSA_REASONS:
                return (
                    SubIndication.REVOKED_NO_POE,
                    f"时间戳单位的证书 {subject} (SHA-256 {fp}) 于 {when} 撤销 ({st.source}, "
                    f"{reason}): 密钥可能泄露, 持有者可签发任意更早时间的令牌, "
                    "该令牌不能证明签名时间",
                    f"the time-stamping authority's certificate {subject} (SHA-256 {fp}) was "
                    f"revoked at {when} ({st.source}, {st.reason or 'no reason'}): its key may "
                    "be compromised and could make tokens with any earlier time; the token "
                    "proves no time",
                )
        elif st.status == "unknown":
            missing.append(cert)
    if missing and require:
        names = "; ".join(f"{masked_subject(c.subject)} (SHA-256 {_fp(c)})" for c in missing)
        return (
            SubIndication.TRY_LATER,
            f"无法确定时间戳单位证书链的撤销状态 (策略要求撤销信息): {names}; "
            "请提供时间戳服务签发者的 CRL 或 OCSP 应答 (--crl / --ocsp)",
            f"revocation status of the time-stamping authority's chain unknown (policy "
            f"requires it): {names}; bring the TSA issuer's CRL or OCSP response",
        )
    return None
