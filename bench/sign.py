"""Benchmark: SDK sign/validate against raw `cryptography` ECDSA P-256 in the same run (DESIGN §9).

Targets: SDK ``sign`` (pledge model → Bundle) ≥ 0.5 × the raw sign rate; SDK ``validate``
(bundle JSON bytes → report, certificate chain cached) ≥ 0.7 × the raw verify rate.
The raw baselines sign/verify the same PAE bytes with the same key. Operations are
interleaved in rounds and the best round of each is kept, so background load affects
all of them alike. Prints only; never asserts on timing.

Usage::

    python bench/sign.py            # normal run
    python bench/sign.py --smoke    # tiny run for CI
    python bench/sign.py --intermediate --rounds 20 --iterations 500
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk import esign
from gaozhi_sdk.ids import resident_id_check_char, uscc_check_char
from gaozhi_sdk.models import (
    CST,
    DEFAULT_PLEDGE_CLAUSES,
    Applicant,
    IdType,
    PartyType,
    Pledge,
    PledgeItem,
)
from gaozhi_sdk.testing import TestPKI

SIGN_TARGET = 0.5
VALIDATE_TARGET = 0.7


def make_pledge() -> Pledge:
    """A realistic pledge: a citizen, two proof items with the default clauses."""
    rid = "11010519491231002"
    rid += resident_id_check_char(rid)
    uscc = "11100000000013127"
    uscc += uscc_check_char(uscc)
    applicant = Applicant(
        party_type=PartyType.CITIZEN,
        name="张三",
        id_type=IdType.RESIDENT_ID,
        id_number=rid,
        contact="13800000000",
        address="北京市西城区某路1号",
    )
    items = tuple(
        PledgeItem(
            entry_id=f"E-{i:03d}",
            entry_version=1,
            proof_name="无犯罪记录证明",
            proof_content="本人无犯罪记录",
            clauses=DEFAULT_PLEDGE_CLAUSES,
        )
        for i in range(2)
    )
    return Pledge(
        pledge_id="CN-P-2026-000001",
        case_no="CASE-2026-0001",
        notice_id="CN-N-2026-000001",
        notice_hash="a" * 64,
        matter_code="M-0001",
        organ_uscc=uscc,
        pledgor=applicant,
        items=items,
        acknowledged_notice=True,
        signed_at=datetime(2026, 1, 5, 10, 0, tzinfo=CST),
    )


def best_rates(
    ops: dict[str, Callable[[], object]], rounds: int, iterations: int
) -> dict[str, float]:
    """Operations per second of each op: best of ``rounds`` interleaved rounds."""
    best = dict.fromkeys(ops, float("inf"))
    for _ in range(rounds):
        for name, op in ops.items():
            t0 = time.perf_counter()
            for _ in range(iterations):
                op()
            best[name] = min(best[name], (time.perf_counter() - t0) / iterations)
    return {name: 1.0 / seconds for name, seconds in best.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print rates and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--iterations", type=int, default=400)
    ap.add_argument("--intermediate", action="store_true", help="chain leaf → intermediate → root")
    args = ap.parse_args(argv)
    rounds, iterations = (2, 20) if args.smoke else (args.rounds, args.iterations)

    pki = TestPKI.create(intermediate=args.intermediate)
    pledge = make_pledge()
    # The pledgor's own certificate: the strict signer policy lets only them sign a pledge.
    seal = pki.applicant("张* 110105********002X", pledge.pledgor.id_number)
    trust = pki.trust_store()

    bundle = esign.sign(pledge, seal)
    data = bundle.to_json()
    report = esign.validate(data, trust)  # warms the chain cache
    if not report.passed:
        print(report.summary_en())
        return 1

    key = seal.private_key
    pub = key.public_key()
    message = bundle.pae
    algorithm = ec.ECDSA(hashes.SHA256())
    raw_sig = key.sign(message, algorithm)

    ops: dict[str, Callable[[], object]] = {
        "raw sign (cryptography)": lambda: key.sign(message, algorithm),
        "raw verify (cryptography)": lambda: pub.verify(raw_sig, message, algorithm),
        "SDK sign (model → Bundle)": lambda: esign.sign(pledge, seal),
        "SDK validate (JSON bytes → report)": lambda: esign.validate(data, trust),
        "SDK sign + to_json": lambda: esign.sign(pledge, seal).to_json(),
        "SDK validate (parsed Bundle)": lambda: esign.validate(bundle, trust),
    }
    rates = best_rates(ops, rounds, iterations)

    chain = "leaf+intermediate" if args.intermediate else "leaf"
    print(f"payload: pledge, {len(bundle.payload)} JCS bytes; bundle {len(data)} bytes")
    print(f"chain: {chain}")
    print(f"rounds={rounds} iterations={iterations} (best round kept)")
    for name, rate in rates.items():
        print(f"  {name:<38} {rate:>10,.0f} ops/s")
    names = list(rates)
    sign_ratio = rates[names[2]] / rates[names[0]]
    validate_ratio = rates[names[3]] / rates[names[1]]
    print(
        f"sign ratio     {sign_ratio:.2f}  (target ≥ {SIGN_TARGET})  "
        f"{'meets' if sign_ratio >= SIGN_TARGET else 'below'} target"
    )
    print(
        f"validate ratio {validate_ratio:.2f}  (target ≥ {VALIDATE_TARGET})  "
        f"{'meets' if validate_ratio >= VALIDATE_TARGET else 'below'} target"
    )
    print(
        f"(extra) sign+to_json {rates[names[4]] / rates[names[0]]:.2f}; "
        f"validate of a parsed Bundle {rates[names[5]] / rates[names[1]]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
