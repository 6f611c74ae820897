"""Revocation of calling systems' client certificates (mutual TLS; DESIGN §10).

The TLS layer checks a client certificate's chain against ``--tls-client-ca`` but not
whether the issuer has revoked it. :class:`ClientRevocation` does, with the one revocation
implementation of the SDK (:func:`gaozhi_sdk.esign.revocation.check_revocation`): CRLs
(PEM or DER files, or folders of them) and pre-fetched DER OCSP responses configured in
``service.yaml`` (``client_revocation``), each counted only when signed by the
certificate's issuer (or a responder the issuer certified) and fresh for *now*.

* revoked at or before now → refused (``GZ-AU-040``);
* no usable, fresh data for a certificate of the chain and ``require: true`` → refused
  (``GZ-AU-041``); without ``require`` the request goes on and the server logs a warning;
* the files are re-read when they change (checked every ``recheck_s`` seconds), so a new
  CRL takes effect without a restart; a verdict is cached per certificate only until then.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from gaozhi_sdk.errors import ConfigError, PermissionDeniedError
from gaozhi_sdk.esign.report import CheckStatus
from gaozhi_sdk.esign.revocation import RevocationData, check_revocation
from gaozhi_sdk.server.config import ClientRevocationConfig

__all__ = ["CertificateRefused", "ClientRevocation"]

log = logging.getLogger("gaozhi_sdk.server")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _files(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p])
    return out


def _ders(blob: bytes, label: bytes) -> list[bytes]:
    """DER blobs of a PEM file (``-----BEGIN <label>-----``) or the file itself (DER)."""
    import base64
    import re

    if b"-----BEGIN" not in blob:
        return [blob]
    pattern = rb"-----BEGIN " + label + rb"-----(.*?)-----END " + label + rb"-----"
    return [base64.b64decode(m) for m in re.findall(pattern, blob, re.S)]


class ClientRevocation:
    """Checks client certificates against the configured CRLs / OCSP responses."""

    def __init__(
        self,
        config: ClientRevocationConfig,
        issuers: list[x509.Certificate],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not issuers:
            raise ConfigError(
                "GZ-CF-067",
                "client_revocation 需要客户端证书的签发 CA (--tls-client-ca)",
                message_en="client_revocation needs the client certificates' CA (--tls-client-ca)",
            )
        self.config = config
        self._issuers = issuers
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float, int], ...] = ()
        self._next_scan = 0.0
        self._data = RevocationData()
        self._verdicts: dict[str, tuple[float, CertificateRefused | None]] = {}
        self._reload(force=True)

    # -- data --------------------------------------------------------------------------
    def _reload(self, *, force: bool = False) -> None:
        files = _files(self.config.crls) + _files(self.config.ocsp_responses)
        try:
            stamp = tuple((str(f), f.stat().st_mtime, f.stat().st_size) for f in files)
        except OSError as exc:
            raise ConfigError(
                "GZ-CF-067",
                f"无法读取客户端证书撤销信息 {exc.filename}",
                message_en=f"cannot read client revocation data {exc.filename}",
            ) from exc
        if not force and stamp == self._stamp:
            return
        data = RevocationData()
        for f in _files(self.config.crls):
            for der in _ders(f.read_bytes(), b"X509 CRL"):
                data.add_crl(der)
        for f in _files(self.config.ocsp_responses):
            data.add_ocsp(f.read_bytes())
        if data.unreadable:
            raise ConfigError(
                "GZ-CF-067",
                "客户端证书撤销信息中有无法解析的 CRL 或 OCSP 应答",
                message_en="a client revocation file is not a CRL or OCSP response",
                details={"unreadable": data.unreadable},
            )
        known = {c.subject for c in self._issuers}
        orphans = sorted(
            {crl.issuer.rfc4514_string() for crl, _ in data.crls}
            - {n.rfc4514_string() for n in known}
        )
        if orphans:
            # A CRL is counted only when its issuer's certificate verifies it. An issuer
            # missing from --tls-client-ca (typically the intermediate CA that issues the
            # client certificates, which the client sends in the handshake) makes its CRL
            # unusable: the certificates it revokes would read "unknown" and pass with
            # require: false. Refused here instead of silently ignored.
            raise ConfigError(
                "GZ-CF-067",
                f"CRL 的签发者不在 --tls-client-ca 中, 无法验证该 CRL: {'; '.join(orphans)}; "
                "请把签发者 (如签发客户端证书的中级 CA) 的证书加入 --tls-client-ca",
                message_en=f"CRL issuer not in --tls-client-ca, so its CRL cannot be verified: "
                f"{'; '.join(orphans)}; add the issuer's certificate (e.g. the intermediate CA "
                "that issues the client certificates) to --tls-client-ca",
                details={"crl_issuers": orphans},
            )
        self._data, self._stamp, self._verdicts = data, stamp, {}

    def _chain(self, leaf: x509.Certificate) -> list[x509.Certificate]:
        chain = [leaf]
        while len(chain) < 8:
            cert = chain[-1]
            if cert.issuer == cert.subject and _issued_by(cert, cert):
                break
            issuer = next(
                (c for c in self._issuers if c.subject == cert.issuer and _issued_by(cert, c)),
                None,
            )
            if issuer is None or issuer in chain:
                break
            chain.append(issuer)
        return chain

    # -- the check ---------------------------------------------------------------------
    def problem(self, der: bytes) -> CertificateRefused | None:
        """None if the certificate may be used now, else the refusal (not raised)."""
        now = self._clock()
        with self._lock:
            if now >= self._next_scan:
                self._reload()
                self._next_scan = now + self.config.recheck_s
            fp = hashlib.sha256(der).hexdigest()
            cached = self._verdicts.get(fp)
            if cached is not None and cached[0] > now:
                return cached[1]
            verdict = self._judge(der, fp, now)
            self._verdicts[fp] = (self._next_scan, verdict)
            return verdict

    def _judge(self, der: bytes, fp: str, now: float) -> CertificateRefused | None:
        try:
            leaf = x509.load_der_x509_certificate(der)
        except ValueError:
            return _refusal("GZ-AU-041", fp, "客户端证书无法解析", "unreadable client certificate")
        chain = self._chain(leaf)
        at = datetime.fromtimestamp(now, UTC)
        if len(chain) < 2:  # the TLS layer accepted it, but no configured issuer signed it
            check_status = CheckStatus.INDETERMINATE
            message, message_en = "找不到签发者", "issuer not among the configured CAs"
        else:
            check, _ = check_revocation(chain, self._data, at, require=self.config.require)
            check_status = check.status
            message, message_en = check.message or "", check.message_en or ""
        if check_status == CheckStatus.FAILED:
            return _refusal(
                "GZ-AU-040",
                fp,
                f"客户端证书已被撤销: {message}",
                f"the client certificate is revoked: {message_en}",
            )
        if check_status == CheckStatus.INDETERMINATE and self.config.require:
            return _refusal(
                "GZ-AU-041",
                fp,
                f"无法确定客户端证书的撤销状态 (配置要求): {message}",
                f"revocation status of the client certificate unknown (required): {message_en}",
            )
        if check_status != CheckStatus.PASSED:
            log.warning("client certificate %s…: revocation not checked (%s)", fp[:16], message_en)
        return None


class CertificateRefused(PermissionDeniedError):
    """A client certificate refused for its revocation status (GZ-AU-040 / GZ-AU-041)."""

    @property
    def certificate_sha256(self) -> str:
        """SHA-256 of the refused certificate's DER."""
        return str(self.details.get("certificate_sha256", ""))


def _refusal(code: str, fp: str, zh: str, en: str) -> CertificateRefused:
    return CertificateRefused(
        code, zh, message_en=en, details={"certificate_sha256": fp, "action": "api.authenticate"}
    )
