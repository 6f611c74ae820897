"""Authorisation matrix over HTTP (issue 13, 6b): every operation × every role × own / other
organ (and own / other applicant) is allowed exactly where the role policy allows it, and
refused with 403 *and* a REFUSED journal entry everywhere else.

The expectation comes from the library's :class:`RolePolicy` for transitions and from the
service's read policy (officials of the owning organ, the asserted applicant, auditors)
for reads. Refused callers go first, so the first allowed caller finds the resource in the
state it needs; a later allowed caller may meet a state conflict (409) — never a 403.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from gaozhi_sdk.errors import PermissionDeniedError
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.store import SqliteStore
from gaozhi_sdk.testing.sandbox import sample_list_text
from gaozhi_sdk.testing.server import OWNER_USCC, STANDARD_ACTORS, ServedService, SignedClient
from gaozhi_sdk.workflow.roles import RolePolicy

from .conftest import LIST_ID, ONLINE_ENTRY, as_applicant, new_applicant, open_case, pledge_chosen

ON_SITE_ENTRY = "SZ-WJ-YL-001"
POLICY = RolePolicy()
OVERSIGHT = {ActorRole.AUDITOR, ActorRole.SYSTEM}
REPORTING = {ActorRole.AUDITOR, ActorRole.JUSTICE_REVIEWER, ActorRole.SYSTEM}
CALLERS = [*STANDARD_ACTORS, "applicant-own", "applicant-other"]


@dataclass
class Target:
    """The resource an operation acts on."""

    case_no: str = ""
    notice_id: str = ""
    verification_id: str = ""
    applicant_id: str = ""
    signed: dict[str, str] = field(default_factory=dict)  # a grant's session and signature


@dataclass
class Op:
    """One operation of the matrix."""

    name: str
    method: str
    path: str  # with {case_no}, {notice_id}, {verification_id}
    setup: Callable[[ServedService, int], Target]
    allowed: Callable[[Actor, Target], bool]
    body: Callable[[ServedService, Target], Any] = lambda _s, _t: {}


def _actor(caller: str, target: Target) -> Actor:
    if caller == "applicant-own":
        return Actor(role=ActorRole.APPLICANT, actor_id=target.applicant_id)
    if caller == "applicant-other":
        return Actor(role=ActorRole.APPLICANT, actor_id=new_applicant(4242).id_number)
    role, actor_id, organ = STANDARD_ACTORS[caller]
    return Actor(role=role, actor_id=actor_id, organ_uscc=organ)


def _client(served: ServedService, caller: str, actor: Actor) -> SignedClient:
    if caller.startswith("applicant-"):
        return served.client("platform").acting_for(actor.actor_id)
    return served.client(caller)


def policy(action: str, *, own_case: bool = False) -> Callable[[Actor, Target], bool]:
    """Allowed by the library's role policy (and, for personal roles, only on one's case)."""

    def allowed(actor: Actor, target: Target) -> bool:
        try:
            POLICY.check(actor, action, OWNER_USCC)
        except PermissionDeniedError:
            return False
        personal = actor.role in (ActorRole.APPLICANT, ActorRole.PROXY)
        return not (own_case and personal and actor.actor_id != target.applicant_id)

    return allowed


def read_policy(actor: Actor, target: Target) -> bool:
    """The service's read policy."""
    if actor.role in OVERSIGHT:
        return True
    if actor.role in (ActorRole.APPLICANT, ActorRole.PROXY):
        return actor.actor_id == target.applicant_id
    return actor.organ_uscc == OWNER_USCC


def _chain(served: ServedService, applicant_id: str | None = None) -> list[str]:
    signer = served.pki.applicant("申请人 #matrix", applicant_id)
    return [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]


# -- setups ---------------------------------------------------------------------------------
def notice_issued(served: ServedService, seed: int) -> Target:
    case_no, app = open_case(served, seed)
    case = served.client("clerk").get(f"/v1/cases/{case_no}").json()
    return Target(case_no=case_no, notice_id=case["notice_id"], applicant_id=app.id_number)


def chosen(served: ServedService, seed: int, entry: str = ONLINE_ENTRY) -> Target:
    case_no, app = pledge_chosen(served, seed, entry)
    return Target(case_no=case_no, applicant_id=app.id_number)


def choices_recorded(served: ServedService, seed: int) -> Target:
    case_no, app = open_case(served, seed)
    r = as_applicant(served, app).post(
        f"/v1/cases/{case_no}/choices", {"choices": [{"entry_id": ONLINE_ENTRY, "mode": "PLEDGE"}]}
    )
    assert r.status_code == 200, r.text
    return Target(case_no=case_no, applicant_id=app.id_number)


def pledged(served: ServedService, seed: int, entry: str = ONLINE_ENTRY) -> Target:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    t = chosen(served, seed, entry)
    signer = served.pki.applicant("申请人 #matrix", t.applicant_id)
    me = served.client("platform").acting_for(t.applicant_id)
    dts = me.post(
        f"/v1/cases/{t.case_no}/pledge/data-to-sign",
        {"certificate_chain": _chain(served, t.applicant_id)},
    )
    assert dts.status_code == 200, dts.text
    sig = signer.private_key.sign(base64.b64decode(dts.json()["pae"]), ec.ECDSA(hashes.SHA256()))
    r = me.post(
        f"/v1/cases/{t.case_no}/pledge/signature",
        {"session_id": dts.json()["session_id"], "signature": base64.b64encode(sig).decode()},
    )
    assert r.status_code == 201, r.text
    return t


def accepted(served: ServedService, seed: int, entry: str = ONLINE_ENTRY) -> Target:
    t = pledged(served, seed, entry)
    r = served.client("clerk").post(f"/v1/cases/{t.case_no}/accept")
    assert r.status_code == 200, r.text
    t.verification_id = r.json()[0]["verification_id"]
    return t


GRANT_NO = "SQ-MATRIX-1"


def only_applicant(actor: Actor, target: Target) -> bool:
    """R-024: the case's applicant — the grantor — and no one else signs or revokes a grant."""
    return actor.role is ActorRole.APPLICANT and actor.actor_id == target.applicant_id


def _grant_terms(served: ServedService, target: Target) -> dict[str, Any]:
    case = served.client("clerk").get(f"/v1/cases/{target.case_no}").json()
    today = date.today()
    return {
        "party": new_applicant(9191).model_dump(mode="json"),
        "authorization": {
            "authorization_id": GRANT_NO,
            "grantor_id_number": target.applicant_id,
            "matter_code": case["matter_code"],
            "entry_ids": [ONLINE_ENTRY],
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
            "express_pledge_authority": True,
            "document_ref": "特别授权书 #matrix",
        },
    }


def _grant_body(served: ServedService, target: Target) -> dict[str, Any]:
    return {
        "certificate_chain": _chain(served, target.applicant_id),
        "proxy": _grant_terms(served, target),
    }


def grant_to_sign(served: ServedService, seed: int) -> Target:
    """A grant's data to sign, opened and signed by the applicant (not yet submitted)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    t = notice_issued(served, seed)
    signer = served.pki.applicant("申请人 #matrix", t.applicant_id)
    me = served.client("platform").acting_for(t.applicant_id)
    dts = me.post(f"/v1/cases/{t.case_no}/authorizations/data-to-sign", _grant_body(served, t))
    assert dts.status_code == 200, dts.text
    sig = signer.private_key.sign(base64.b64decode(dts.json()["pae"]), ec.ECDSA(hashes.SHA256()))
    t.signed = {"session_id": dts.json()["session_id"], "signature": base64.b64encode(sig).decode()}
    return t


def grant_signed(served: ServedService, seed: int) -> Target:
    t = grant_to_sign(served, seed)
    me = served.client("platform").acting_for(t.applicant_id)
    r = me.post(f"/v1/cases/{t.case_no}/authorizations/signature", t.signed)
    assert r.status_code == 201, r.text
    return t


def nothing(_served: ServedService, _seed: int) -> Target:
    return Target(applicant_id=new_applicant(777).id_number)


_LIST_SEQ = iter(range(1, 1000))


def _new_list(_s: ServedService, _t: Target) -> Any:
    doc = load_list(sample_list_text()).model_dump(mode="json")
    doc["list_id"] = f"SZ-411222-MATRIX-{next(_LIST_SEQ):03d}"
    return doc


OPS = [
    Op("issue notice", "POST", "/v1/notices", nothing, policy("case.issue_notice"),
       lambda _s, t: {"list_id": LIST_ID, "entry_ids": [ONLINE_ENTRY],
                      "applicant": new_applicant(31337).model_dump(mode="json")}),
    Op("read case", "GET", "/v1/cases/{case_no}", notice_issued, read_policy),
    Op("read notice", "GET", "/v1/notices/{notice_id}", notice_issued, read_policy),
    Op("notice document", "GET", "/v1/notices/{notice_id}/document", notice_issued, read_policy),
    Op("record choices", "POST", "/v1/cases/{case_no}/choices", notice_issued,
       policy("case.record_choices", own_case=True),
       lambda _s, _t: {"choices": [{"entry_id": ONLINE_ENTRY, "mode": "PLEDGE"}]}),
    Op("eligibility", "POST", "/v1/cases/{case_no}/eligibility", choices_recorded,
       policy("case.mark_ineligible")),
    Op("pledge draft", "POST", "/v1/cases/{case_no}/pledge/draft", chosen, read_policy),
    Op("data to sign", "POST", "/v1/cases/{case_no}/pledge/data-to-sign", chosen,
       policy("case.sign_pledge", own_case=True),
       lambda s, t: {"certificate_chain": _chain(s, t.applicant_id)}),
    Op("grant data to sign", "POST", "/v1/cases/{case_no}/authorizations/data-to-sign",
       notice_issued, only_applicant, _grant_body),
    Op("grant signature", "POST", "/v1/cases/{case_no}/authorizations/signature",
       grant_to_sign, only_applicant, lambda _s, t: t.signed),
    Op("grant revocation", "POST",
       "/v1/cases/{case_no}/authorizations/" + GRANT_NO + "/revocation",
       grant_signed, only_applicant),
    Op("accept", "POST", "/v1/cases/{case_no}/accept", pledged, policy("case.accept")),
    Op("case verifications", "GET", "/v1/cases/{case_no}/verifications", pledged, read_policy),
    Op("pledge bundle", "GET", "/v1/cases/{case_no}/pledge/bundle", pledged, read_policy),
    Op("read verification", "GET", "/v1/verifications/{verification_id}", accepted, read_policy),
    Op("dispatch on site", "POST", "/v1/verifications/{verification_id}/on-site/dispatch",
       lambda s, n: accepted(s, n, ON_SITE_ENTRY), policy("verification.dispatch_on_site"),
       lambda _s, _t: {"inspector": "IN0007"}),
    Op("list verifications", "GET", "/v1/verifications", nothing,
       lambda a, _t: a.role not in (ActorRole.APPLICANT, ActorRole.PROXY)),
    Op("statistics", "GET", "/v1/statistics", nothing, lambda a, _t: a.role in REPORTING),
    Op("deliver events", "POST", "/v1/events/deliver", nothing,
       lambda a, _t: a.role is ActorRole.SYSTEM),
    Op("draft list", "POST", "/v1/lists", nothing, policy("entry.draft"), _new_list),
]  # fmt: skip


@pytest.mark.parametrize("op", OPS, ids=[o.name for o in OPS])
def test_every_role_is_allowed_exactly_where_the_policy_allows(
    op: Op, served: ServedService
) -> None:
    seed = 5000 + OPS.index(op) * 10
    target = op.setup(served, seed)
    path = op.path.format(
        case_no=target.case_no,
        notice_id=target.notice_id,
        verification_id=target.verification_id,
    )
    plan = [(c, _actor(c, target)) for c in CALLERS]
    plan.sort(key=lambda ca: op.allowed(ca[1], target))  # refused callers first
    store = SqliteStore(served.workdir / "gaozhi.db")
    succeeded = []
    try:
        for caller, actor in plan:
            client = _client(served, caller, actor)
            head = store.journal_head()
            before = 0 if head is None else head.seq
            body = op.body(served, target) if op.method == "POST" else None
            r = client.request(op.method, path, json_body=body)
            expected = op.allowed(actor, target)
            refusals = [e for e in store.journal(after_seq=before) if e.outcome == "REFUSED"]
            if expected:
                assert r.status_code not in (401, 403), (op.name, caller, r.status_code, r.text)
                assert r.status_code < 500, (op.name, caller, r.text)
                if r.status_code < 300:
                    succeeded.append(caller)
                # a later allowed caller may meet a state conflict, never an authorisation one
                denied = [e for e in refusals if str(e.detail.get("code")).startswith("GZ-AU-")]
                assert not denied, (op.name, caller, [e.detail for e in denied])
            else:
                assert r.status_code == 403, (op.name, caller, r.status_code, r.text)
                code = r.json()["code"]
                assert code.startswith("GZ-AU-"), (op.name, caller, code)
                assert [e.detail.get("code") for e in refusals] == [code], (op.name, caller)
                assert refusals[0].actor["role"] == actor.role.value
    finally:
        store.close()
    assert succeeded, f"{op.name}: no allowed caller succeeded"


def test_the_matrix_allows_and_refuses_somewhere_for_every_operation() -> None:
    """Guard against a matrix that cannot fail: every row has both outcomes."""
    t = Target(applicant_id=new_applicant(1).id_number)
    for op in OPS:
        outcomes = {op.allowed(_actor(c, t), t) for c in CALLERS}
        assert outcomes == {True, False}, op.name
