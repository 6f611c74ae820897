"""Benchmark: SM2 sign/verify through the SDK against gmssl-pyx's digest API (DESIGN §9).

Target: SM2 through the SDK ≥ 0.8 × the SM2 library's own digest-API rate, in the same
run. The raw baselines are what any caller of the library must do per message:
``sm2_sign_sm3_digest(d, SM3(Z ‖ M))`` / ``sm2_verify_sm3_digest(P, SM3(Z ‖ M), sig)``
with Z precomputed, over the same PAE bytes and key. The SDK rows are
``esign.sign(pledge, sm2_seal)`` (model → Bundle) and ``esign.validate(json, trust)``
(bundle JSON → report, SM2 chain cached), plus the signer/key-verifier layer alone.
Operations are interleaved in rounds and the best round is kept. Prints only.

Needs the ``gaozhi-plugin-sm2`` distribution (``pip install -e plugins/gaozhi-plugin-sm2``).

Usage::

    python bench/sm2.py            # normal run
    python bench/sm2.py --smoke    # tiny run for CI
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gmssl_pyx  # type: ignore[import-untyped]
from gaozhi_plugin_sm2 import Sm2Signer
from gaozhi_plugin_sm2.curve import digest_e, user_hash_z

from gaozhi_sdk import esign
from gaozhi_sdk.testing import TestPKI

TARGET = 0.8


def _make_pledge() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_bench_sign", Path(__file__).with_name("sign.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_pledge()


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
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args(argv)
    rounds, iterations = (2, 10) if args.smoke else (args.rounds, args.iterations)

    pki = TestPKI.create(algorithm="sm2")
    pledge = _make_pledge()
    # The pledgor's own SM2 certificate (resident ID in subject serialNumber): the strict
    # signer policy lets only the pledgor sign a pledge.
    seal = pki.applicant("张*", pledge.pledgor.id_number)
    assert isinstance(seal, Sm2Signer)
    trust = pki.trust_store()

    bundle = esign.sign(pledge, seal)
    data = bundle.to_json()
    report = esign.validate(data, trust)  # warms the chain cache
    if report.indication != "TOTAL_PASSED":
        print(report.model_dump_json(indent=1))
        return 1

    d = seal.private_key.scalar
    point = seal.public_key.point
    z = user_hash_z(point, seal.sm2_signer_id)
    message = bundle.pae
    raw_sig = gmssl_pyx.sm2_sign_sm3_digest(d, digest_e(z, message))
    spki = seal.spki_der
    verifier = esign.key_verifier_for(spki, seal.sm2_signer_id)
    assert not isinstance(verifier, esign.KeyRejected)

    ops: dict[str, Callable[[], object]] = {
        "raw sign (gmssl-pyx digest API)": lambda: gmssl_pyx.sm2_sign_sm3_digest(
            d, digest_e(z, message)
        ),
        "raw verify (gmssl-pyx digest API)": lambda: gmssl_pyx.sm2_verify_sm3_digest(
            point, digest_e(z, message), raw_sig
        ),
        "SDK sign (model → Bundle)": lambda: esign.sign(pledge, seal),
        "SDK validate (JSON bytes → report)": lambda: esign.validate(data, trust),
        "Sm2Signer.sign (PAE)": lambda: seal.sign(message),
        "KeyVerifier.verify (PAE)": lambda: verifier.verify(raw_sig, message),
    }
    rates = best_rates(ops, rounds, iterations)

    print(f"payload: pledge, {len(bundle.payload)} JCS bytes; bundle {len(data)} bytes")
    print("chain: SM2 leaf → SM2 root (pyhanko-certvalidator, cached)")
    print(f"rounds={rounds} iterations={iterations} (best round kept)")
    for name, rate in rates.items():
        print(f"  {name:<38} {rate:>10,.0f} ops/s")
    names = list(rates)
    sign_ratio = rates[names[2]] / rates[names[0]]
    verify_ratio = rates[names[3]] / rates[names[1]]
    for label, ratio in (("sign ratio    ", sign_ratio), ("validate ratio", verify_ratio)):
        verdict = "meets" if ratio >= TARGET else "below"
        print(f"{label} {ratio:.2f}  (target ≥ {TARGET})  {verdict} target")
    print(
        f"(extra) signer layer {rates[names[4]] / rates[names[0]]:.2f}; "
        f"key-verifier layer {rates[names[5]] / rates[names[1]]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
