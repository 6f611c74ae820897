"""A proxy's special authorisation as evidence the applicant signed (R-024, DESIGN §4).

A pledge signed by a proxy names the proxy and its special authorisation; on their own
those fields are only what the proxy says. The strict signer policy accepts the proxy's
signature only when the pledge carries the applicant's signed authorisation
(``proxy.authorization.signed_grant``, a bundle of payload type ``proxy-authorization``)
that:

* validates TOTAL_PASSED under the verifier's own anchors and policy — signed by the
  grantor, i.e. the pledgor (the ``proxy-authorization`` rule), at the pledge's
  validation time; a grant signed with an event certificate (``signingMethod``
  ``EVENT_CERTIFICATE``: chaining to an event-certificate anchor, valid minutes) at its
  own time-stamped signing time, as the proxy may sign days later;
* names this pledge's pledgor as grantor and this proxy (identifier) as proxy, this case
  and notice, the same matter and authorisation number, every pledged proof, express
  authority to pledge, a validity period covering the pledge's signing date, and a grant
  time not after it;
* was not revoked by the applicant, as far as the caller knows (``revoked``: the numbers
  of the authorisations the grantor revoked for this case — the service's record;
  an offline verifier knows none, and the service refuses a pledge under a revoked
  grant when it arrives, so none is ever stored).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign.bundle import Bundle
from gaozhi_sdk.ids import mask_identifier

if TYPE_CHECKING:
    from gaozhi_sdk.esign.policy import SignerContext

__all__ = ["GRANT_REVOKED", "grant_problem", "revoked_reason"]

_GRANT_TYPE = "application/vnd.gaozhi.proxy-authorization+json;version=1"

#: The code of a special authorisation the applicant revoked (R-024).
GRANT_REVOKED = "GZ-AU-012"


def revoked_reason() -> tuple[str, str]:
    """Why a revoked special authorisation entitles no one, as (Chinese, English)."""
    return (
        f"申请人已撤销该特别授权书 ({GRANT_REVOKED}, R-024)",
        f"the applicant revoked this special authorisation ({GRANT_REVOKED}, R-024)",
    )


def grant_problem(
    pledge: Any,
    proxy: Any,
    ctx: SignerContext,
    *,
    name_pledgor: bool = True,
    revoked: Collection[str] = (),
) -> tuple[bool, str, str] | None:
    """Why the pledge's signed authorisation does not entitle its proxy, or None.

    ``pledge``: the parsed :class:`~gaozhi_sdk.models.Pledge`; ``proxy``: its ``proxy``.
    ``name_pledgor``: the reasons name the pledgor by masked identifier (a verifier's
    report); False for answers to a proxy not yet shown to be entitled, who must learn
    nothing of the applicant — and then one reason for a grant of another grantor, proxy,
    case or notice (which of them differs would tell whose case it is). ``revoked``:
    authorisation numbers the grantor revoked for the pledge's case (checked last: only
    a grant that would otherwise entitle the proxy is reported as revoked,
    :data:`GRANT_REVOKED`).
    Returns ``(undecided, zh, en)``: ``undecided`` when the grant's own validation is
    INDETERMINATE (e.g. no anchor was given) — the proxy's entitlement cannot be decided —
    else the grant is missing, invalid or does not bind this pledge.
    """
    from gaozhi_sdk.esign.validate import validate

    auth = proxy.authorization
    who = f" {mask_identifier(pledge.pledgor.id_number)}" if name_pledgor else ""
    if not auth.signed_grant:
        return (
            False,
            f"承诺书未附承诺人{who} 签署的特别授权书 (proxy-authorization), "
            "代为承诺人自称的授权不足为凭 (R-024)",
            f"the pledge carries no special authorisation signed by the pledgor{who} "
            "(proxy-authorization); a proxy's own claim of authority is not evidence",
        )
    try:  # only a grant is looked into: no pledge-in-a-pledge recursion
        carried_bundle = Bundle.from_json(auth.signed_grant)
        carried: str | None = carried_bundle.payload_type
    except (GaozhiError, ValueError):
        carried_bundle, carried = None, None
    if carried != _GRANT_TYPE:
        return (
            False,
            f"所附特别授权书不是 proxy-authorization 签名文件 (文档类型 {carried})",
            f"the attached special authorisation is not a proxy-authorization bundle "
            f"(payload type {carried})",
        )
    if ctx.trust is None:
        return (
            True,
            "验证方未提供信任库, 无法验证特别授权书的签名",
            "no trust store was given to verify the special authorisation's signature",
        )
    # A grant signed with an event certificate (minutes long) is judged at its own
    # time-stamped signing time, not at the pledge's, which may come days later.
    event = carried_bundle is not None and carried_bundle.method.value == "EVENT_CERTIFICATE"
    at = None if event else ctx.at
    report = validate(auth.signed_grant.encode("utf-8"), ctx.trust, at=at, policy=ctx.policy)
    if not report.passed or report.payload_type != _GRANT_TYPE:
        sub = f"/{report.sub_indication.value}" if report.sub_indication else ""
        return (
            report.indication.value == "INDETERMINATE",
            f"所附特别授权书未通过验证 ({report.indication.value}{sub}, "
            f"文档类型 {report.payload_type}): 须为承诺人{who} 签署的 proxy-authorization",
            f"the attached special authorisation does not validate "
            f"({report.indication.value}{sub}, {report.payload_type}): it must be a "
            f"proxy-authorization signed by the pledgor{who}",
        )
    from gaozhi_sdk.esign.validate import payload_model

    grant = payload_model(auth.signed_grant)
    mismatch = _mismatch(pledge, proxy, grant, name_pledgor=name_pledgor)
    if mismatch is not None:
        return (
            False,
            f"承诺人签署的特别授权书与本承诺书不符: {mismatch[0]} (R-024)",
            f"the pledgor's signed special authorisation does not match this pledge: {mismatch[1]}",
        )
    if auth.authorization_id in revoked:  # the grant's own number (checked above)
        return (False, *revoked_reason())
    return None


#: To a proxy not yet shown to be entitled (``name_pledgor=False``), the one reason for a
#: grant of another grantor, proxy, case or notice (R-024): which of them differs would
#: tell a proxy holding X's grant which other cases are X's.
_NOT_THIS_CASE = ("授权书不是对本办件及所载代为承诺人的授权", "not a grant for this case and proxy")
#: How many of :func:`_mismatch`'s checks are about whose grant for which case.
_IDENTITY_CHECKS = 4


def _mismatch(
    pledge: Any, proxy: Any, grant: Any, *, name_pledgor: bool = True
) -> tuple[str, str] | None:
    auth = proxy.authorization
    on = pledge.signed_at.date()
    pledged = {item.entry_id for item in pledge.items}
    checks = (
        (
            (grant.grantor.id_type, grant.grantor.id_number)
            == (pledge.pledgor.id_type, pledge.pledgor.id_number),
            "授权人不是承诺人",
            "the grantor is not the pledgor",
        ),
        (
            (grant.proxy.id_type, grant.proxy.id_number)
            == (proxy.party.id_type, proxy.party.id_number),
            "被授权人不是承诺书所载代为承诺人",
            "the grantee is not the proxy the pledge names",
        ),
        (grant.case_no == pledge.case_no, "办件编号不同", "another case"),
        (grant.notice_id == pledge.notice_id, "告知书编号不同", "another notice"),
        (grant.matter_code == pledge.matter_code, "事项编码不同", "another matter"),
        (
            grant.authorization_id == auth.authorization_id,
            "授权书编号与承诺书所载不同",
            "another authorisation number",
        ),
        (pledged <= set(grant.entry_ids), "未授权全部承诺事项", "not every pledged proof"),
        (grant.express_pledge_authority, "不是明确的代为承诺授权", "no express authority"),
        (
            grant.valid_from <= on <= grant.valid_to,
            f"签署日期 {on} 不在授权期限 {grant.valid_from}–{grant.valid_to} 内",
            f"the signing date {on} is outside {grant.valid_from}–{grant.valid_to}",
        ),
        (
            grant.granted_at <= pledge.signed_at,
            "授权时间晚于承诺书签署时间",
            "granted after the pledge was signed",
        ),
    )
    for i, (ok, zh, en) in enumerate(checks):
        if not ok:
            return _NOT_THIS_CASE if i < _IDENTITY_CHECKS and not name_pledgor else (zh, en)
    return None
