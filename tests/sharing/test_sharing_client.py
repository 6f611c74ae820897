"""The transport against the real emulator process on 127.0.0.1 (DESIGN §7).

Every call ends in exactly one of the six outcomes; requests exceptions never escape;
every result carries the request id; one evidence record per call.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.ids import digest_identifier, mask_identifier
from gaozhi_sdk.models.enums import OnlineOutcome as O
from gaozhi_sdk.sharing import (
    BreakerState,
    CircuitBreaker,
    JsonlEvidenceSink,
    ReferenceProfile,
    SharingClient,
    TransportConfig,
    verify_chain,
)
from gaozhi_sdk.testing.emulator import EmulatorProcess

from .conftest import holder_with, make_client


def _state(b: CircuitBreaker) -> BreakerState:
    return b.state  # through a call: mypy must not narrow the property


def _verify(c: SharingClient, h: dict[str, Any], proof: str, rid: str, **extra: Any) -> Any:
    body = {"subject_id": h["id_number"], "subject_name": h["name"], "proof_name": proof, **extra}
    return c.call("POST", "/proof/verify", body, request_id=rid, operation="proof.verify")


def test_r044_six_outcomes_each_reachable(emu: EmulatorProcess) -> None:
    c = make_client(emu, max_attempts=2)
    h_true, p_true = holder_with(emu, True)
    h_false, p_false = holder_with(emu, False)
    consent = next(h for h in emu.holders() if h["consent"])
    assert _verify(c, h_true, p_true, "a").outcome is O.VERIFIED
    assert _verify(c, h_false, p_false, "b").outcome is O.MISMATCH
    assert _verify(c, h_true, "无此证明", "c").outcome is O.NOT_FOUND
    assert _verify(c, consent, consent["consent"][0], "d").outcome is O.CONSENT_REQUIRED
    bad = SharingClient(
        TransportConfig(emu.url, allow_insecure_loopback=True),
        ReferenceProfile(emu.app_key),
        "wrong-secret",
    )
    r = _verify(bad, h_true, p_true, "e")
    # the gateway said SIGN_INVALID; with the wrong secret its answer cannot be authenticated
    assert r.outcome is O.REJECTED and r.body_code == "SIGN_INVALID"
    assert r.last_code == "RESPONSE_SIGNATURE_INVALID"
    emu.set_faults({"proof.verify": {"http_5xx": 1.0}})
    r = _verify(c, h_true, p_true, "f")
    assert r.outcome is O.UNDETERMINED and r.hop == "gateway" and r.last_code == "HTTP_502"
    assert r.request_id == "f" and len(r.attempts) == 2


def test_never_verified_by_default_unknown_subject_is_not_found(emu: EmulatorProcess) -> None:
    c = make_client(emu)
    r = c.call(
        "POST",
        "/proof/verify",
        {"subject_id": "110105199001010011", "proof_name": "x"},
        request_id="u1",
    )
    assert r.outcome is O.NOT_FOUND


def test_retries_re_sign_every_attempt_without_replay_or_stale_timestamp(
    emu: EmulatorProcess,
) -> None:
    c = make_client(emu, max_attempts=6, breaker_fail_max=1000)
    h, p = holder_with(emu, True)
    emu.set_faults(
        {"proof.verify": {"http_5xx": 0.15, "reset_before_response": 0.1, "body_throttle": 0.05}},
        retry_after_s=0,
    )
    results = [_verify(c, h, p, f"rs-{i}") for i in range(30)]
    assert all(r.outcome is O.VERIFIED for r in results)
    assert sum(len(r.attempts) for r in results) > 30  # retries happened
    stats = emu.stats()
    assert stats.get("auth:NONCE_REPLAY", 0) == 0 and stats.get("auth:TS_EXPIRED", 0) == 0


def test_retry_after_is_honoured_and_capped(emu: EmulatorProcess) -> None:
    slept: list[float] = []
    c = SharingClient(
        TransportConfig(emu.url, max_attempts=2, retry_after_cap_s=5, allow_insecure_loopback=True),
        ReferenceProfile(emu.app_key),
        emu.secret,
        sleep=slept.append,
    )
    h, p = holder_with(emu, True)
    emu.set_faults({"proof.verify": {"http_429": 1.0}}, retry_after_s=2)
    r = _verify(c, h, p, "ra-1")
    assert r.outcome is O.UNDETERMINED and r.last_code == "HTTP_429"
    assert slept and min(slept) >= 2.0
    slept.clear()
    emu.set_faults({"proof.verify": {"http_503_retry_after": 1.0}}, retry_after_s=60)
    r = _verify(c, h, p, "ra-2")
    assert r.outcome is O.UNDETERMINED and "延后" in r.detail and slept == []
    assert len(r.attempts) == 1


def test_retry_budget_stops_a_storm(emu: EmulatorProcess) -> None:
    c = make_client(emu, retry_budget=10, max_attempts=4, breaker_fail_max=10_000)
    h, p = holder_with(emu, True)
    emu.set_faults({"proof.verify": {"http_5xx": 1.0}})
    results = [_verify(c, h, p, f"b-{i}") for i in range(10)]
    assert results[-1].last_code == "RETRY_BUDGET_EXHAUSTED"
    attempts = sum(len(r.attempts) for r in results)
    assert attempts <= 10 + 2  # the budget paid for two retries, then first tries only


def test_breaker_opens_then_fails_fast_without_network_then_half_opens(
    emu: EmulatorProcess,
) -> None:
    c = make_client(emu, max_attempts=1, breaker_fail_max=3, breaker_reset_s=0.3)
    h, p = holder_with(emu, True)
    emu.set_faults({"proof.verify": {"http_5xx": 1.0}})
    for i in range(3):
        assert _verify(c, h, p, f"br-{i}").outcome is O.UNDETERMINED
    assert _state(c.breaker) == BreakerState.OPEN
    before = emu.stats().get("requests:proof.verify", 0)
    r = _verify(c, h, p, "br-open")
    assert r.outcome is O.UNDETERMINED and r.last_code == "BREAKER_OPEN" and r.hop == "client"
    assert r.attempts == ()
    assert emu.stats().get("requests:proof.verify", 0) == before
    emu.clear_faults()
    deadline = time.monotonic() + 10
    while _state(c.breaker) != BreakerState.HALF_OPEN and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _verify(c, h, p, "br-probe").outcome is O.VERIFIED
    assert _state(c.breaker) == BreakerState.CLOSED
    assert BreakerState.HALF_OPEN in c.breaker.transitions


def test_black_hole_ends_within_deadline(emu: EmulatorProcess) -> None:
    deadline = 1.5
    c = make_client(emu, deadline_s=deadline, read_timeout_s=0.6)
    h, p = holder_with(emu, True)
    emu.set_faults({"proof.verify": {"black_hole": 1.0}})
    t0 = time.monotonic()
    r = _verify(c, h, p, "bh")
    elapsed = time.monotonic() - t0
    assert r.outcome is O.UNDETERMINED and r.hop == "network"
    assert r.last_code in {"READTIMEOUT", "DEADLINE"}
    assert elapsed <= deadline + 1.0


def test_clock_skew_is_reported_with_server_time_and_not_retried(emu: EmulatorProcess) -> None:
    c = make_client(emu)
    h, p = holder_with(emu, True)
    emu.set_clock(600)
    r = _verify(c, h, p, "sk")
    assert r.outcome is O.UNDETERMINED and r.last_code == "CLOCK_SKEW"
    assert r.server_time_ms is not None and r.clock_skew_s is not None and r.clock_skew_s > 500
    assert len(r.attempts) == 1


def test_paging_collects_every_record_and_flags_total_drift(emu: EmulatorProcess) -> None:
    c = make_client(emu)
    ok = c.fetch_all("/data/social/query", {}, request_id="pg", page_size=40)
    assert ok.outcome is O.VERIFIED and len(ok.records) == ok.total == 237
    assert len({r["id"] for r in ok.records}) == 237
    emu.set_faults({"data.query": {"paging_total_drift": 0.5}}, seed=3)
    bad = c.fetch_all("/data/social/query", {}, request_id="pg2", page_size=40)
    assert bad.outcome is O.UNDETERMINED and bad.last_code == "PAGING_INCONSISTENT"


@pytest.mark.parametrize(
    "fault",
    [
        "malformed_json",
        "html_waf_page",
        "truncated_body",
        "reset_before_response",
        "token_expired_code",
    ],
)
def test_fuzzed_bodies_and_faults_never_escape_as_exceptions(
    emu: EmulatorProcess, fault: str
) -> None:
    c = make_client(emu, max_attempts=2, deadline_s=3)
    h, p = holder_with(emu, True)
    emu.set_faults({"proof.verify": {fault: 1.0}})
    r = _verify(c, h, p, f"fz-{fault}")
    assert r.outcome is O.UNDETERMINED and r.request_id == f"fz-{fault}" and r.last_code


def test_closed_port_is_undetermined_network_hop() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = SharingClient(
        TransportConfig(
            f"http://127.0.0.1:{port}",
            deadline_s=2,
            backoff_base_s=0.01,
            allow_insecure_loopback=True,
        ),
        ReferenceProfile("k"),
        "s",
    )
    r = c.call("GET", "/x", request_id="cp")
    assert r.outcome is O.UNDETERMINED and r.hop == "network" and r.request_id == "cp"


def test_token_refresh_is_single_flight_under_32_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with EmulatorProcess(seed=2, require_token=True, token_ttl=1, idle_timeout=30) as emu:
        c = make_client(emu, auth_mode="bearer")
        h, p = holder_with(emu, True)
        t0 = time.monotonic()

        def work(i: int) -> Any:
            return _verify(c, h, p, f"tk-{i}")

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(work, range(640)))
        elapsed = time.monotonic() - t0
        assert all(r.outcome is O.VERIFIED for r in results)
        issued = emu.stats()["tokens_issued"]
        assert c.tokens is not None and c.tokens.refreshes == issued
        assert 1 <= issued <= elapsed / 0.9 + 2  # one refresh per expiry, no herd


def test_evidence_chain_one_record_per_call_masked_and_tamper_evident(
    emu: EmulatorProcess, tmp_path: Path
) -> None:
    sink = JsonlEvidenceSink(tmp_path / "ev.jsonl")
    c = SharingClient(
        TransportConfig(emu.url, allow_insecure_loopback=True),
        ReferenceProfile(emu.app_key),
        emu.secret,
        evidence=sink,
    )
    h, p = holder_with(emu, True)
    subject = {
        "id_mask": mask_identifier(h["id_number"]),
        "id_digest": digest_identifier(h["id_number"], b"salt"),
    }
    for i in range(3):
        r = c.call(
            "POST",
            "/proof/verify",
            {"subject_id": h["id_number"], "proof_name": p},
            request_id=f"ev-{i}",
            subject=subject,
        )
        assert r.evidence_id
    text = (tmp_path / "ev.jsonl").read_text(encoding="utf-8")
    assert h["id_number"] not in text and emu.secret not in text
    recs = [json.loads(x) for x in text.splitlines()]
    assert len(recs) == 3 and [r["request_id"] for r in recs] == ["ev-0", "ev-1", "ev-2"]
    verify_chain(recs)
    recs[1]["outcome"] = "MISMATCH"
    with pytest.raises(GaozhiError) as e:
        verify_chain(recs)
    assert e.value.code == "GZ-SH-011"


def test_unwritable_evidence_sink_fails_closed(emu: EmulatorProcess, tmp_path: Path) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    sink = JsonlEvidenceSink(d / "missing-dir" / "ev.jsonl")
    c = SharingClient(
        TransportConfig(emu.url, allow_insecure_loopback=True),
        ReferenceProfile(emu.app_key),
        emu.secret,
        evidence=sink,
    )
    h, p = holder_with(emu, True)
    r = _verify(c, h, p, "ro")
    assert r.outcome is O.UNDETERMINED and r.last_code == "EVIDENCE_UNWRITABLE"


def test_credit_push_ledger_is_exactly_once_per_request_id(emu: EmulatorProcess) -> None:
    c = make_client(emu)
    assert c.call("POST", "/credit/push", {"r": 1}, request_id="cp-1").outcome is O.VERIFIED
    again = c.call("POST", "/credit/push", {"r": 1}, request_id="cp-1")
    assert again.outcome is O.VERIFIED and again.data["replayed"] is True
    conflict = c.call("POST", "/credit/push", {"r": 2}, request_id="cp-1")
    assert conflict.outcome is O.REJECTED and conflict.last_code == "CONFLICT"
    status = c.call("GET", "/credit/push/cp-1", request_id="cp-1-status")
    assert status.outcome is O.VERIFIED and status.data["status"] == "ACCEPTED"
    assert len(emu.ledger()) == 1
