"""``python -m gaozhi_sdk``: the ``gaozhi`` command."""

from __future__ import annotations

from gaozhi_sdk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
