"""Docs snippet setup: the provincial endpoint emulator on 127.0.0.1 for transport.md.

Defines ``gateway_url`` (``https://127.0.0.1:…``), ``app_key``, ``secret_from_env``,
``ca_bundle`` (the test CA made for this emulator run), ``proxy`` (None) and ``body``.
"""

import atexit

from gaozhi_sdk.testing.emulator import EmulatorProcess

_emu = EmulatorProcess(seed=1, tls=True).start()
atexit.register(_emu.stop)
gateway_url, app_key, secret_from_env = _emu.url, _emu.app_key, _emu.secret
ca_bundle = _emu.ca_bundle
proxy = None
body = {"entry_id": "SZ-GA-HJ-001", "holder_id": "11010519491231002X", "holder_name": "张三"}
