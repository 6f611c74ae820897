"""Docs snippet setup (after service_case): what an auditor brings, for auditor-guide.md.

Writes ``roots/`` (document-signing anchors), ``tsa-roots/`` (time-stamping anchors),
``notice.bundle.json`` (the stored notice, time-stamped by a local TSA) and
``revocation/`` (a current CRL and OCSP response of the issuing CA, a CRL that revoked
the seal before it signed, a current CRL of the TSA's CA and one that revoked the TSA) and
``archive/`` (the store's archive, sealed by the organ). tests/docs/test_doc_cli_trust.py
runs the guide's commands on this material.
"""

from datetime import timedelta
from pathlib import Path

from cryptography import x509

from gaozhi_sdk import esign
from gaozhi_sdk.testing import LocalTSA

_tsa = LocalTSA.create()
for _d in ("roots", "tsa-roots", "revocation"):
    Path(_d).mkdir(exist_ok=True)
Path("roots/signing-root.pem").write_bytes(pki.root_pem())  # noqa: F821 - service_case
Path("tsa-roots/tsa-root.pem").write_bytes(_tsa.root_pem())
_blob = svc.store.get_blob(f"notice/{notice.notice_id}")  # noqa: F821 - service_case
assert _blob is not None
notice_bundle = esign.timestamp_bundle(esign.Bundle.from_json(_blob.data), _tsa)
Path("notice.bundle.json").write_bytes(notice_bundle.to_json())
_seal = x509.load_der_x509_certificate(notice_bundle.verification_material.signers[0].chain_der[0])
_signed = _seal.not_valid_before_utc + timedelta(minutes=1)
Path("revocation/ca.crl").write_bytes(pki.crl())  # noqa: F821
Path("revocation/seal.ocsp").write_bytes(pki.ocsp_response(_seal))  # noqa: F821
Path("revocation/revoked.crl").write_bytes(pki.crl([(_seal, _signed)]))  # noqa: F821
# the TSA's own status: a current CRL of its root CA, and one that revoked the TSA
# certificate for key compromise (its tokens then prove no time)
Path("revocation/tsa.crl").write_bytes(_tsa.crl())
Path("revocation/tsa-revoked.crl").write_bytes(
    _tsa.crl([(_tsa.certificate.not_valid_before_utc, x509.ReasonFlags.key_compromise)])
)
# ``archive/``: the store's evidence archive, its manifest sealed by the organ (``organ``)
from gaozhi_sdk import export_archive  # noqa: E402

if not Path("archive").exists():
    export_archive(
        svc.store,  # noqa: F821 - service_case
        "archive",
        signer=pki.organ_seal(clist.owner_organ, organ),  # noqa: F821
        trust_pems=[pki.root_pem()],  # noqa: F821
    )
