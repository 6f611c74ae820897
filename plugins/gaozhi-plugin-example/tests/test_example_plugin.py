"""Tests of gaozhi-plugin-example, written with the gaozhi-sdk test kit."""

from __future__ import annotations

import random
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from gaozhi_plugin_example import plugin

from gaozhi_sdk import PluginHost
from gaozhi_sdk.events import deliver_pending
from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.providers import ProofCheckRequest
from gaozhi_sdk.rules import lint_list, load_list
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.plugin import check_plugin
from gaozhi_sdk.testing.synthetic import synthetic_applicant


def _host(**config: object) -> PluginHost:
    host = PluginHost(load_entrypoints=False, env={}, config={"plugins": {"example": config}})
    host.register(plugin, name="example")
    host.load()
    return host


def _request(source: str, id_number: str = "11010519491231002X") -> ProofCheckRequest:
    return ProofCheckRequest(
        request_id="R-1",
        verification_id="V-1",
        case_no="C-1",
        entry_id="EX-SCJG-001",
        data_source=source,
        subject_id_type="居民身份证",
        subject_id_number=id_number,
        subject_name="张三",
        proof_name="经营场所使用证明",
        proof_content="使用权",
    )


def test_example_plugin_keeps_the_hook_contract() -> None:
    report = check_plugin(plugin, name="example", build_providers=True)
    families = {
        "gaozhi_configure",
        "gaozhi_shutdown",
        "gaozhi_register_providers",
        "gaozhi_register_signers",
        "gaozhi_register_stores",
        "gaozhi_register_commitment_lists",
        "gaozhi_credit_snapshot",
        "gaozhi_verify_proof",
        "gaozhi_render_document",
        "gaozhi_certificate_identities",
        "gaozhi_identity_provider",
        "gaozhi_event_certificate_authority",
        "gaozhi_event",
    }
    assert set(report.hooks) == families == set(PluginHost.hook_names())


def test_example_signing_services_only_when_named() -> None:
    """The FAKE identity provider and event CA answer only to the plugin's name, and the
    host accepts what they return (GZ-PL-006 otherwise)."""
    host = PluginHost(load_entrypoints=False)
    host.register(plugin, name="example")
    assert host.identity_provider("example") is not None
    assert host.event_certificate_authority("example") is not None
    assert plugin.gaozhi_identity_provider(None) is None
    assert plugin.gaozhi_event_certificate_authority("another") is None


def test_example_verify_proof_answers_only_its_data_source() -> None:
    host = _host()
    assert host.verify_proof(_request("全国人口信息")) is None
    result = host.verify_proof(_request(plugin.DATA_SOURCE))
    assert result is not None and result.request_id == "R-1"
    assert result.outcome is plugin.fake_outcome(_request(plugin.DATA_SOURCE))


def test_example_fake_outcomes_cover_all_three_answers() -> None:
    rng = random.Random(5)
    outcomes = {
        plugin.fake_outcome(_request(plugin.DATA_SOURCE, synthetic_applicant(rng).id_number))
        for _ in range(200)
    }
    assert outcomes == {OnlineOutcome.VERIFIED, OnlineOutcome.MISMATCH, OnlineOutcome.NOT_FOUND}


def test_example_credit_snapshot_knows_only_the_sample_identifier() -> None:
    host = _host()
    stranger = synthetic_applicant(random.Random(1))
    assert host.credit_snapshot(stranger, "0" * 64) is None
    known = stranger.model_copy(update={"id_number": "11010519491231002X"})
    snap = host.credit_snapshot(known, "1" * 64)
    assert snap is not None and snap.items[0].record_id == "EX-CREDIT-0001"


def test_example_commitment_list_is_valid() -> None:
    (reg,) = _host().commitment_lists()
    clist = load_list(reg.source)
    assert clist.list_id == "EXAMPLE-411222-SCJG"
    assert [f for f in lint_list(clist) if f.level == "ERROR"] == []


def test_example_store_and_renderer() -> None:
    host = _host()
    store = host.open_store("example://demo")
    try:
        assert isinstance(store, SqliteStore)
    finally:
        store.close()
    assert host.render_document("notice", None, "txt") is not None
    assert host.render_document("notice", None, "html") is None


def test_example_signer_from_configured_key_file(tmp_path: Path) -> None:
    key = tmp_path / "seal.pem"
    key.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    host = _host(seals={"11411222005123034K": {"key_file": str(key)}})
    assert set(host.signers()) == {"11411222005123034K"}


def test_example_events_deduplicated_and_logged(tmp_path: Path) -> None:
    log_file = tmp_path / "events.jsonl"
    host = _host(event_log=str(log_file))
    store = SqliteStore(tmp_path / "outbox.db")
    try:
        with store.transaction() as tx:
            tx.enqueue("case.decided", {"case_no": "C-1"}, idempotency_key="case.decided:C-1:7")
        plugin.event_log.events.clear()
        assert deliver_pending(store, host).delivered == 1
        again = plugin.LifecycleEvent("case.decided", "case.decided:C-1:7", {"case_no": "C-1"})
        assert plugin.event_log.receive(again) is False  # at-least-once → de-duplicated
        assert log_file.read_text(encoding="utf-8").count("case.decided:C-1:7") == 1
    finally:
        store.close()
        host.shutdown()


def test_example_certificate_identities_reads_only_its_ca() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from gaozhi_sdk.esign import DEFAULT_POLICY, SubjectKind
    from gaozhi_sdk.testing import TestPKI

    ours = TestPKI.create(name=plugin.EXAMPLE_CA_NAME)
    other = TestPKI.create()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "张三@11010519491231002X")])
    mine = ours.issue_certificate(key.public_key(), subject)
    theirs = other.issue_certificate(key.public_key(), subject)
    host = _host()
    assert [i.value for i in host.certificate_identities(mine)] == ["11010519491231002X"]
    assert host.certificate_identities(theirs) == []
    policy = DEFAULT_POLICY.with_options(identity_hook=host.certificate_identities)
    assert policy.subject_of(mine).kind is SubjectKind.PERSON
    assert policy.subject_of(theirs).kind is SubjectKind.NONE
