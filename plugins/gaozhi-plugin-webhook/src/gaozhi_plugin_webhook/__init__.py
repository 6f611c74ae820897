"""gaozhi-plugin-webhook — signed lifecycle-event delivery to department systems."""

from gaozhi_plugin_webhook.plugin import WebhookPlugin, verify_webhook

__all__ = ["WebhookPlugin", "verify_webhook"]
__version__ = "0.1.0"
