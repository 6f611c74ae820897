"""gaozhi-plugin-sharing-http — provincial data sharing over HTTP for gaozhi-sdk.

Entry point ``sharing-http`` in the ``gaozhi_sdk`` group (object
:data:`gaozhi_plugin_sharing_http.plugin.plugin`).
"""

from gaozhi_plugin_sharing_http.connector import (
    AssistStatus,
    ConnectorSettings,
    SharingHttpConnector,
)
from gaozhi_plugin_sharing_http.plugin import SharingHttpPlugin

__all__ = ["AssistStatus", "ConnectorSettings", "SharingHttpConnector", "SharingHttpPlugin"]
__version__ = "0.1.0"
