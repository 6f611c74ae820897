"""Three-step (remote) signing of a pledge, as EU DSS does it (DESIGN §10).

1. ``svc.cases.pledge_data_to_sign`` — the caller names the signer's
   certificate chain; the service drafts the pledge, checks the chain against its trust
   store at once (a wrong certificate fails here, before anyone signs), keeps the exact
   payload in a signing session and returns the DSSE PAE bytes and their digest.
2. The caller signs the PAE bytes wherever the key lives (UKey, HSM, Java keystore,
   WebCrypto in a browser). The key never reaches the service.
3. ``svc.cases.assemble_pledge`` — the signature (ECDSA DER or raw r‖s as
   WebCrypto and many HSMs return it; SM2 DER) is put into a bundle over the *stored*
   payload and handed to :meth:`submit_pledge`, which checks it exactly as it checks any
   bundle (trust, signer policy, notice, chosen proofs, eligibility: R-001, R-024, R-035).

The signing session is bound to the case and to the certificate chain given in step 1; it
is usable once and expires (default 15 minutes).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pydantic import BaseModel, ConfigDict, Field

from gaozhi_sdk.canonical import model_bytes
from gaozhi_sdk.errors import BundleFormatError, SignatureError, WorkflowError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.esign.bundle import BUNDLE_MEDIA_TYPE
from gaozhi_sdk.esign.chain import parse_chain, validate_chain
from gaozhi_sdk.esign.dsse import pae
from gaozhi_sdk.esign.keys import KeyRejected, key_verifier_for, keyid_from_spki
from gaozhi_sdk.esign.methods import signer_trust_for
from gaozhi_sdk.esign.payload_types import payload_type_for
from gaozhi_sdk.models.documents import Pledge
from gaozhi_sdk.models.parties import Actor, Proxy
from gaozhi_sdk.models.signing import SigningMethod
from gaozhi_sdk.service._core import refusals_journaled
from gaozhi_sdk.service.cases import CasesMixin

__all__ = ["DataToSign", "RemoteSigningMixin", "SignatureFormat"]

SignatureFormat = Literal["der", "raw"]

SESSION_KIND = "signing_session"
_SESSION_TTL = timedelta(minutes=15)
_MAX_CHAIN = 5
_RAW_LEN = 64  # r‖s of a 256-bit curve (P-256, SM2)


class DataToSign(BaseModel):
    """What the caller signs (step 1 of three-step signing)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_id: str = Field(description="签署会话标识 (第三步提交签名时引用)")
    case_no: str = Field(description="办件编号")
    pledge_id: str = Field(default="", description="承诺书编号 (签署承诺书时)")
    authorization_id: str = Field(
        default="", description="特别授权书编号 (申请人签署特别授权书时, R-024)"
    )
    payload_type: str = Field(description="DSSE payloadType")
    payload: str = Field(description="承诺书 JCS 字节 (base64)")
    pae: str = Field(description="待签字节: DSSE PAE (base64); 签名必须恰好覆盖这些字节")
    digest_algorithm: Literal["SHA-256"] = Field(description="摘要算法")
    digest: str = Field(description="PAE 的 SHA-256 (小写十六进制), 供只能签摘要的设备使用")
    signature_algorithm: str = Field(description="由签名者公钥决定的算法, 如 ECDSA_P256_SHA256")
    keyid: str = Field(description="签名者公钥 SPKI 的 SHA-256")
    expires_at: datetime = Field(description="会话过期时间")

    @property
    def pae_bytes(self) -> bytes:
        """The exact bytes to sign."""
        return base64.b64decode(self.pae)


class _SignerChain(NamedTuple):
    """A signer's certificate chain checked for three-step signing."""

    ders: tuple[bytes, ...]
    parsed: Any
    spki: bytes
    algorithm: str
    sm2_signer_id: str | None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _chain_ders(chain: Sequence[bytes | str]) -> tuple[bytes, ...]:
    if not chain or len(chain) > _MAX_CHAIN:
        raise SignatureError(
            "GZ-SG-070",
            f"须提供签名者证书链 (叶证书在前, 1 至 {_MAX_CHAIN} 张)",
            message_en=f"the signer's certificate chain is required (leaf first, 1–{_MAX_CHAIN})",
        )
    out: list[bytes] = []
    for item in chain:
        if isinstance(item, bytes):
            out.append(item)
            continue
        try:
            out.append(base64.b64decode(item, validate=True))
        except ValueError:
            raise SignatureError(
                "GZ-SG-070",
                "证书链中的证书须为 base64 编码的 DER",
                message_en="certificates must be base64 DER",
            ) from None
    return tuple(out)


def raw_to_der(signature: bytes) -> bytes:
    """An ECDSA/SM2 signature given as raw ``r‖s`` (64 bytes) in DER (SEQUENCE of two INTEGERs)."""
    if len(signature) != _RAW_LEN:
        raise SignatureError(
            "GZ-SG-072",
            f"r‖s 格式的签名须为 {_RAW_LEN} 字节, 实为 {len(signature)} 字节",
            message_en=f"a raw r||s signature must be {_RAW_LEN} bytes",
        )
    half = _RAW_LEN // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )


class RemoteSigningMixin(CasesMixin):
    """三步签署: data to sign → sign anywhere → assemble and check."""

    @refusals_journaled("case.sign_pledge", "case", "case_no")
    def _pledge_data_to_sign(
        self,
        case_no: str,
        certificate_chain: Sequence[bytes | str],
        actor: Actor,
        *,
        proxy: Proxy | Mapping[str, Any] | None = None,
        sm2_signer_id: str | None = None,
        signing_method: SigningMethod = SigningMethod.CERTIFICATE,
    ) -> DataToSign:
        """Step 1: the exact bytes the signer signs for this case's pledge.

        Args:
            certificate_chain: the signer's chain, leaf first (DER bytes or base64 DER).
            actor: who will submit the pledge (the applicant or the authorised proxy); the
                role policy of ``case.sign_pledge`` applies already here.
            proxy: the proxy and special authorisation, when a proxy signs (R-024).
            sm2_signer_id: the SM2 signer id (default ``1234567812345678``).
            signing_method: ``CERTIFICATE`` (the applicant's own certificate, chaining to a
                document-signing anchor) or ``EVENT_CERTIFICATE`` (a certificate from
                ``svc.signing.issue_event_certificate``,
                chaining to an event-certificate anchor); recorded in the bundle
                (DESIGN §4a). A method below the configured minimum is refused here
                already (GZ-RL-222).

        Raises:
            PermissionDeniedError: GZ-AU-011 another applicant's case, or a proxy without
                the applicant's signed special authorisation for it (R-024; checked first,
                the answer names no one and tells nothing of the case).
            SignatureError: GZ-SG-070 no/unreadable chain, GZ-SG-071 the chain does not
                validate against the service's trust store now or its key may not sign,
                GZ-SG-050 the certificate is not the pledgor's or the named proxy's.
            WorkflowError: as :meth:`draft_pledge`.
            RuleViolationError: as :meth:`draft_pledge`; GZ-RL-222 below the minimum
                signing method.
        """
        case = self._case(case_no)
        self.role_policy.check(actor, "case.sign_pledge", None)
        px = None if proxy is None else self._parse(Proxy, proxy, "代为承诺人")
        # a proxy's authority before anything about the case (its status, its
        # minimum signing method) is told — the same GZ-AU-011 as record_choices.
        self._check_proxy_first(case, actor, px)
        self._check_own_case(case, actor, px)
        chain = self._signer_chain(certificate_chain, sm2_signer_id, signing_method)
        pledge = self._draft_pledge(case.case_no, proxy=px, signed_at=self.now())
        self._check_signing_method(case, pledge, signing_method)
        if signing_method is SigningMethod.EVENT_CERTIFICATE:
            self._check_authenticated_at(
                self._event_certificate_authenticated_at(chain.ders[:1]), pledge.signed_at
            )
        return self._open_signing_session(
            case.case_no, pledge, chain, actor, signing_method, {"pledge_id": pledge.pledge_id}
        )

    def _signer_chain(
        self,
        certificate_chain: Sequence[bytes | str],
        sm2_signer_id: str | None,
        signing_method: SigningMethod,
    ) -> _SignerChain:
        """The signer's chain, parsed, its key usable, valid now against the anchors of
        ``signing_method`` (GZ-SG-070 / GZ-SG-071)."""
        if signing_method not in (SigningMethod.CERTIFICATE, SigningMethod.EVENT_CERTIFICATE):
            raise SignatureError(
                "GZ-SG-071",
                f"三步签署只用于证书签署 (CERTIFICATE / EVENT_CERTIFICATE), 不是 {signing_method}",
                message_en="three-step signing is for CERTIFICATE or EVENT_CERTIFICATE only",
            )
        ders = _chain_ders(certificate_chain)
        try:
            parsed = parse_chain(ders)
        except ValueError:
            raise SignatureError(
                "GZ-SG-070", "证书链中有无法解析的证书", message_en="unreadable certificate"
            ) from None
        verifier = (
            None if parsed.leaf_spki is None else key_verifier_for(parsed.leaf_spki, sm2_signer_id)
        )
        if parsed.leaf_spki is None or verifier is None or isinstance(verifier, KeyRejected):
            why = verifier.reason_en if isinstance(verifier, KeyRejected) else "unreadable key"
            raise SignatureError(
                "GZ-SG-071",
                "签名者证书的密钥不能用于签署承诺书 (支持 P-256 与 SM2)",
                message_en=f"the signer's key cannot sign pledges: {why}",
            )
        if verifier.pinned_only:
            raise SignatureError(
                "GZ-SG-071",
                "该密钥类型只能以预置公钥方式使用, 不能凭证书签署",
                message_en="this key type is for pinned use only",
            )
        outcome = validate_chain(
            parsed, signer_trust_for(signing_method, self.sealer.trust), self.now()
        )
        if not outcome.ok:
            raise SignatureError(
                "GZ-SG-071",
                f"签名者证书链未通过验证: {outcome.message or '-'}",
                message_en=f"the signer's certificate chain does not validate: "
                f"{outcome.message_en or '-'}",
            )
        return _SignerChain(ders, parsed, parsed.leaf_spki, verifier.algorithm, sm2_signer_id)

    def _open_signing_session(
        self,
        case_no: str,
        document: BaseModel,
        chain: _SignerChain,
        actor: Actor,
        signing_method: SigningMethod,
        ids: Mapping[str, str],
        keep: Mapping[str, Any] | None = None,
    ) -> DataToSign:
        """Check the signer may sign ``document`` (signer policy, DESIGN §4), keep its exact
        bytes in a signing session (with ``keep``) and return what to sign."""
        ptype = payload_type_for(type(document))
        body = model_bytes(document)
        signed = pae(ptype, body)
        keyid = keyid_from_spki(chain.spki)
        # Only whoever the document names may sign it (the pledgor or its proxy, the
        # grantor of an authorisation): refuse anyone else before handing out the bytes.
        entitled = self.sealer.policy.check(
            ptype, document, chain.parsed.certs[0], keyid, chain.parsed.leaf_fp,
            method=signing_method, trust=self.sealer.trust, at=self.now(),
        )  # fmt: skip
        if entitled.status.value != "PASSED":
            raise SignatureError(
                "GZ-SG-050",
                f"签名者无权签署该文档: {entitled.message or '-'}",
                message_en=f"the signer is not entitled to sign this document: "
                f"{entitled.message_en or '-'}",
            )
        expires = self.now() + _SESSION_TTL
        session_id = self._new_id("SGN")
        doc = {
            "case_no": case_no,
            **ids,
            "payload_type": ptype,
            "payload": _b64(body),
            "chain": [_b64(d) for d in chain.ders],
            "keyid": keyid,
            "sm2_signer_id": chain.sm2_signer_id,
            "signing_method": signing_method.value,
            "expires_at": expires.isoformat(),
            "actor": self.actor_ref(actor),
            **(keep or {}),
        }
        with self.store.transaction() as tx:
            tx.put(SESSION_KIND, session_id, doc, state="OPEN", expected_version=None)
        return DataToSign(
            session_id=session_id,
            case_no=case_no,
            **ids,
            payload_type=ptype,
            payload=_b64(body),
            pae=_b64(signed),
            digest_algorithm="SHA-256",
            digest=hashlib.sha256(signed).hexdigest(),
            signature_algorithm=chain.algorithm,
            keyid=keyid,
            expires_at=expires,
        )

    @refusals_journaled("case.sign_pledge", "case", "case_no")
    def _assemble_pledge(
        self,
        case_no: str,
        session_id: str,
        signature: bytes,
        actor: Actor,
        *,
        signature_format: SignatureFormat = "der",
    ) -> Pledge:
        """Step 3: put the signature into a bundle and submit it (checked as any bundle).

        Raises:
            WorkflowError: GZ-WF-020 unknown/used/expired session or another case's.
            SignatureError: GZ-SG-072 malformed signature; GZ-SG-020 (from
                :meth:`submit_pledge`) when it does not verify over the stored bytes.
        """
        rec = self._signing_session(case_no, session_id, Pledge)
        bundle = _session_bundle(rec.doc, signature, signature_format)
        pledge = self._submit_pledge(bundle, actor)
        with self.store.transaction() as tx:
            tx.put(SESSION_KIND, session_id, rec.doc, state="USED", expected_version=rec.version)
        return pledge

    def _signing_session(self, case_no: str, session_id: str, document: type[BaseModel]) -> Any:
        """The open, unexpired signing session of this case for a ``document`` (GZ-WF-020)."""
        rec = self.store.get(SESSION_KIND, session_id)
        if (
            rec is None
            or rec.doc.get("case_no") != case_no
            or rec.doc.get("payload_type") != payload_type_for(document)
            or rec.state != "OPEN"
            or datetime.fromisoformat(rec.doc["expires_at"]) < self.now()
        ):
            raise WorkflowError(
                "GZ-WF-020",
                "签署会话不存在、已使用、已过期或不属于该办件; 请重新获取待签数据",
                message_en="signing session unknown, used, expired or of another case",
            )
        return rec


def _session_bundle(doc: Mapping[str, Any], signature: bytes, fmt: SignatureFormat) -> Bundle:
    """The bundle of a signing session's stored payload with ``signature`` (GZ-SG-072)."""
    if fmt == "raw":
        signature = raw_to_der(signature)
    elif not signature or len(signature) > 512:
        raise SignatureError(
            "GZ-SG-072", "签名值为空或过长", message_en="empty or oversized signature"
        )
    signer: dict[str, Any] = {"keyid": doc["keyid"], "x509CertificateChain": doc["chain"]}
    if doc.get("sm2_signer_id"):
        signer["sm2SignerId"] = doc["sm2_signer_id"]
    bundle_json = {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "dsseEnvelope": {
            "payloadType": doc["payload_type"],
            "payload": doc["payload"],
            "signatures": [{"keyid": doc["keyid"], "sig": _b64(signature)}],
        },
        "verificationMaterial": {"signers": [signer]},
    }
    method = SigningMethod(doc.get("signing_method") or SigningMethod.CERTIFICATE)
    if method is not SigningMethod.CERTIFICATE:
        bundle_json["signingMethod"] = {"method": method.value}
    try:
        return Bundle.from_json(json.dumps(bundle_json))
    except BundleFormatError as exc:  # pragma: no cover - built from checked parts
        raise SignatureError(
            "GZ-SG-072", "无法组装签名文件", message_en=f"cannot assemble: {exc}"
        ) from exc
