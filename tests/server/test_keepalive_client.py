"""The benchmark's lean HTTP client (``gaozhi_sdk.testing.server.KeepAliveClient``) signs
exactly as ``SignedClient`` and survives the server closing an idle kept-alive connection
(uvicorn's keep-alive timeout) instead of failing the next call."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import uvicorn

from gaozhi_sdk.sharing.signing import NonceCache, verify_reference_request
from gaozhi_sdk.testing.server import KeepAliveClient, free_port

SECRET = "s" * 32


def test_signed_requests_survive_a_closed_idle_connection() -> None:
    seen: list[tuple[str, str]] = []
    nonces = NonceCache()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        code = verify_reference_request(
            scope["method"],
            scope["path"],
            {},
            headers,
            body,
            secret_of={"ak-x": SECRET},
            now_ms=int(time.time() * 1000),
            nonces=nonces,
        )
        seen.append((scope["path"], code))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps({"code": code}).encode()})

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", timeout_keep_alive=1)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        client = KeepAliveClient(f"http://127.0.0.1:{port}", "ak-x", SECRET)
        assert client.get("/a").json() == {"code": "00"}
        time.sleep(1.6)  # past the server's keep-alive timeout: it closed the connection
        r = client.post("/b", {"x": 1}, idempotency_key="k-1")
        assert r.status_code == 200 and r.json() == {"code": "00"}
        assert seen == [("/a", "00"), ("/b", "00")]
    finally:
        server.should_exit = True
        thread.join(10)
