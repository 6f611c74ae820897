"""gaozhi-plugin-sharing-http — provincial data sharing over HTTP for gaozhi-sdk.

Entry points in the ``gaozhi_sdk`` group: ``sharing-http`` (object
:data:`gaozhi_plugin_sharing_http.plugin.plugin`) and ``event-ca-http`` (an
event-certificate CA over HTTP, :data:`gaozhi_plugin_sharing_http.event_ca.plugin`).
"""

from gaozhi_plugin_sharing_http.connector import (
    AssistStatus,
    ConnectorSettings,
    SharingHttpConnector,
)
from gaozhi_plugin_sharing_http.event_ca import EventCaHttpPlugin, HttpEventCA
from gaozhi_plugin_sharing_http.plugin import SharingHttpPlugin

__all__ = [
    "AssistStatus",
    "ConnectorSettings",
    "EventCaHttpPlugin",
    "HttpEventCA",
    "SharingHttpConnector",
    "SharingHttpPlugin",
]
__version__ = "0.1.0"
