"""Identifiers in evidence cannot be recovered (issue 10, item 2; R-091, R-095).

The attack of the issue: ``sharing-evidence.jsonl`` held the first 6 and last 4 digits of
a resident ID beside an HMAC keyed with a public default salt, so enumerating the 8
birth-date digits recovered 80 of 81 demo IDs. Here a whole demo run's evidence
(sharing evidence, exported journal, every signed document in the archive, the outbox
events, and exported per-case evidence packages) is searched the same way: every 6+4
mask found anywhere, every birth date, against every identifier digest found anywhere,
under the keys an attacker can know (the old public default, an empty key, plain
SHA-256/SM3). It recovers 0 — while the same search on one record written the old way
recovers its ID, so the search itself works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.cli import main
from gaozhi_sdk.demo import run_demo
from gaozhi_sdk.ids import mask_identifier, resident_id_check_char
from gaozhi_sdk.sharing.signing import sm3_hex
from gaozhi_sdk.store import open_store

MASK_6_4 = re.compile(r"\b(\d{6})\*{8}(\d{3}[\dX])\b")
HEX64 = re.compile(r"\b([0-9a-f]{64})\b")
KEYED = re.compile(r"\b(k[0-9a-f]{8}):([0-9a-f]{32,64})\b")
OLD_DEFAULT_SALT = b"gaozhi-sharing-http"


def _digest_functions() -> list[Any]:
    def h(key: bytes) -> Any:
        return lambda v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest()

    return [
        h(OLD_DEFAULT_SALT),
        h(b""),
        lambda v: hashlib.sha256(v.encode()).hexdigest(),
        lambda v: sm3_hex(v.encode()),
    ]


_DATES = [
    f"{date(1920, 1, 1) + timedelta(days=i):%Y%m%d}"
    for i in range((date(2010, 12, 31) - date(1920, 1, 1)).days + 1)
]


def _candidates(first6: str, last4: str) -> Iterator[str]:
    """Every ID with these first 6 / last 4 and a valid birth date and check character."""
    for d in _DATES:
        body = f"{first6}{d}{last4[:3]}"
        if resident_id_check_char(body) == last4[3]:
            yield body + last4[3]


def _search(masks: set[tuple[str, str]], digests: set[str]) -> set[str]:
    """The attack: enumerate birth dates for each mask, look each candidate's digest up."""
    found: set[str] = set()
    fns = _digest_functions()
    for first6, last4 in masks:
        for cand in _candidates(first6, last4):
            for fn in fns:
                d = fn(cand)
                if d in digests or d[:32] in digests:
                    found.add(cand)
    return found


def _texts(out: Path, packages: list[Path]) -> Iterator[tuple[str, str]]:
    """(where, text) of everything the demo's evidence exposes."""
    yield "sharing-evidence.jsonl", (out / "sharing-evidence.jsonl").read_text("utf-8")
    for p in sorted((out / "archive").rglob("*")):
        if p.is_file():
            text = p.read_text("utf-8", errors="replace")
            yield str(p.relative_to(out)), text
            if p.suffix == ".json" and "dsseEnvelope" in text:
                payload = json.loads(text)["dsseEnvelope"]["payload"]
                yield f"{p.name}:payload", base64.b64decode(payload).decode("utf-8")
    con = sqlite3.connect(out / "gaozhi.db")
    for (payload,) in con.execute("SELECT payload FROM outbox"):
        yield "outbox", str(payload)
    con.close()
    import zipfile

    for pkg in packages:
        with zipfile.ZipFile(pkg) as z:
            for name in z.namelist():
                text = z.read(name).decode("utf-8", errors="replace")
                yield f"{pkg.name}:{name}", text
                if name.endswith(".json") and "dsseEnvelope" in text:
                    payload = json.loads(text)["dsseEnvelope"]["payload"]
                    yield f"{pkg.name}:{name}:payload", base64.b64decode(payload).decode()


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("privacy") / "demo"
    summary = run_demo(out, applications=120, seed=23)
    assert summary.ok
    store = open_store(f"sqlite:///{out / 'gaozhi.db'}")
    cases = [r.id for r in store.list("case")]
    with_credit = {r.doc["case_no"] for r in store.list("credit_record")}
    store.close()
    packages = []
    for case in sorted(with_credit)[:3] + cases[:3]:
        pkg = out / f"{case}.zip"
        if not pkg.exists():
            assert main(["evidence", "export", case, "--db", str(out), "--out", str(pkg)]) == 0
            packages.append(pkg)
    return out, packages


@pytest.mark.slow
def test_r095_brute_force_search_recovers_no_identifier_from_demo_evidence(
    demo: tuple[Path, list[Path]],
) -> None:
    out, packages = demo
    masks: set[tuple[str, str]] = set()
    first: set[tuple[str, str]] = set()  # masks that share a file with digests come first
    digests: set[str] = set()
    for _, text in _texts(out, packages):
        found = set(MASK_6_4.findall(text))
        masks.update(found)
        if HEX64.search(text) or KEYED.search(text):
            first.update(found)
        digests.update(HEX64.findall(text))
        for _kid, hexd in KEYED.findall(text):
            digests.add(hexd)
            digests.add(hexd[:32])
    evidence = (out / "sharing-evidence.jsonl").read_text("utf-8")
    keyed_in_evidence = KEYED.findall(evidence)
    assert keyed_in_evidence, "the sharing evidence carries keyed identifier digests"
    assert masks, "documents in the archive show masked IDs (the attacker's starting point)"

    # positive control: one demo ID written the old way is found by the very same search
    store = open_store(f"sqlite:///{out / 'gaozhi.db'}")
    real = next(r.doc["applicant"]["id_number"] for r in store.list("case"))
    store.close()
    old_digest = hmac.new(OLD_DEFAULT_SALT, real.encode(), hashlib.sha256).hexdigest()
    old_mask = MASK_6_4.findall(mask_identifier(real))
    assert _search(set(old_mask), {old_digest}) == {real}

    sample = set((sorted(first) + sorted(masks - first))[:25])
    assert _search(sample, digests) == set()


@pytest.mark.slow
def test_r095_no_partial_mask_beside_a_digest_and_every_digest_is_keyed(
    demo: tuple[Path, list[Path]],
) -> None:
    out, packages = demo
    store = open_store(f"sqlite:///{out / 'gaozhi.db'}")
    key_id = store.deployment_secret().key_id
    secret_hex = store.deployment_secret().key.hex()
    store.close()
    seen_keyed = 0
    for where, text in _texts(out, packages):
        assert secret_hex not in text, f"the deployment secret leaked into {where}"
        for kid, _ in KEYED.findall(text):
            assert kid == key_id, f"{where}: digest keyed with an unknown secret {kid}"
            seen_keyed += 1
        try:
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            continue
        for doc in docs:
            for obj in _objects(doc):
                values = [v for v in obj.values() if isinstance(v, str)]
                if any(KEYED.search(v) for v in values):
                    bad = [v for v in values if MASK_6_4.search(v)]
                    assert not bad, f"{where}: a 6+4 mask sits beside a keyed digest: {bad}"
    assert seen_keyed > 0
    evidence = (out / "sharing-evidence.jsonl").read_text("utf-8")
    assert "id_mask" not in evidence
    for line in evidence.splitlines():
        subject = json.loads(line).get("subject", {})
        assert set(subject) <= {"id_digest"}
