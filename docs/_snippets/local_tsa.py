"""Docs snippet setup: a local RFC 3161 TSA on 127.0.0.1 (``tsa_url``) for
key-management.md; stopped when the snippet ends."""

import atexit

from gaozhi_sdk.testing import LocalTSA

_tsa = LocalTSA.create()
_tsa.start()
atexit.register(_tsa.stop)
tsa_url = _tsa.url
