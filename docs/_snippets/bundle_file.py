"""Docs snippet setup (after service_case): ``data`` (bytes of a stored, signed notice
bundle) and ``roots/`` (the trust anchors as PEM files) for auditor-guide.md."""

from pathlib import Path

Path("roots").mkdir(exist_ok=True)
Path("roots/gaozhi-test-root.pem").write_bytes(pki.root_pem())  # noqa: F821 - service_case
_blob = svc.store.get_blob(f"notice/{notice.notice_id}")  # noqa: F821
assert _blob is not None
data = _blob.data
