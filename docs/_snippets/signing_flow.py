"""Docs snippet setup: a sandbox whose service has an identity provider, an
event-certificate CA and a TSA (all emulated, in-process), and one case whose applicant
chose to pledge.

Defines ``box``, ``svc``, ``me`` (the applicant), ``case_no``, ``clerk``, ``trust``,
``idp`` and ``ca`` for the snippets of signing-methods.md (tests/docs runs them).
"""

from gaozhi_sdk.testing import Sandbox

box = Sandbox.open("sqlite:///gaozhi.db", applicant_signing=True)
svc, clerk, trust = box.svc, box.clerk, box.trust
idp, ca = box.identity_provider, box.event_ca
notice, me = box.pledge_ready_case(["SZ-GA-HJ-001"])
case_no = notice.case_no
