"""Fixtures of the plugin-host tests: the opt-in test kit of gaozhi-sdk itself."""

from gaozhi_sdk.testing.plugin import gaozhi_service, plugin_host, register_plugin

__all__ = ["gaozhi_service", "plugin_host", "register_plugin"]
