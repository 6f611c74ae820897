"""The core SDK and the CLI work without the optional ``server`` extra (DESIGN §10)."""

from __future__ import annotations

import subprocess
import sys

_BLOCK = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('fastapi', 'uvicorn', 'starlette'):\n"
    "            raise ImportError('blocked: ' + name)\n"
    "sys.meta_path.insert(0, Block())\n"
)


def test_core_imports_and_serve_reports_missing_extra_without_fastapi(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = _BLOCK + (
        "import gaozhi_sdk, gaozhi_sdk.cli, gaozhi_sdk.server.config\n"
        "from gaozhi_sdk.service import PledgeService\n"
        "argv = ['serve', '--db', 'sqlite://', '--config', 'x.yaml']\n"
        "raise SystemExit(gaozhi_sdk.cli.main(argv))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 64, out.stderr
    assert "GZ-CLI-020" in out.stderr and "Traceback" not in out.stderr
