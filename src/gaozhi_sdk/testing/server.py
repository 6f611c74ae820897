"""A real ``gaozhi serve`` process for tests and benchmarks, and a signing HTTP client.

:class:`ServedService` prepares a store — a SQLite file, or the ``db`` URL given — (the
sample list published, organ seals from a :class:`~gaozhi_sdk.testing.pki.TestPKI`),
writes ``service.yaml`` with one HMAC credential per named actor (secrets in files),
starts ``python -m gaozhi_sdk.cli serve`` on a free 127.0.0.1 port and waits for
``/v1/health``. :class:`SignedClient` signs every request with ``gaozhi-hmac-sm3-v1``
(fresh timestamp and nonce per attempt), covering ``Content-Type``, ``Idempotency-Key``
and the applicant-assertion headers (``X-Signed-Headers``).
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urlencode, urlsplit

import requests
import yaml
from cryptography.hazmat.primitives import serialization

from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.lists import ReviewRecord
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.sharing.signing import MUST_SIGN, ReferenceProfile
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.sandbox import sample_list_text

__all__ = [
    "JUSTICE_USCC",
    "OTHER_USCC",
    "OWNER_USCC",
    "STANDARD_ACTORS",
    "KeepAliveClient",
    "LeanResponse",
    "ServedService",
    "SignedClient",
    "free_port",
    "http_intake",
    "issue_intake_certificates",
]

OWNER_USCC = "11411222005123018X"  # the sample list's owner (三门峡市陕州区人民政府)
OTHER_USCC = "11411222005123026Q"  # 三门峡市陕州区公安局
JUSTICE_USCC = "11411222005123085U"

#: credential id → (role, actor id, organ). ``platform`` may act for applicants.
STANDARD_ACTORS: dict[str, tuple[ActorRole, str, str | None]] = {
    "clerk": (ActorRole.WINDOW_CLERK, "CK0001", OWNER_USCC),
    "clerk-other": (ActorRole.WINDOW_CLERK, "GA0102", OTHER_USCC),
    "inspector": (ActorRole.INSPECTOR, "IN0007", OWNER_USCC),
    "inspector-other": (ActorRole.INSPECTOR, "GA0101", OTHER_USCC),
    "credit": (ActorRole.CREDIT_OFFICER, "CR0003", OWNER_USCC),
    "list-officer": (ActorRole.LIST_OFFICER, "LS0001", OWNER_USCC),
    "reviewer": (ActorRole.JUSTICE_REVIEWER, "SF0001", JUSTICE_USCC),
    "auditor": (ActorRole.AUDITOR, "AU0001", None),
    "system": (ActorRole.SYSTEM, "system", None),
    "platform": (ActorRole.WINDOW_CLERK, "PLATFORM01", OWNER_USCC),
}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


R = TypeVar("R")


class _SigningClient(ABC, Generic[R]):
    """``gaozhi-hmac-sm3-v1`` request signing and JSON helpers over a transport
    (:meth:`_send`)."""

    def __init__(self, base_url: str, key_id: str, secret: str, *, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = ReferenceProfile(key_id)
        self._secret = secret
        self.timeout = timeout
        self.on_behalf: dict[str, str] = {}

    def acting_for(self, id_number: str, *, role: str = "APPLICANT") -> Self:
        """A copy that calls for an applicant (or proxy) the platform authenticated
        (same connections)."""
        other = copy.copy(self)
        other.on_behalf = {
            "X-Gaozhi-On-Behalf-Of": id_number,
            "X-Gaozhi-On-Behalf-Role": role,
            "X-Gaozhi-Identity-Assertion": f"method=FACE;provider=test;txn={uuid.uuid4().hex}",
        }
        return other

    def signed(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one signed request (fresh timestamp and nonce)."""
        body = data if data is not None else b""
        hdrs = {**self.on_behalf, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if idempotency_key is not None:
            hdrs["Idempotency-Key"] = idempotency_key
        hdrs.update(
            self.profile.sign(
                method,
                urlsplit(self.base_url + path).path,
                dict(params or {}),
                body,
                uuid.uuid4().hex,
                secret=self._secret,
                # what the call does and for whom: covered by the signature (MUST_SIGN)
                headers={k: v for k, v in hdrs.items() if k.lower() in MUST_SIGN},
            )
        )
        return body, hdrs

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> R:
        """Send one signed request."""
        body, hdrs = self.signed(
            method,
            path,
            json_body=json_body,
            data=data,
            params=params,
            headers=headers,
            idempotency_key=idempotency_key,
        )
        return self._send(method, path, params, body, hdrs)

    @abstractmethod
    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes,
        headers: dict[str, str],
    ) -> R:
        """Send the signed request over this client's transport."""

    def get(self, path: str, **kw: Any) -> R:
        """GET."""
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> R:
        """POST a JSON body."""
        return self.request("POST", path, json_body={} if body is None else body, **kw)


class SignedClient(_SigningClient[requests.Response]):
    """``requests`` with ``gaozhi-hmac-sm3-v1`` request signing and JSON helpers."""

    def __init__(self, base_url: str, key_id: str, secret: str, *, timeout: float = 30) -> None:
        super().__init__(base_url, key_id, secret, timeout=timeout)
        self.session = requests.Session()
        self.session.trust_env = False  # 127.0.0.1 only: no proxy or netrc look-ups per call

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes,
        headers: dict[str, str],
    ) -> requests.Response:
        return self.session.request(
            method,
            self.base_url + path,
            data=body,
            params=params,
            headers=headers,
            timeout=self.timeout,
        )


class LeanResponse:
    """The answer :class:`KeepAliveClient` returns (what the tests and benchmarks read)."""

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.content = content

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.content)


class KeepAliveClient(_SigningClient[LeanResponse]):
    """The same signed requests over one kept-alive ``http.client`` connection per thread
    — about the per-call cost of a JVM platform's HTTP client, not of ``requests``'
    session machinery (``bench/server.py`` measures the service, not its Python client)."""

    def __init__(self, base_url: str, key_id: str, secret: str, *, timeout: float = 30) -> None:
        super().__init__(base_url, key_id, secret, timeout=timeout)
        self._local = threading.local()

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes,
        headers: dict[str, str],
    ) -> LeanResponse:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None and conn.sock is not None and select.select([conn.sock], [], [], 0)[0]:
            conn.close()  # readable while idle: the server closed it (keep-alive timeout)
            conn = None
        if conn is None:
            url = urlsplit(self.base_url)
            if url.scheme != "http" or url.hostname is None:
                raise ValueError("KeepAliveClient speaks plain HTTP to 127.0.0.1 only")
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
            conn.connect()
            assert conn.sock is not None
            # as urllib3 does: headers and body go out at once, never held back by Nagle
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.conn = conn
        target = path + ("?" + urlencode(params) if params else "")
        try:
            conn.request(method, target, body=body, headers=headers)
            r = conn.getresponse()
            return LeanResponse(r.status, dict(r.getheaders()), r.read())
        except (OSError, http.client.HTTPException):
            conn.close()  # the next call opens a new connection
            self._local.conn = None
            raise


@dataclass
class ServedService:
    """A ``gaozhi serve`` subprocess over a prepared SQLite store (see module docstring)."""

    workdir: Path
    pki: TestPKI
    actors: Mapping[str, tuple[ActorRole, str, str | None]] = field(
        default_factory=lambda: dict(STANDARD_ACTORS)
    )
    workers: int = 1
    dev: bool = False
    port: int = 0
    #: more ``gaozhi serve`` arguments (e.g. ``--tls-cert``), credentials and environment
    extra_args: list[str] = field(default_factory=list)
    extra_credentials: list[dict[str, Any]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    #: ``requests`` keywords for the health probe (``verify=``, ``cert=`` under TLS)
    probe: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    #: the ``web:`` section of service.yaml (browser pages), e.g. ``{"list_id": …,
    #: "platform_credential": "platform"}``; None leaves the pages off
    web: dict[str, Any] | None = None
    #: further top-level settings of service.yaml (e.g. ``rules``, ``event_ca_anchors``)
    extra_config: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    #: the store URL (e.g. a PostgreSQL database); default a SQLite file in ``workdir``
    db: str | None = None

    @property
    def db_url(self) -> str:
        """The store URL."""
        return self.db or f"sqlite:///{self.workdir / 'gaozhi.db'}"

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        scheme = "https" if "--tls-cert" in self.extra_args else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def prepare(self) -> Path:
        """Seals, anchors, credentials, service.yaml and a store with the list published."""
        from gaozhi_sdk.service import PledgeService

        self.workdir.mkdir(parents=True, exist_ok=True)
        trust = self.pki.write_trust(self.workdir)
        seals_cfg = []
        signers = {}
        for uscc, name in (
            (OWNER_USCC, "三门峡市陕州区人民政府"),
            (OTHER_USCC, "三门峡市陕州区公安局"),
        ):
            seal = self.pki.organ_seal(name, uscc)
            signers[uscc] = seal
            key = self.workdir / f"seal-{uscc}.key.pem"
            key.write_bytes(
                seal.private_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            key.chmod(0o600)
            chain = []
            for i, cert in enumerate(seal.certificate_chain):
                f = self.workdir / f"seal-{uscc}-{i}.pem"
                f.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
                chain.append(f.name)
            seals_cfg.append({"organ_uscc": uscc, "key": key.name, "chain": chain})
        creds = []
        for cid, (role, actor_id, organ) in self.actors.items():
            secret = self.secrets.setdefault(cid, secrets.token_urlsafe(24))
            sfile = self.workdir / f"secret-{cid}.txt"
            sfile.write_text(secret, "utf-8")
            sfile.chmod(0o600)
            actor: dict[str, Any] = {"role": role.value, "actor_id": actor_id}
            if organ:
                actor["organ_uscc"] = organ
            creds.append(
                {
                    "id": cid,
                    "method": "hmac",
                    "key_id": f"ak-{cid}",
                    "secret_file": sfile.name,
                    "actor": actor,
                    "may_act_for_applicants": cid == "platform",
                }
            )
        config = {
            "trust_anchors": [trust.name],
            "seals": seals_cfg,
            "credentials": creds + list(self.extra_credentials),
            "max_body_bytes": 262_144,
        }
        if self.web is not None:
            config["web"] = dict(self.web)
        config.update(self.extra_config)
        path = self.workdir / "service.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
        svc = PledgeService.open(self.db_url, signers=signers, trust=self.pki.trust_store())
        try:
            clist = load_list(sample_list_text())
            officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=OWNER_USCC)
            reviewer = Actor(
                role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001", organ_uscc=JUSTICE_USCC
            )
            svc.lists.draft(clist, officer)
            svc.lists.submit(clist.list_id, clist.version, officer)
            svc.lists.publish(
                clist.list_id,
                clist.version,
                ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date.today()),
                reviewer,
            )
        finally:
            svc.close()
        return path

    def start(self, *, timeout: float = 60) -> ServedService:
        """Prepare (once) and start the server; wait until it is healthy."""
        config = self.workdir / "service.yaml"
        if not config.exists():
            self.prepare()
        self.port = self.port or free_port()
        cmd = [
            sys.executable, "-m", "gaozhi_sdk.cli", "serve",
            "--db", self.db_url, "--config", str(config),
            "--port", str(self.port), "--workers", str(self.workers), "--quiet",
        ]  # fmt: skip
        if self.dev:
            cmd.append("--dev")
        cmd += self.extra_args
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gaozhi serve exited with {self.process.returncode}: "
                    + (self.workdir / "server.log").read_text("utf-8", "replace")[-2000:]
                )
            try:
                if requests.get(self.base_url + "/v1/health", timeout=1, **self.probe).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gaozhi serve did not become healthy")

    def client(self, cid: str) -> SignedClient:
        """A signing client for credential ``cid``."""
        return SignedClient(self.base_url, f"ak-{cid}", self.secrets[cid])

    def stop(self) -> None:
        """Stop the server process (SIGTERM, then SIGKILL)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None


_THREAD_CLIENTS = threading.local()


def _thread_client(served: ServedService, cid: str, lean: bool) -> _SigningClient[Any]:
    """This thread's client for ``cid`` (kept-alive connections; sessions are not shared
    between threads); ``lean``: a :class:`KeepAliveClient`."""
    cache: dict[tuple[int, str, bool], _SigningClient[Any]] = _THREAD_CLIENTS.__dict__.setdefault(
        "c", {}
    )
    key = (served.port, cid, lean)
    if key not in cache:
        kind = KeepAliveClient if lean else SignedClient
        cache[key] = kind(served.base_url, f"ak-{cid}", served.secrets[cid])
    return cache[key]


def _intake_applicant(n: int) -> Any:
    import random

    from gaozhi_sdk.testing.synthetic import synthetic_applicant

    return synthetic_applicant(random.Random(100_000 + n))


def _intake_signer(served: ServedService, n: int, id_number: str) -> Any:
    return served.pki.applicant(f"申请人 #load{n % 8}", id_number)  # cached by the PKI


def issue_intake_certificates(served: ServedService, ns: range) -> None:
    """Issue (and cache) the pledgors' certificates of intakes ``ns`` ahead of
    :func:`http_intake` — as a benchmark's in-process side issues its pledgors' up front."""
    for n in ns:
        _intake_signer(served, n, _intake_applicant(n).id_number)


def http_intake(
    served: ServedService,
    n: int,
    *,
    timings: list[float] | None = None,
    retry_notice: bool = False,
    lean: bool = False,
) -> str:
    """One whole intake over HTTP for synthetic applicant ``n``: notice → choice →
    eligibility → three-step signing (data to sign, signed here, signature) → acceptance.

    Returns the case number; raises ``AssertionError`` naming the step on any failure.
    ``timings`` collects each request's latency (seconds); ``retry_notice`` repeats the
    notice request with the same ``Idempotency-Key`` (a retry must change nothing);
    ``lean`` sends through :class:`KeepAliveClient` instead of ``requests``.
    """
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    app = _intake_applicant(n)
    clerk = _thread_client(served, "clerk", lean)
    me = _thread_client(served, "platform", lean).acting_for(app.id_number)
    entry = "SZ-GA-HJ-001"

    def timed(call: Any, step: str, ok: int) -> Any:
        t0 = time.perf_counter()
        r = call()
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        if r.status_code != ok:
            raise AssertionError(f"{step}: HTTP {r.status_code} {r.text[:300]}")
        return r

    body = {
        "list_id": "SZ-411222-GZCN-2025",
        "entry_ids": [entry],
        "applicant": app.model_dump(mode="json"),
    }
    key = uuid.uuid4().hex
    r = timed(lambda: clerk.post("/v1/notices", body, idempotency_key=key), "notice", 201)
    case_no = str(r.json()["case_no"])
    if retry_notice:
        again = timed(lambda: clerk.post("/v1/notices", body, idempotency_key=key), "retry", 201)
        if again.json()["case_no"] != case_no:
            raise AssertionError("a retried notice opened another case")
    choice = {"choices": [{"entry_id": entry, "mode": "PLEDGE"}]}
    timed(lambda: me.post(f"/v1/cases/{case_no}/choices", choice), "choice", 200)
    r = timed(lambda: clerk.post(f"/v1/cases/{case_no}/eligibility"), "eligibility", 200)
    if not r.json()["eligible"]:
        raise AssertionError("applicant not eligible")
    signer = _intake_signer(served, n, app.id_number)  # the pledgor's own
    chain = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in signer.certificate_chain
    ]
    dts = timed(
        lambda: me.post(f"/v1/cases/{case_no}/pledge/data-to-sign", {"certificate_chain": chain}),
        "data-to-sign",
        200,
    ).json()
    sig = signer.private_key.sign(base64.b64decode(dts["pae"]), ec.ECDSA(hashes.SHA256()))
    signed = {"session_id": dts["session_id"], "signature": base64.b64encode(sig).decode()}
    timed(
        lambda: me.post(
            f"/v1/cases/{case_no}/pledge/signature", signed, idempotency_key=uuid.uuid4().hex
        ),
        "signature",
        201,
    )
    timed(
        lambda: clerk.post(f"/v1/cases/{case_no}/accept", idempotency_key=uuid.uuid4().hex),
        "accept",
        200,
    )
    return case_no
