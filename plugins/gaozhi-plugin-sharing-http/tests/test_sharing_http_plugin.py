"""gaozhi-plugin-sharing-http against the real emulator process on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from gaozhi_plugin_sharing_http import SharingHttpConnector, SharingHttpPlugin
from gaozhi_plugin_sharing_http.connector import ConnectorSettings

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.models.enums import AssistanceReply, IdType, OnlineOutcome, PartyType
from gaozhi_sdk.models.parties import Applicant
from gaozhi_sdk.plugin_types import LifecycleEvent
from gaozhi_sdk.plugins import PluginHost
from gaozhi_sdk.providers import ProofCheckRequest
from gaozhi_sdk.sharing import SharingError
from gaozhi_sdk.testing.emulator import EmulatorProcess
from gaozhi_sdk.testing.plugin import check_plugin

SECRET_ENV = "GAOZHI_TEST_SHARING_SECRET"  # noqa: S105 - a variable name


@pytest.fixture(scope="module")
def emu_proc() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=5, idle_timeout=60, assist_delay=0.1) as emu:
        yield emu


@pytest.fixture
def emu(emu_proc: EmulatorProcess) -> EmulatorProcess:
    emu_proc.reset()
    return emu_proc


def _section(emu: EmulatorProcess, **extra: Any) -> dict[str, Any]:
    return {
        "base_url": emu.url,
        "app_key": emu.app_key,
        "secret_env": SECRET_ENV,
        "deadline_s": 10,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "breaker_fail_max": 1000,
        "allow_insecure_loopback": True,  # plain-HTTP emulator on 127.0.0.1 (dev switch)
        **extra,
    }


@pytest.fixture
def host(emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginHost]:
    monkeypatch.setenv(SECRET_ENV, emu.secret)
    h = PluginHost(
        load_entrypoints=False, env={}, config={"plugins": {"sharing-http": _section(emu)}}
    )
    h.register(SharingHttpPlugin(), name="sharing-http")
    yield h
    h.shutdown()


def _request(h: dict[str, Any], proof: str, rid: str) -> ProofCheckRequest:
    return ProofCheckRequest(
        request_id=rid,
        verification_id="V-1",
        case_no="C-1",
        entry_id="E-1",
        data_source="省人口库",
        subject_id_type="RESIDENT_ID",
        subject_id_number=h["id_number"],
        subject_name=h["name"],
        proof_name=proof,
        proof_content="…",
    )


def _holder(emu: EmulatorProcess, fact: bool) -> tuple[dict[str, Any], str]:
    for h in emu.holders():
        for proof, v in h["proofs"].items():
            if v is fact and proof not in h["consent"]:
                return h, proof
    raise AssertionError


def test_plugin_contract() -> None:
    report = check_plugin(SharingHttpPlugin(), name="sharing-http")
    assert "gaozhi_verify_proof" in report.hooks and "gaozhi_event" in report.hooks


def test_inert_without_configuration(emu: EmulatorProcess) -> None:
    h = PluginHost(load_entrypoints=False, env={})
    h.register(SharingHttpPlugin(), name="sharing-http")
    holder, proof = _holder(emu, True)
    assert h.verify_proof(_request(holder, proof, "inert")) is None
    assert emu.stats().get("requests:proof.verify", 0) == 0


def test_r044_online_verification_through_the_host_with_faults_on(
    host: PluginHost, emu: EmulatorProcess
) -> None:
    t, pt = _holder(emu, True)
    f, pf = _holder(emu, False)
    emu.set_faults({"proof.verify": {"http_5xx": 0.1, "reset_before_response": 0.05}})
    verifier = host.online_verifier()
    assert verifier is not None
    outs = [verifier.verify_proof(_request(t, pt, f"ok-{i}")).outcome for i in range(20)]
    assert outs == [OnlineOutcome.VERIFIED] * 20
    assert verifier.verify_proof(_request(f, pf, "bad")).outcome is OnlineOutcome.MISMATCH
    nf = verifier.verify_proof(_request(t, "无此证明", "nf"))
    assert nf.outcome is OnlineOutcome.NOT_FOUND and nf.request_id == "nf"


def test_undetermined_names_hop_and_last_code(host: PluginHost, emu: EmulatorProcess) -> None:
    t, pt = _holder(emu, True)
    emu.set_faults({"proof.verify": {"http_5xx": 1.0}})
    r = host.verify_proof(_request(t, pt, "u"))
    assert r is not None and r.outcome is OnlineOutcome.UNDETERMINED
    assert "hop=gateway" in r.detail and "last_code=HTTP_502" in r.detail


def test_secret_and_identifiers_never_logged(
    emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(SECRET_ENV, "planted-secret-9f8e7d")
    caplog.set_level(logging.DEBUG)
    c = SharingHttpConnector(ConnectorSettings.from_mapping(_section(emu)))
    t, pt = _holder(emu, True)
    r = c.verify_proof(_request(t, pt, "log"))
    assert r.outcome is OnlineOutcome.REJECTED  # wrong secret for this emulator
    text = (
        caplog.text
        + repr(c)
        + repr(c.client)
        + json.dumps(getattr(c.client.evidence, "records", []), ensure_ascii=False)
    )
    assert "planted-secret-9f8e7d" not in text and t["id_number"] not in text


def test_r056_credit_push_exactly_once_even_after_commit_then_drop(
    host: PluginHost, emu: EmulatorProcess
) -> None:
    ((_, deliver),) = host.event_impls()
    ev = LifecycleEvent(
        "credit.record_created",
        "credit.record_created:CR-1",
        {"record_id": "CR-1", "case_no": "C-1", "severity": "SERIOUS"},
    )
    emu.set_faults({"credit.push": {"commit_then_drop": 1.0}})
    deliver(ev)  # every push attempt is dropped after commit; the status check settles it
    deliver(ev)  # at-least-once redelivery
    emu.clear_faults()
    deliver(LifecycleEvent(ev.topic, ev.idempotency_key, ev.payload, attempt=3))
    ledger = emu.ledger()
    assert [e["request_id"] for e in ledger] == ["credit.record_created:CR-1"]


def test_push_refused_raises_for_dead_letter(host: PluginHost, emu: EmulatorProcess) -> None:
    ((_, deliver),) = host.event_impls()
    deliver(LifecycleEvent("credit.record_created", "K-1", {"record_id": "A"}))
    with pytest.raises(GaozhiError) as e:
        deliver(LifecycleEvent("credit.record_created", "K-1", {"record_id": "B"}))
    assert e.value.code == "GZ-SH-042" and e.value.details["request_id"] == "K-1"


def test_push_unknown_after_outage_raises_to_retry(host: PluginHost, emu: EmulatorProcess) -> None:
    ((_, deliver),) = host.event_impls()
    emu.outage(30)
    with pytest.raises(GaozhiError) as e:
        deliver(LifecycleEvent("credit.record_created", "K-2", {"record_id": "A"}))
    assert e.value.code == "GZ-SH-041"
    emu.reset()


def test_r020_credit_snapshot_and_fail_closed(host: PluginHost, emu: EmulatorProcess) -> None:
    adverse = next(h for h in emu.holders() if h["adverse"])
    legal = adverse["name"].endswith("公司")
    app = Applicant(
        party_type=PartyType.LEGAL_PERSON if legal else PartyType.CITIZEN,
        name=adverse["name"],
        id_type=IdType.USCC if legal else IdType.RESIDENT_ID,
        id_number=adverse["id_number"],
    )
    snap = host.credit_snapshot(app, "d" * 64)
    assert snap is not None and [i.record_id for i in snap.items] == [
        a["record_id"] for a in adverse["adverse"]
    ]
    emu.set_faults({"credit.snapshot": {"http_5xx": 1.0}})
    with pytest.raises(GaozhiError) as e:
        host.credit_snapshot(app, "d" * 64)
    assert e.value.code == "GZ-SH-040"


class _Callbacks(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    done = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((self.path, dict(self.headers.items()), body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.done.set()


def test_r046_r047_assisted_verification_open_poll_and_signed_callback(
    emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, emu.secret)
    c = SharingHttpConnector(ConnectorSettings.from_mapping(_section(emu)))
    _Callbacks.received, _Callbacks.done = [], threading.Event()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Callbacks)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        t, pt = _holder(emu, True)
        cb = f"http://127.0.0.1:{srv.server_address[1]}/assist/callback"
        opened = c.assist_open("AS-1", subject_id=t["id_number"], proof_name=pt, callback_url=cb)
        assert opened.reply is None and opened.ticket
        again = c.assist_open("AS-1", subject_id=t["id_number"], proof_name=pt, callback_url=cb)
        assert again.ticket == opened.ticket  # idempotent per request id
        assert _Callbacks.done.wait(10)
        path, headers, body = _Callbacks.received[0]
        status = c.assist_callback("POST", path, headers, body)
        assert status.reply is AssistanceReply.CONFIRMED
        with pytest.raises(GaozhiError) as e:  # a replayed callback is refused
            c.assist_callback("POST", path, headers, body)
        assert e.value.code == "GZ-SH-030"
        with pytest.raises(GaozhiError):  # tampered body
            c.assist_callback("POST", path, headers, body.replace(b"CONFIRMED", b"DENIED_FACT"))
        refused = c.assist_open("AS-2", subject_id="110105199001010011", proof_name="x")
        import time

        deadline = time.monotonic() + 10
        st = c.assist_poll(refused.ticket)
        while st.reply is None and time.monotonic() < deadline:
            time.sleep(0.05)
            st = c.assist_poll(refused.ticket)
        assert st.reply is AssistanceReply.REFUSED and st.reason  # written reason
    finally:
        srv.shutdown()
        srv.server_close()
        c.close()


def test_r045_on_site_dispatch_through_event(host: PluginHost, emu: EmulatorProcess) -> None:
    ((_, deliver),) = host.event_impls()
    ev = LifecycleEvent(
        "verification.on_site_dispatched",
        "onsite:V-9",
        {"verification_id": "V-9", "case_no": "C-9", "inspector": "I-1"},
    )
    deliver(ev)
    deliver(ev)
    stats = emu.stats()
    assert stats.get("code:onsite.task:00") == 2 and stats.get("replay:onsite.task") == 1


def test_evidence_holds_only_the_sdk_keyed_digest(
    emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 2: the plugin writes the digest the SDK made with the store's deployment
    secret and nothing else about the subject — no mask, no digest of its own."""
    monkeypatch.setenv(SECRET_ENV, emu.secret)
    c = SharingHttpConnector(ConnectorSettings.from_mapping(_section(emu)))
    t, pt = _holder(emu, True)
    keyed = "k0123abcd:" + "ab" * 32
    req = _request(t, pt, "dig-1").model_copy(update={"subject_digest": keyed})
    assert c.verify_proof(req).outcome is OnlineOutcome.VERIFIED
    assert c.verify_proof(_request(t, pt, "dig-2")).outcome is OnlineOutcome.VERIFIED
    records = c.client.evidence.records  # type: ignore[attr-defined]
    assert records[0]["subject"] == {"id_digest": keyed}
    assert records[1]["subject"] == {}
    text = json.dumps(records, ensure_ascii=False)
    assert t["id_number"] not in text and t["id_number"][:6] + "*" not in text
    c.close()


def test_the_old_public_salt_setting_is_refused(emu: EmulatorProcess) -> None:
    with pytest.raises(SharingError) as err:
        ConnectorSettings.from_mapping(_section(emu, salt="gaozhi-sharing-http"))
    assert err.value.code == "GZ-SH-001" and "salt" in (err.value.message_en or "")
