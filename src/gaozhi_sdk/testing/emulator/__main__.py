"""``python -m gaozhi_sdk.testing.emulator`` — start the provincial endpoint emulator.

Prints one JSON line ``{"url": …, "port": …, "pid": …, "app_key": …}`` on stdout once it
listens on 127.0.0.1, then serves until idle (``--idle-timeout``), ``--ttl`` or the
parent process dies. The app secret comes from ``GAOZHI_EMULATOR_SECRET`` (never printed).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys

from gaozhi_sdk.testing.emulator.server import EmulatorConfig, EmulatorServer


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(
        prog="python -m gaozhi_sdk.testing.emulator",
        description="省级数据共享接口模拟器 (仅监听 127.0.0.1)",
    )
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--app-key", default="gaozhi-emulator")
    p.add_argument("--token-ttl", type=float, default=900.0)
    p.add_argument("--require-token", action="store_true")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--latency-p99-ms", type=float, default=None)
    p.add_argument("--assist-delay", type=float, default=0.5)
    p.add_argument("--idle-timeout", type=float, default=120.0)
    p.add_argument("--ttl", type=float, default=3600.0)
    p.add_argument("--rate", type=float, default=0.0, help="每秒请求上限 (0 = 不限)")
    p.add_argument("--faults", default="", help="初始故障配置 JSON")
    p.add_argument("--no-watch-parent", action="store_true")
    p.add_argument("--tls-cert", default="", help="服务器证书 PEM (与 --tls-key 一起启用 TLS)")
    p.add_argument("--tls-key", default="", help="服务器私钥 PEM")
    a = p.parse_args(argv)
    cfg = EmulatorConfig(
        seed=a.seed,
        app_key=a.app_key,
        app_secret=os.environ.get("GAOZHI_EMULATOR_SECRET", "emulator-secret"),
        token_ttl_s=a.token_ttl,
        require_token=a.require_token,
        latency_ms=a.latency_ms,
        latency_p99_ms=a.latency_p99_ms,
        assist_delay_s=a.assist_delay,
        idle_timeout_s=a.idle_timeout,
        ttl_s=a.ttl,
        rate_per_s=a.rate,
    )
    tls = None
    if a.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.tls_cert, a.tls_key or None)
    server = EmulatorServer(cfg, a.port, tls)
    if a.faults:
        server.faults.configure(json.loads(a.faults))
    print(
        json.dumps(
            {"url": server.url, "port": server.port, "pid": os.getpid(), "app_key": cfg.app_key}
        ),
        flush=True,
    )
    server.serve(None if a.no_watch_parent else os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
