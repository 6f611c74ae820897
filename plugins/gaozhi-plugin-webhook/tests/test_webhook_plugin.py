"""gaozhi-plugin-webhook: signed events to a real HTTPS receiver on 127.0.0.1 through the
store outbox — retries, one idempotency key per event, dead-letter, replay by command."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from gaozhi_plugin_webhook import WebhookPlugin, verify_webhook

from gaozhi_sdk.events import dead_letters, deliver_pending, replay_dead
from gaozhi_sdk.plugins import PluginHost
from gaozhi_sdk.sharing.signing import NonceCache
from gaozhi_sdk.store import open_store
from gaozhi_sdk.testing.emulator.tls import TlsMaterial, make_tls_material
from gaozhi_sdk.testing.plugin import check_plugin

SECRET = "webhook-test-secret"  # noqa: S105 - test credential
APP_KEY = "gaozhi-webhook"


class Receiver(BaseHTTPRequestHandler):
    """A department system: verifies signatures, de-duplicates on X-Request-Id."""

    protocol_version = "HTTP/1.1"
    nonces = NonceCache()
    seen: ClassVar[dict[str, dict[str, Any]]] = {}
    posts: ClassVar[list[str]] = []
    fail_next = 0
    down = False
    rejected: ClassVar[list[str]] = []
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        return

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = dict(self.headers.items())
        code = verify_webhook(
            "POST", self.path, headers, body, app_key=APP_KEY, secret=SECRET, nonces=self.nonces
        )
        with self.lock:
            if code != "00":
                self.rejected.append(code)
                self._answer(401)
                return
            self.posts.append(headers["X-Request-Id"])
            if self.down or self.fail_next > 0:
                type(self).fail_next = max(0, self.fail_next - 1)
                self._answer(503)
                return
            self.seen.setdefault(headers["X-Request-Id"], json.loads(body))
        self._answer(204)


@pytest.fixture
def tls(tmp_path: Path) -> TlsMaterial:
    return make_tls_material(tmp_path / "tls")


@pytest.fixture
def receiver(tls: TlsMaterial) -> Iterator[str]:
    Receiver.seen, Receiver.posts, Receiver.rejected = {}, [], []
    Receiver.fail_next, Receiver.down, Receiver.nonces = 0, False, NonceCache()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    httpd.daemon_threads = True
    httpd.socket = tls.server_context().wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/gaozhi/events"
    httpd.shutdown()
    httpd.server_close()


def _config(url: str, tls: TlsMaterial) -> dict[str, Any]:
    return {
        "plugins": {
            "webhook": {
                "url": url,
                "app_key": APP_KEY,
                "secret_env": "GAOZHI_TEST_WEBHOOK_SECRET",
                "ca_bundle": str(tls.ca_pem),
                "deadline_s": 5,
                "max_attempts": 1,
                "breaker_fail_max": 100,
            }
        }
    }


@pytest.fixture
def host(receiver: str, tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginHost]:
    monkeypatch.setenv("GAOZHI_TEST_WEBHOOK_SECRET", SECRET)
    h = PluginHost(load_entrypoints=False, env={}, config=_config(receiver, tls))
    h.register(WebhookPlugin(), name="webhook")
    yield h
    h.shutdown()


def _enqueue(db: Path, n: int) -> Any:
    store = open_store(f"sqlite:///{db}")
    with store.transaction() as tx:
        for i in range(n):
            tx.enqueue(
                "pledge.signed", {"case_no": f"C-{i}"}, idempotency_key=f"pledge.signed:C-{i}"
            )
    return store


def test_plugin_contract() -> None:
    check_plugin(WebhookPlugin(), name="webhook")


def test_events_delivered_signed_once_per_key_with_retries(
    host: PluginHost, tmp_path: Path
) -> None:
    store = _enqueue(tmp_path / "g.db", 5)
    Receiver.fail_next = 3
    for _ in range(4):
        deliver_pending(store, host, max_attempts=5)
    assert store.pending_outbox() == []
    assert sorted(Receiver.seen) == [f"pledge.signed:C-{i}" for i in range(5)]
    assert Receiver.rejected == []  # every attempt re-signed: no replay, no bad signature
    assert len(Receiver.posts) == 5 + 3
    store.close()


def test_dead_letter_after_bounded_attempts_then_replay_by_command(
    host: PluginHost,
    receiver: str,
    tls: TlsMaterial,
    tmp_path: Path,
) -> None:
    db = tmp_path / "g.db"
    store = _enqueue(db, 2)
    Receiver.down = True
    for _ in range(3):
        deliver_pending(store, host, max_attempts=3)
    dead = dead_letters(store)
    assert [d.idempotency_key for d in dead] == ["pledge.signed:C-0", "pledge.signed:C-1"]
    assert all("GZ-SH-050" in e for d in dead for e in d.failed_plugins.values())
    assert len(Receiver.posts) == 6
    Receiver.down = False
    replay_dead(store, host, message_ids=[dead[0].message_id])
    assert sorted(Receiver.seen) == ["pledge.signed:C-0"]
    store.close()
    cfg = tmp_path / "host.json"
    cfg.write_text(json.dumps(_config(receiver, tls)), encoding="utf-8")
    env = {
        **__import__("os").environ,
        "GAOZHI_TEST_WEBHOOK_SECRET": SECRET,
        "GAOZHI_SDK_LOAD_PLUGINS": "webhook",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gaozhi_plugin_webhook",
            "replay",
            "--store",
            f"sqlite:///{db}",
            "--config",
            str(cfg),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(Receiver.seen) == ["pledge.signed:C-0", "pledge.signed:C-1"]


def test_unknown_ca_dead_letters_with_a_named_setting(
    receiver: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAOZHI_TEST_WEBHOOK_SECRET", SECRET)
    cfg = {
        "plugins": {
            "webhook": {
                "url": receiver,
                "app_key": APP_KEY,
                "secret_env": "GAOZHI_TEST_WEBHOOK_SECRET",
            }
        }
    }
    h = PluginHost(load_entrypoints=False, env={}, config=cfg)
    h.register(WebhookPlugin(), name="webhook")
    store = _enqueue(tmp_path / "g.db", 1)
    rep = deliver_pending(store, h, max_attempts=1)
    assert rep.dead == 1 and "GZ-SH-051" in rep.failures[0][2]
    assert Receiver.posts == []
    ((_, deliver),) = h.event_impls()
    from gaozhi_sdk.errors import GaozhiError
    from gaozhi_sdk.plugin_types import LifecycleEvent

    with pytest.raises(GaozhiError) as e:
        deliver(LifecycleEvent("pledge.signed", "k", {}))
    assert "127.0.0.1" in e.value.message and "ca_bundle" in e.value.message
    store.close()
