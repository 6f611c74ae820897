"""Who is at the browser: login assertions, server-side sessions and CSRF tokens.

The browser pages are not system callers: the applicant's browser never holds a ``/v1``
credential. The platform (政务服务网 or the organ's window system) authenticates the
person and posts a **login assertion** to ``/apply/login`` (or ``/window/login``)::

    gaozhi-login-sm3-v1.<key id>.<base64url JSON claims>.<base64url HMAC-SM3>

signed with the HMAC secret of the platform's own credential (``web.platform_credential``
in ``service.yaml``). Claims: ``aud`` (``apply`` or ``window``), ``sub`` (identifier),
``name``, ``role`` (APPLICANT, PROXY, WINDOW_CLERK), ``party_type``, ``id_type``,
``method``, ``provider``, ``txn``, ``iat``, ``exp`` (at most ``assertion_max_age_s`` after
``iat``) and ``nonce`` (accepted once). A window clerk's assertion is bound to the
platform credential's organ. In development mode (``gaozhi serve --dev``, loopback only)
an emulated login form stands in for the platform.

A session is a random 256-bit cookie (HttpOnly, SameSite=Strict, Secure under TLS, path
``/apply/`` or ``/window/``); the store keeps only its SHA-256, the actor, the CSRF token
and the flow state, so several worker processes share it. Every state-changing request
carries the session's CSRF token (``X-CSRF-Token`` header or ``csrf`` form field) and,
when the browser sends one, an ``Origin`` equal to the service's own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from gaozhi_sdk.errors import GaozhiError, StoreError
from gaozhi_sdk.ids import mask_beside_digest, normalise_identifier
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.server.auth import AuthError
from gaozhi_sdk.server.config import WebConfig
from gaozhi_sdk.sharing.signing import hmac_sm3
from gaozhi_sdk.store.base import Store

__all__ = [
    "ASSERTION_SCHEME",
    "Area",
    "LoginClaims",
    "SessionStore",
    "WebSession",
    "make_assertion",
    "verify_assertion",
    "web_retention",
]

ASSERTION_SCHEME = "gaozhi-login-sm3-v1"
SESSION_KIND = "web_session"
NONCE_KIND = "web_login_nonce"
Area = Literal["apply", "window"]
_ROLES: dict[str, frozenset[ActorRole]] = {
    "apply": frozenset({ActorRole.APPLICANT, ActorRole.PROXY}),
    "window": frozenset({ActorRole.WINDOW_CLERK}),
}
_MAX_ASSERTION = 4096
#: kept past its expiry before pruning (clock differences between instances)
_PRUNE_MARGIN_S = 300


def web_retention(web: WebConfig | None) -> dict[str, int]:
    """Seconds after their last change that sessions and login nonces are pruned
    (:class:`~gaozhi_sdk.server.retention.Retention`): a session outlives its expiry, a
    nonce the longest life of an assertion, so pruning never re-opens a replay."""
    if web is None:
        return {}
    return {
        SESSION_KIND: web.session_ttl_s + _PRUNE_MARGIN_S,
        NONCE_KIND: web.assertion_max_age_s + _PRUNE_MARGIN_S,
    }


def _refuse(reason_zh: str, reason_en: str) -> AuthError:
    return AuthError("GZ-HT-401", f"登录失败: {reason_zh}", message_en=f"login: {reason_en}")


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LoginClaims:
    """What the platform asserts about the person it authenticated."""

    area: Area
    actor: Actor
    name: str
    party_type: str = "CITIZEN"
    id_type: str = "RESIDENT_ID"
    method: str = "unspecified"
    provider: str = "-"
    txn: str = "-"


def make_assertion(
    key_id: str, secret: str, claims: dict[str, Any], *, now: float | None = None
) -> str:
    """A login assertion as a platform makes it (tests, the dev login, integrators)."""
    t = int(time.time() if now is None else now)
    body = {"iat": t, "exp": t + 60, "nonce": secrets.token_hex(16), **claims}
    payload = _b64u(json.dumps(body, ensure_ascii=False, sort_keys=True).encode())
    mac = hmac_sm3(secret.encode(), f"{ASSERTION_SCHEME}.{key_id}.{payload}".encode())
    return f"{ASSERTION_SCHEME}.{key_id}.{payload}.{_b64u(mac)}"


def verify_assertion(
    assertion: str,
    *,
    area: Area,
    key_id: str,
    secret: str,
    platform: Actor,
    max_age_s: int,
    store: Store,
    now: float | None = None,
) -> LoginClaims:
    """The claims of a valid, fresh, first-seen assertion; :class:`AuthError` otherwise."""
    parts = assertion.strip().split(".")
    if len(assertion) > _MAX_ASSERTION or len(parts) != 4 or parts[0] != ASSERTION_SCHEME:
        raise _refuse("登录断言格式不正确", "malformed assertion")
    if not hmac.compare_digest(parts[1], key_id):
        raise _refuse("登录断言不是本平台签发的", "unknown assertion key")
    try:
        mac = _unb64u(parts[3])
        claims = json.loads(_unb64u(parts[2]))
    except (ValueError, binascii.Error):
        raise _refuse("登录断言格式不正确", "malformed assertion") from None
    good = hmac_sm3(secret.encode(), f"{parts[0]}.{parts[1]}.{parts[2]}".encode())
    if not hmac.compare_digest(mac, good) or not isinstance(claims, dict):
        raise _refuse("登录断言签名无效", "bad assertion signature")
    t = time.time() if now is None else now
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > max_age_s:
        raise _refuse("登录断言的有效期不合规定", "assertion lifetime too long or missing")
    if not iat - 30 <= t <= exp:
        raise _refuse("登录断言已过期", "assertion expired")
    if claims.get("aud") != area:
        raise _refuse("登录断言不是为本页面签发的", "assertion audience mismatch")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64:
        raise _refuse("登录断言缺少一次性随机数", "assertion nonce missing")
    try:
        with store.transaction() as tx:
            tx.put(NONCE_KIND, nonce, {"exp": exp}, state="SEEN", expected_version=None)
    except StoreError as exc:
        if exc.code == "GZ-ST-409":
            raise _refuse("登录断言已使用过", "assertion replayed") from None
        raise
    return _claims(claims, area, platform)


def _claims(c: dict[str, Any], area: Area, platform: Actor) -> LoginClaims:
    try:
        role = ActorRole(str(c.get("role", "")))
    except ValueError:
        raise _refuse("登录断言中的角色无效", "unknown role") from None
    if role not in _ROLES[area]:
        raise _refuse("该角色不能使用本页面", "role not allowed on these pages")
    sub, name = c.get("sub"), c.get("name")
    if (
        not isinstance(sub, str)
        or not isinstance(name, str)
        or not sub
        or not 1 <= len(name) <= 100
    ):
        raise _refuse("登录断言缺少身份信息", "subject or name missing")
    organ = platform.organ_uscc if role is ActorRole.WINDOW_CLERK else None
    actor_id = normalise_identifier(sub) if role is not ActorRole.WINDOW_CLERK else sub
    actor = Actor(role=role, actor_id=actor_id, organ_uscc=organ, display_name=name[:40])
    return LoginClaims(
        area=area,
        actor=actor,
        name=name,
        party_type=str(c.get("party_type", "CITIZEN"))[:20],
        id_type=str(c.get("id_type", "RESIDENT_ID"))[:20],
        method=str(c.get("method", "unspecified"))[:40],
        provider=str(c.get("provider", "-"))[:80],
        txn=str(c.get("txn", "-"))[:80],
    )


@dataclass
class WebSession:
    """One browser's session (the store keeps it under the SHA-256 of the cookie)."""

    key: str
    area: Area
    actor: Actor
    name: str
    party_type: str
    id_type: str
    csrf: str
    expires: float
    auth: dict[str, str]
    flow: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def masked_id(self) -> str:
        """The identifier as pages show it."""
        return mask_beside_digest(self.actor.actor_id)

    def check_csrf(self, token: str | None) -> None:
        """Raise GZ-HT-403 unless ``token`` is this session's CSRF token."""
        if not token or not hmac.compare_digest(token, self.csrf):
            raise GaozhiError(
                "GZ-AU-030",
                "页面已失效或请求来源不明 (CSRF 校验失败), 请刷新页面后重试",
                message_en="CSRF token missing or wrong; reload the page",
            )


class SessionStore:
    """Sessions in the service's store (shared by every worker process)."""

    def __init__(self, store: Store, ttl_s: int) -> None:
        self.store = store
        self.ttl_s = ttl_s

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def create(self, claims: LoginClaims) -> tuple[str, WebSession]:
        """A new session for ``claims``; returns (cookie token, session)."""
        token = secrets.token_urlsafe(32)
        s = WebSession(
            key=self._key(token),
            area=claims.area,
            actor=claims.actor,
            name=claims.name,
            party_type=claims.party_type,
            id_type=claims.id_type,
            csrf=secrets.token_urlsafe(32),
            expires=time.time() + self.ttl_s,
            auth={"method": claims.method, "provider": claims.provider, "txn": claims.txn},
        )
        with self.store.transaction() as tx:
            tx.put(SESSION_KIND, s.key, self._doc(s), state="OPEN", expected_version=None)
        s.version = 1
        return token, s

    @staticmethod
    def _doc(s: WebSession) -> dict[str, Any]:
        return {
            "area": s.area,
            "actor": s.actor.model_dump(mode="json"),
            "name": s.name,
            "party_type": s.party_type,
            "id_type": s.id_type,
            "csrf": s.csrf,
            "expires": s.expires,
            "auth": s.auth,
            "flow": s.flow,
        }

    def load(self, token: str | None, area: Area) -> WebSession | None:
        """The open, unexpired session of ``token`` for ``area``, or None."""
        if not token or len(token) > 100:
            return None
        rec = self.store.get(SESSION_KIND, self._key(token))
        if rec is None or rec.state != "OPEN" or rec.doc.get("area") != area:
            return None
        d = rec.doc
        if float(d["expires"]) < time.time():
            return None
        return WebSession(
            key=rec.id,
            area=area,
            actor=Actor.model_validate(d["actor"]),
            name=str(d["name"]),
            party_type=str(d["party_type"]),
            id_type=str(d["id_type"]),
            csrf=str(d["csrf"]),
            expires=float(d["expires"]),
            auth=dict(d["auth"]),
            flow=dict(d.get("flow") or {}),
            version=rec.version,
        )

    def save(self, s: WebSession) -> None:
        """Write the session's flow state (optimistic: a concurrent write is GZ-ST-409)."""
        with self.store.transaction() as tx:
            tx.put(SESSION_KIND, s.key, self._doc(s), state="OPEN", expected_version=s.version)
        s.version += 1

    def close(self, s: WebSession) -> None:
        """Log out: the session can never be used again."""
        with self.store.transaction() as tx:
            tx.put(
                SESSION_KIND, s.key, {"area": s.area}, state="CLOSED", expected_version=s.version
            )
