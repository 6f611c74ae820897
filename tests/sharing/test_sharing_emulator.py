"""The emulator itself: a real process on 127.0.0.1 that exits by itself, enforces the
server rules of ``gaozhi-hmac-sm3-v1`` and serves valid-checksum synthetic holders."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from gaozhi_sdk.ids import validate_resident_id, validate_uscc
from gaozhi_sdk.models.enums import OnlineOutcome as O
from gaozhi_sdk.sharing import RateLimiter, ReferenceProfile
from gaozhi_sdk.testing.emulator import EmulatorProcess

from .conftest import make_client


def test_holders_have_valid_checksum_identifiers(emu: EmulatorProcess) -> None:
    holders = emu.holders()
    assert len(holders) >= 20
    for h in holders:
        if h["name"].endswith("公司"):
            validate_uscc(h["id_number"])
        else:
            validate_resident_id(h["id_number"])


def test_server_rejects_replayed_nonce_and_unsigned_requests(emu: EmulatorProcess) -> None:
    body = b'{"subject_id":"x"}'
    headers = ReferenceProfile(emu.app_key).sign(
        "POST", "/proof/verify", None, body, "n-1", secret=emu.secret
    )
    headers["Content-Type"] = "application/json"
    first = requests.post(emu.url + "/proof/verify", data=body, headers=headers, timeout=5)
    again = requests.post(emu.url + "/proof/verify", data=body, headers=headers, timeout=5)
    unsigned = requests.post(
        emu.url + "/proof/verify",
        data=body,
        timeout=5,
        headers={"Content-Type": "application/json"},
    )
    assert first.json()["code"] == "NOT_FOUND"
    assert again.json()["code"] == "NONCE_REPLAY"
    assert unsigned.json()["code"] == "SIGN_INVALID"


def test_admin_refuses_unknown_fault(emu: EmulatorProcess) -> None:
    r = requests.put(emu.url + "/_admin/faults", json={"rules": {"*": {"meteor": 1.0}}}, timeout=5)
    assert r.status_code == 400 and "meteor" in r.text


def test_licence_query_needs_consent_for_marriage_certificate(emu: EmulatorProcess) -> None:
    c = make_client(emu)
    h = next(
        x
        for x in emu.holders()
        if any(lc["type_code"] == "11100000000000002" for lc in x["licences"])
    )
    body = {"subject_id": h["id_number"], "licence_type_code": "11100000000000002"}
    r = c.call("POST", "/licence/query", body, request_id="lq-1")
    assert r.outcome is O.CONSENT_REQUIRED and r.data["ticket"]
    r = c.call("POST", "/licence/query", {**body, "consent_token": "granted"}, request_id="lq-2")
    assert r.outcome is O.VERIFIED and r.data["licences"]


def test_client_rate_limiter_keeps_server_throttling_away() -> None:
    with EmulatorProcess(seed=4, rate=40, idle_timeout=30) as emu:
        c = make_client(emu, rate_per_s=30, burst=5, max_attempts=1)
        assert isinstance(c.limiter, RateLimiter)
        h = emu.holders()[0]
        results = [
            c.call("POST", "/proof/verify", {"subject_id": h["id_number"]}, request_id=f"rl-{i}")
            for i in range(40)
        ]
        assert all(r.definitive for r in results)
        assert emu.stats().get("rate_limited", 0) == 0


def test_emulator_exits_by_itself_when_idle() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gaozhi_sdk.testing.emulator", "--idle-timeout", "0.5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    assert info["url"].startswith("http://127.0.0.1:")
    assert proc.wait(timeout=30) == 0
    proc.stdout.close()


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death check uses getppid")
def test_emulator_exits_when_its_parent_dies() -> None:
    code = (
        "import subprocess,sys;p=subprocess.Popen([sys.executable,'-m',"
        "'gaozhi_sdk.testing.emulator','--idle-timeout','600'],stdout=subprocess.PIPE,"
        "text=True);print(p.pid,flush=True);p.stdout.readline();"
        "import time;time.sleep(600)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(0.5)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    parent.stdout.close()
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):  # reap if it became our zombie
            os.waitpid(child, os.WNOHANG)
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("emulator outlived its parent")
