"""The ``gaozhi serve`` subcommand (DESIGN §10); kept out of :mod:`gaozhi_sdk.cli`.

The configuration is read and checked (seals, anchors, secrets) before uvicorn starts, so
a bad ``service.yaml`` ends with exit 64 and a coded message, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_serve_command"]

_EX_USAGE = 64
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from gaozhi_sdk.server.app import create_app
    except ImportError:
        sys.stderr.write(
            "gaozhi: [GZ-CLI-020] gaozhi serve 需要可选依赖 server: "
            'pip install "gaozhi-sdk[server]"\n'
        )
        return _EX_USAGE
    from gaozhi_sdk.server.config import load_config

    if args.workers < 1:
        sys.stderr.write("gaozhi: [GZ-CLI-021] --workers 须为正整数\n")
        return _EX_USAGE
    if args.dev and args.host not in _LOOPBACK:
        sys.stderr.write("gaozhi: [GZ-CLI-022] --dev (持有者令牌) 只允许监听本机地址\n")
        return _EX_USAGE
    if bool(args.tls_cert) != bool(args.tls_key) or (args.tls_client_ca and not args.tls_cert):
        sys.stderr.write(
            "gaozhi: [GZ-CLI-023] --tls-cert 与 --tls-key 须同时给出; --tls-client-ca 需要 TLS\n"
        )
        return _EX_USAGE
    cfg = load_config(args.config)
    if cfg.client_revocation is not None and not args.tls_client_ca:
        sys.stderr.write(
            "gaozhi: [GZ-CLI-023] client_revocation (service.yaml) 需要 --tls-client-ca\n"
        )
        return _EX_USAGE
    ca = os.path.abspath(args.tls_client_ca) if args.tls_client_ca else None
    # checks store, seals, anchors, secrets and client revocation data now
    create_app(args.db, cfg, dev=args.dev, client_ca=Path(ca) if ca else None)
    if ca:
        os.environ["GAOZHI_SERVE_TLS_CLIENT_CA"] = ca
    os.environ["GAOZHI_SERVE_DB"] = args.db
    os.environ["GAOZHI_SERVE_CONFIG"] = os.path.abspath(args.config)
    os.environ["GAOZHI_SERVE_DEV"] = "1" if args.dev else "0"
    # h11, never httptools: java.net.http's default client asks to upgrade to h2c, and
    # uvicorn's httptools protocol then drops the request body (signatures fail). The
    # event loop is uvloop where installed (extra "server"), asyncio otherwise.
    options: dict[str, Any] = {"http": "h11"}
    if args.tls_cert:
        import ssl

        options.update(ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key)
        if args.tls_client_ca:
            options.update(
                ssl_ca_certs=args.tls_client_ca,
                ssl_cert_reqs=ssl.CERT_REQUIRED,
                http="gaozhi_sdk.server.tls:ClientCertH11Protocol",
            )
    uvicorn.run(
        "gaozhi_sdk.server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning" if args.quiet else "info",
        server_header=False,
        **options,
    )
    return 0


def add_serve_command(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``gaozhi serve`` to the subcommand set ``sub``."""
    s = sub.add_parser(
        "serve",
        help="HTTP 服务 (OpenAPI; 需要 server 扩展)",
        description="HTTP 服务 (OpenAPI 3.1, 路径 /v1); 需要安装 server 扩展。",
        epilog="示例:\n  gaozhi serve --db sqlite:///gaozhi.db --config service.yaml --dev\n"
        "  gaozhi serve --db postgresql://gaozhi@localhost/gaozhi --config service.yaml "
        "--tls-cert srv.pem --tls-key srv.key.pem --tls-client-ca ca.pem",
    )
    s.add_argument("--db", required=True, help="存储 URL, 如 sqlite:///gaozhi.db")
    s.add_argument("--config", required=True, help="服务配置 service.yaml")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--workers", type=int, default=1, help="工作进程数")
    s.add_argument("--dev", action="store_true", help="开发模式: 接受持有者令牌 (仅本机)")
    s.add_argument("--tls-cert", help="服务器证书 (PEM)")
    s.add_argument("--tls-key", help="服务器私钥 (PEM)")
    s.add_argument("--tls-client-ca", help="客户端证书的签发 CA (PEM): 启用双向 TLS")
    s.add_argument("--quiet", action="store_true", help="只记录警告")
    s.set_defaults(func=_cmd_serve)
