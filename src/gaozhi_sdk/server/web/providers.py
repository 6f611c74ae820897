"""The identity provider and event-certificate CA behind the signing page (DESIGN §4a).

Production: the plugins named in ``web.identity_provider`` / ``web.event_ca`` (hooks
``gaozhi_identity_provider`` and ``gaozhi_event_certificate_authority``). Development
(``gaozhi serve --dev`` only): ``web.emulated_signing_ca`` names a saved
:class:`~gaozhi_sdk.testing.TestPKI` folder; the emulated identity provider and an
emulated event CA with that PKI are used, and the CA's root becomes an
``EVENT_CERTIFICATE`` anchor of the service. Refused without ``--dev`` (GZ-CF-065).
"""

from __future__ import annotations

from gaozhi_sdk.authentication import EventCertificateAuthority, IdentityProvider
from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.esign import TrustStore
from gaozhi_sdk.esign.trust import AnchorPurpose
from gaozhi_sdk.server.config import ServiceConfig

__all__ = ["signing_services"]


def signing_services(
    config: ServiceConfig, *, dev: bool, trust: TrustStore
) -> tuple[IdentityProvider | None, EventCertificateAuthority | None]:
    """(identity provider, event CA) for the service, or (None, None) when not configured."""
    web = config.web
    if web is None:
        return None, None
    if web.emulated_signing_ca is not None:
        if not dev:
            raise ConfigError(
                "GZ-CF-065",
                "web.emulated_signing_ca (模拟实名认证与事件证书 CA) 只能在开发模式 (--dev) 下使用",
                message_en="web.emulated_signing_ca is for development mode (--dev) only",
            )
        from gaozhi_sdk.testing.event_ca import EmulatedEventCA
        from gaozhi_sdk.testing.identity import EmulatedIdentityProvider
        from gaozhi_sdk.testing.pki import TestPKI

        idp = EmulatedIdentityProvider("dev-emulated-idp")
        ca = EmulatedEventCA({idp.name: idp.public_key}, pki=TestPKI.load(web.emulated_signing_ca))
        trust.add_root(ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
        return idp, ca
    if web.identity_provider is None and web.event_ca is None:
        return None, None
    from gaozhi_sdk.plugins import PluginHost

    host = PluginHost()
    found_idp = host.identity_provider(web.identity_provider)
    found_ca = host.event_certificate_authority(web.event_ca)
    if found_idp is None or found_ca is None:
        missing = "identity_provider" if found_idp is None else "event_ca"
        raise ConfigError(
            "GZ-CF-066",
            f"未找到 web.{missing} 指定的插件 (是否已安装并启用?)",
            message_en=f"no plugin offers web.{missing}",
        )
    return found_idp, found_ca
