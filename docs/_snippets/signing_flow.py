"""Docs snippet setup: a service with an identity provider, an event-certificate CA and a
TSA (all emulated, in-process), and one case whose applicant chose to pledge.

Defines ``svc``, ``me`` (the applicant), ``case_no``, ``clerk``, ``trust``, ``idp``, ``ca``,
``tsa`` and ``pki`` for the snippets of signing-methods.md (tests/docs runs them).
"""

import random
from datetime import date

from gaozhi_sdk import PledgeService, load_list
from gaozhi_sdk.esign import AnchorPurpose
from gaozhi_sdk.models import Actor, ActorRole, ProofChoice, ProofMode, ReviewRecord
from gaozhi_sdk.testing import (
    EmulatedEventCA,
    EmulatedIdentityProvider,
    LocalTSA,
    TestPKI,
    sample_list_text,
    synthetic_applicant,
)

clist = load_list(sample_list_text())
organ = clist.owner_uscc or ""
pki = TestPKI.create()
tsa = LocalTSA.create()
idp = EmulatedIdentityProvider()
ca = EmulatedEventCA({idp.name: idp.public_key})
trust = pki.trust_store()
trust.add_root(tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
trust.add_root(ca.root_certificate, purposes=AnchorPurpose.EVENT_CERTIFICATE)
svc = PledgeService.open(
    "sqlite:///gaozhi.db",
    signers={organ: pki.organ_seal(clist.owner_organ, organ)},
    trust=trust,
    tsa=tsa,
    identity_provider=idp,
    event_ca=ca,
)
officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=organ)
reviewer = Actor(role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001")
clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=organ)
svc.lists.draft(clist, officer)
svc.lists.submit(clist.list_id, clist.version, officer)
svc.lists.publish(
    clist.list_id,
    clist.version,
    ReviewRecord(reviewer="司法局", reviewed_on=date(2025, 5, 28)),
    reviewer,
)
applicant = synthetic_applicant(random.Random(11))
me = Actor(role=ActorRole.APPLICANT, actor_id=applicant.id_number)
notice = svc.cases.issue_notice(
    list_id=clist.list_id, entry_ids=["SZ-GA-HJ-001"], applicant=applicant, actor=clerk
)
case_no = notice.case_no
svc.cases.record_choices(case_no, [ProofChoice(entry_id="SZ-GA-HJ-001", mode=ProofMode.PLEDGE)], me)
