"""Mutual TLS for uvicorn: the client certificate reaches the application.

uvicorn verifies the client certificate against ``ssl_ca_certs`` (``ssl_cert_reqs =
CERT_REQUIRED``) but does not put it into the ASGI scope. This protocol class (passed as
``http=``) reads the peer certificate once per connection and adds its DER as
``scope["gaozhi.peer_cert"]``; :mod:`gaozhi_sdk.server.auth` maps its SHA-256 to a
credential.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ClientCertH11Protocol"]


class ClientCertH11Protocol(H11Protocol):
    """h11 protocol that exposes the verified client certificate to the app."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            inner = self.app

            async def with_cert(scope: Any, receive: Any, send: Any) -> None:
                scope["gaozhi.peer_cert"] = der
                await inner(scope, receive, send)

            self.app = with_cert
