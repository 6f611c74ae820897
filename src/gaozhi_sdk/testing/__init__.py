"""Test kit for gaozhi-sdk users and plugin authors (opt-in; not imported by the core).

* :class:`SimulatedClock` — a clock that moves only when told to;
* :class:`TestPKI` — a throw-away CA whose certificates follow the clock given to it;
* :class:`Sandbox` — a service at a simulated date with the sample list published, and
  :meth:`Sandbox.pledge_case` to take a case from notice to acceptance;
* :class:`FakeDataSharingProvider`, :class:`FakeCreditSource` — in-process provider fakes;
* :func:`synthetic_applicant`, :func:`synthetic_resident_id`, :func:`synthetic_uscc` —
  valid but invented identifiers;
* :func:`sample_list` / :func:`sample_list_text` — the packaged sample commitment list;
  :func:`sample_impact_assessment` — a personal information impact assessment (R-094);
* :class:`LocalTSA` — an RFC 3161 time-stamping authority on 127.0.0.1 (test keys);
* :class:`EmulatedIdentityProvider`, :class:`EmulatedEventCA` — real-name authentication
  with scripted outcomes and signed tokens, and a CA issuing 10-minute event certificates
  (also over HTTP on 127.0.0.1; DESIGN §4a).
"""

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.testing.clock import SimulatedClock
from gaozhi_sdk.testing.event_ca import EmulatedEventCA
from gaozhi_sdk.testing.fakes import FakeCreditSource, FakeDataSharingProvider
from gaozhi_sdk.testing.identity import EmulatedIdentityProvider
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.sandbox import (
    PledgedCase,
    Sandbox,
    sample_impact_assessment,
    sample_list,
    sample_list_text,
)
from gaozhi_sdk.testing.synthetic import (
    synthetic_applicant,
    synthetic_resident_id,
    synthetic_uscc,
)
from gaozhi_sdk.testing.tsa import LocalTSA

__all__ = [
    "EmulatedEventCA",
    "EmulatedIdentityProvider",
    "FakeCreditSource",
    "FakeDataSharingProvider",
    "LocalTSA",
    "PledgedCase",
    "Sandbox",
    "SimulatedClock",
    "TestPKI",
    "sample_impact_assessment",
    "sample_list",
    "sample_list_text",
    "synthetic_applicant",
    "synthetic_resident_id",
    "synthetic_uscc",
]

_rehome(__name__, __all__, globals())
