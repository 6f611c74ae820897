"""PluginHost: typed hooks, checked registrations and decision hooks (DESIGN §5)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pytest

from gaozhi_sdk import GaozhiError, PluginHost, hookimpl
from gaozhi_sdk.models import Applicant
from gaozhi_sdk.models.enums import OnlineOutcome
from gaozhi_sdk.models.parties import CreditSnapshot
from gaozhi_sdk.plugin_types import ProviderRegistration, SignerRegistration, StoreRegistration
from gaozhi_sdk.plugins import PluginConflictError, PluginContractError
from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult
from gaozhi_sdk.testing.synthetic import synthetic_applicant

Register = Callable[..., str]


def _request(request_id: str = "V-1-online", source: str = "全国人口信息") -> ProofCheckRequest:
    return ProofCheckRequest(
        request_id=request_id,
        verification_id="V-1",
        case_no="C-1",
        entry_id="E-1",
        data_source=source,
        subject_id_type="居民身份证",
        subject_id_number="11010519491231002X",
        subject_name="张三",
        proof_name="户籍证明",
        proof_content="本市户籍",
    )


def _applicant() -> Applicant:
    return synthetic_applicant(random.Random(7))


# -- typed hooks: rejected at registration, naming the plugin -----------------------------------


def test_unknown_hook_name_fails_at_registration_naming_plugin(plugin_host: PluginHost) -> None:
    class Typo:
        @hookimpl
        def gaozhi_verfy_proof(self, request: Any) -> None:
            """Misspelt."""

    with pytest.raises(PluginContractError) as ei:
        plugin_host.register(Typo(), name="typo-plugin")
    assert ei.value.code == "GZ-PL-003"
    assert "typo-plugin" in ei.value.message and "gaozhi_verfy_proof" in ei.value.message
    assert not plugin_host.is_registered("typo-plugin")


def test_signature_mismatch_fails_at_registration_naming_plugin(plugin_host: PluginHost) -> None:
    class Extra:
        @hookimpl
        def gaozhi_verify_proof(self, request: Any, province: Any) -> None:
            """Asks for an argument the spec does not have."""

    with pytest.raises(PluginContractError) as ei:
        plugin_host.register(Extra(), name="extra-arg")
    assert ei.value.code == "GZ-PL-002"
    assert "extra-arg" in ei.value.message and "province" in ei.value.message
    assert ei.value.details["plugin"] == "extra-arg"
    assert not plugin_host.is_registered("extra-arg")


def test_hook_argument_with_default_is_rejected(plugin_host: PluginHost) -> None:
    class Defaulted:
        @hookimpl
        def gaozhi_render_document(self, kind: Any, model: Any, fmt: Any = "html") -> None:
            """pluggy would never pass fmt."""

    with pytest.raises(PluginContractError) as ei:
        plugin_host.register(Defaulted(), name="defaulted")
    assert ei.value.code == "GZ-PL-002" and "fmt" in ei.value.message


def test_class_instead_of_instance_is_rejected(plugin_host: PluginHost) -> None:
    class Plugin:
        @hookimpl
        def gaozhi_shutdown(self) -> None:
            """Nothing."""

    with pytest.raises(PluginContractError) as ei:
        plugin_host.register(Plugin)
    assert ei.value.code == "GZ-PL-008"


def test_opt_in_arguments_impl_may_take_fewer(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    seen: list[str] = []

    class OnlyDigest:
        @hookimpl
        def gaozhi_credit_snapshot(self, subject_digest: str) -> CreditSnapshot:
            """Uses only the digest."""
            seen.append(subject_digest)
            return CreditSnapshot(
                subject_digest=subject_digest, taken_at=date(2026, 1, 5), source="x"
            )

    register_plugin(OnlyDigest(), name="only-digest")
    snap = plugin_host.credit_snapshot(_applicant(), "d" * 64)
    assert snap is not None and snap.source == "x" and seen == ["d" * 64]


def test_non_prefixed_attributes_are_ignored(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    class Helper:
        @hookimpl
        def gaozhi_shutdown(self) -> None:
            """Fine."""

        @property
        def explodes(self) -> None:
            raise RuntimeError("must never be read")

    register_plugin(Helper(), name="helper")
    assert plugin_host.is_registered("helper")


# -- registrations ------------------------------------------------------------------------------


class Providers:
    def __init__(self, tag: str, regs: Iterable[Any]) -> None:
        self.tag = tag
        self.regs = list(regs)

    @hookimpl
    def gaozhi_register_providers(self) -> Iterable[Any]:
        """Yields what the test gives it."""
        yield from self.regs


def test_providers_sorted_by_priority_and_built_with_config_section(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    built: list[Any] = []

    def factory(cfg: Any) -> str:
        built.append(dict(cfg))
        return "verifier"

    register_plugin(
        Providers(
            "a",
            [
                ProviderRegistration("online_verifier", "low", factory, priority=1),
                ProviderRegistration("online_verifier", "high", factory, priority=5),
                ProviderRegistration("credit_source", "credit", factory),
            ],
        ),
        name="prov-a",
    )
    plugin_host.config["plugins"] = {"high": {"endpoint": "http://127.0.0.1:1"}}
    assert [r.name for r in plugin_host.providers("online_verifier")] == ["high", "low"]
    assert plugin_host.provider("online_verifier") == "verifier"
    assert built == [{"endpoint": "http://127.0.0.1:1"}]
    with pytest.raises(PluginContractError) as ei:
        plugin_host.provider("tsa")
    assert ei.value.code == "GZ-PL-009"
    with pytest.raises(PluginContractError):
        plugin_host.providers("nonsense")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        "not a registration",
        ProviderRegistration("teleport", "x", lambda c: c),  # type: ignore[arg-type]
        ProviderRegistration("online_verifier", "", lambda c: c),
        ProviderRegistration("online_verifier", "x", "not callable"),  # type: ignore[arg-type]
        SignerRegistration("11411222005123018X", object()),  # wrong hook
    ],
)
def test_malformed_registration_is_rejected_naming_plugin(
    bad: Any, register_plugin: Register, plugin_host: PluginHost
) -> None:
    register_plugin(Providers("bad", [bad]), name="bad-registrar")
    with pytest.raises(PluginContractError) as ei:
        plugin_host.providers()
    assert ei.value.code == "GZ-PL-004" and "bad-registrar" in ei.value.message


def test_duplicate_provider_names_both_plugins(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    register_plugin(
        Providers("a", [ProviderRegistration("online_verifier", "henan", dict)]), name="plugin-a"
    )
    register_plugin(
        Providers("b", [ProviderRegistration("online_verifier", "Henan", dict)]), name="plugin-b"
    )
    with pytest.raises(PluginConflictError) as ei:
        plugin_host.providers("online_verifier")
    assert ei.value.code == "GZ-PL-005"
    assert "plugin-a" in ei.value.message and "plugin-b" in ei.value.message


def test_same_name_different_kinds_is_no_conflict(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    register_plugin(
        Providers(
            "a",
            [
                ProviderRegistration("online_verifier", "henan", dict),
                ProviderRegistration("credit_source", "henan", dict),
            ],
        ),
        name="plugin-a",
    )
    assert len(plugin_host.providers()) == 2


def test_builtin_sqlite_store_is_a_plugin_and_conflicts_are_reported(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    assert set(plugin_host.stores()) == {"sqlite"}
    builtin = next(p for p in plugin_host.plugins() if p.builtin)
    assert "gaozhi_register_stores" in builtin.hooks

    class Stores:
        @hookimpl
        def gaozhi_register_stores(self) -> Iterable[StoreRegistration]:
            """A second sqlite backend."""
            yield StoreRegistration("sqlite", lambda url: None)

    register_plugin(Stores(), name="my-sqlite")
    with pytest.raises(PluginConflictError) as ei:
        plugin_host.stores()
    assert "gaozhi_sdk.builtin" in ei.value.message and "my-sqlite" in ei.value.message


def test_plugin_store_scheme_opens_through_its_factory(
    register_plugin: Register, plugin_host: PluginHost, tmp_path: Any
) -> None:
    from gaozhi_sdk.store import SqliteStore

    opened: list[str] = []

    class Stores:
        @hookimpl
        def gaozhi_register_stores(self) -> Iterable[StoreRegistration]:
            """A ``memo://`` scheme backed by a SQLite file."""

            def factory(url: str) -> SqliteStore:
                opened.append(url)
                return SqliteStore(tmp_path / "memo.db")

            yield StoreRegistration("memo", factory)

    register_plugin(Stores(), name="memo-store")
    store = plugin_host.open_store("memo://anything")
    try:
        assert opened == ["memo://anything"] and isinstance(store, SqliteStore)
    finally:
        store.close()
    with pytest.raises(GaozhiError) as ei:
        plugin_host.open_store("mysql://db")  # no backend (postgresql:// is built in)
    assert ei.value.code == "GZ-CF-001"


# -- decision hooks -----------------------------------------------------------------------------


def test_verify_proof_first_non_none_wins_in_call_order(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    calls: list[str] = []

    class Declines:
        @hookimpl(tryfirst=True)
        def gaozhi_verify_proof(self, request: ProofCheckRequest) -> None:
            """Not my data source."""
            calls.append("declines")

    class Answers:
        @hookimpl
        def gaozhi_verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
            """Answers."""
            calls.append("answers")
            return ProofCheckResult(request_id=request.request_id, outcome=OnlineOutcome.MISMATCH)

    class Never:
        @hookimpl(trylast=True)
        def gaozhi_verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
            """Never reached."""
            calls.append("never")
            return ProofCheckResult(request_id=request.request_id, outcome=OnlineOutcome.VERIFIED)

    register_plugin(Never(), name="never")
    register_plugin(Answers(), name="answers")
    register_plugin(Declines(), name="declines")
    result = plugin_host.verify_proof(_request())
    assert result is not None and result.outcome is OnlineOutcome.MISMATCH
    assert calls == ["declines", "answers"]
    order = [c.plugin for c in plugin_host.call_order("gaozhi_verify_proof")]
    assert order == ["declines", "answers", "never"]


@pytest.mark.parametrize(
    ("hook", "value"),
    [
        ("verify_proof", {"outcome": "VERIFIED"}),
        (
            "verify_proof",
            ProofCheckResult(request_id="someone-else", outcome=OnlineOutcome.VERIFIED),
        ),
        ("credit_snapshot", "clean"),
        ("render_document", "<html>not bytes</html>"),
    ],
)
def test_decision_hook_wrong_return_type_names_plugin(
    hook: str, value: Any, register_plugin: Register, plugin_host: PluginHost
) -> None:
    class Wrong:
        @hookimpl
        def gaozhi_verify_proof(self, request: Any) -> Any:
            """Wrong shape."""
            return value if hook == "verify_proof" else None

        @hookimpl
        def gaozhi_credit_snapshot(self, applicant: Any, subject_digest: Any) -> Any:
            """Wrong shape."""
            return value if hook == "credit_snapshot" else None

        @hookimpl
        def gaozhi_render_document(self, kind: Any, model: Any, fmt: Any) -> Any:
            """Wrong shape."""
            return value if hook == "render_document" else None

    register_plugin(Wrong(), name="wrong-shape")
    with pytest.raises(PluginContractError) as ei:
        if hook == "verify_proof":
            plugin_host.verify_proof(_request())
        elif hook == "credit_snapshot":
            plugin_host.credit_snapshot(_applicant(), "d" * 64)
        else:
            plugin_host.render_document("notice", None, "html")
    assert ei.value.code == "GZ-PL-006" and "wrong-shape" in ei.value.message


def test_raising_decision_hook_is_coded_and_names_plugin(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    class Boom:
        @hookimpl
        def gaozhi_render_document(self, kind: Any, model: Any, fmt: Any) -> bytes:
            """Raises."""
            raise KeyError("template")

    register_plugin(Boom(), name="boom")
    with pytest.raises(PluginContractError) as ei:
        plugin_host.render_document("notice", None, "html")
    assert ei.value.code == "GZ-PL-007" and "boom" in ei.value.message
    assert isinstance(ei.value.__cause__, KeyError)


def test_wrapper_runs_around_decision_hook(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    class Renderer:
        @hookimpl
        def gaozhi_render_document(self, kind: Any, model: Any, fmt: Any) -> bytes:
            """Renders."""
            return b"<p>notice</p>"

    class Stamp:
        @hookimpl(wrapper=True)
        def gaozhi_render_document(self, kind: Any, model: Any, fmt: Any) -> Any:
            """Adds a footer."""
            res = yield
            return res + b"<footer/>"

    register_plugin(Renderer(), name="renderer")
    register_plugin(Stamp(), name="stamp")
    assert plugin_host.render_document("notice", None, "html") == b"<p>notice</p><footer/>"
    assert plugin_host.call_order("gaozhi_render_document")[0].wrapper


def test_online_verifier_adapter_never_verified_by_default(
    register_plugin: Register, plugin_host: PluginHost
) -> None:
    """R-044/R-046: no plugin answering → NOT_FOUND (routes to assisted), never VERIFIED."""
    assert plugin_host.online_verifier() is None

    class NotMine:
        @hookimpl
        def gaozhi_verify_proof(self, request: ProofCheckRequest) -> None:
            """Declines everything."""

    register_plugin(NotMine(), name="not-mine")
    verifier = plugin_host.online_verifier()
    assert verifier is not None
    result = verifier.verify_proof(_request())
    assert result.outcome is OnlineOutcome.NOT_FOUND and result.request_id == "V-1-online"


def test_configure_is_historic_and_shutdown_isolated(
    register_plugin: Register, plugin_host: PluginHost, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[Any] = []
    closed: list[str] = []
    plugin_host.config["plugins"] = {"late": {"x": 1}}
    plugin_host.load()  # configure already called

    class Late:
        @hookimpl
        def gaozhi_configure(self, config: Any) -> None:
            """Reads its section."""
            got.append(config["plugins"]["late"])

        @hookimpl
        def gaozhi_shutdown(self) -> None:
            """Fails to close."""
            raise OSError("busy")

    class Other:
        @hookimpl
        def gaozhi_shutdown(self) -> None:
            """Closes."""
            closed.append("other")

    register_plugin(Other(), name="other")
    register_plugin(Late(), name="late")
    assert got == [{"x": 1}]
    with caplog.at_level(logging.WARNING, logger="gaozhi_sdk.plugins"):
        plugin_host.shutdown()
    assert closed == ["other"]
    assert any("late" in r.getMessage() for r in caplog.records)
