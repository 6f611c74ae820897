"""The service configuration file of ``gaozhi serve`` (``service.yaml``; DESIGN §10).

Plain pydantic, no FastAPI: the file can be checked without the ``server`` extra. Every
credential maps to an :class:`~gaozhi_sdk.models.parties.Actor` (role, organ). Secrets
never appear in the file itself: they are read from an environment variable or a file.

.. code-block:: yaml

    trust_anchors: [trust/]          # PEM files or folders: roots for every bundle
    seals:                           # organ USCC → seal key and chain (PEM)
      - organ_uscc: 11411222005123018X
        key: seals/owner.key.pem
        chain: [seals/owner.pem]
    role_policy: policy.yaml         # optional grants (RolePolicy.from_yaml)
    max_body_bytes: 1048576
    hmac_max_skew_s: 300
    credentials:
      - id: window-system
        method: hmac                 # gaozhi-hmac-sm3-v1: X-App-Key = key_id
        key_id: ak-window-01
        secret_env: GAOZHI_HMAC_WINDOW
        actor: {role: WINDOW_CLERK, actor_id: CK0001, organ_uscc: 11411222005123018X}
        may_act_for_applicants: true
      - id: inspection-system
        method: mtls                 # client certificate, by SHA-256 fingerprint
        cert_sha256: 3f…
        actor: {role: INSPECTOR, actor_id: IN0007, organ_uscc: 11411222005123018X}
      - id: dev
        method: bearer               # only with --dev
        token_env: GAOZHI_DEV_TOKEN
        actor: {role: WINDOW_CLERK, actor_id: DEV, organ_uscc: 11411222005123018X}
    tsa_url: https://tsa.example.gov.cn/rfc3161   # optional: time-stamps (event certificates)
    tsa_anchors: [trust/tsa/]
    event_ca_anchors: [trust/event-ca/]            # roots of event-certificate CAs (DESIGN §4a)
    rules: rules.yaml                              # optional RulesConfig (minimum signing methods)
    client_revocation:               # optional: revocation of mTLS client certificates
      crls: [tls/client-ca.crl]      # the client CA's CRLs (PEM/DER files or folders)
      require: true                  # no fresh CRL/OCSP for a certificate → refused
    web:                             # optional: /apply/ and /window/ pages (gaozhi_sdk.server.web)
      list_id: SZ-411222-GZCN-2025
      platform_credential: window-system   # signs login assertions; hmac, may act for applicants
      identity_provider: province-face     # plugin names (hooks); or, with --dev only,
      event_ca: province-ca                # emulated_signing_ca: <saved TestPKI folder>
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gaozhi_sdk.errors import ConfigError
from gaozhi_sdk.models.parties import Actor

__all__ = [
    "ClientRevocationConfig",
    "Credential",
    "SealConfig",
    "ServiceConfig",
    "WebConfig",
    "load_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SealConfig(_Strict):
    """An organ's seal: private key and certificate chain (PEM files)."""

    organ_uscc: str = Field(description="机关统一社会信用代码")
    key: Path = Field(description="印章私钥 (PEM/DER PKCS#8)")
    chain: tuple[Path, ...] = Field(default=(), description="证书链文件, 叶证书在前")
    password_env: str | None = Field(default=None, description="私钥口令所在的环境变量")


class Credential(_Strict):
    """One calling system's credential and the actor it acts as."""

    id: str = Field(min_length=1, max_length=64, description="凭据名称 (写入台账)")
    method: Literal["hmac", "mtls", "bearer"] = Field(description="认证方式")
    key_id: str | None = Field(default=None, description="hmac: X-App-Key")
    secret_env: str | None = Field(default=None, description="hmac: 密钥所在环境变量")
    secret_file: Path | None = Field(default=None, description="hmac: 密钥文件")
    cert_sha256: str | None = Field(
        default=None, description="mtls: 客户端证书 DER 的 SHA-256 (十六进制)"
    )
    token_env: str | None = Field(default=None, description="bearer (仅 --dev): 令牌环境变量")
    actor: Actor = Field(description="该凭据对应的角色与机关")
    may_act_for_applicants: bool = Field(
        default=False,
        description="平台已认证申请人身份, 可代申请人/代为承诺人调用 (须携带身份断言)",
    )

    @model_validator(mode="after")
    def _method_fields(self) -> Credential:
        if self.method == "hmac" and (
            not self.key_id or (self.secret_env is None) == (self.secret_file is None)
        ):
            raise ValueError("hmac needs key_id and exactly one of secret_env / secret_file")
        if self.method == "mtls":
            fp = (self.cert_sha256 or "").replace(":", "").lower()
            if len(fp) != 64 or any(c not in "0123456789abcdef" for c in fp):
                raise ValueError("mtls needs cert_sha256 (64 hex digits)")
        if self.method == "bearer" and not self.token_env:
            raise ValueError("bearer needs token_env")
        return self

    def fingerprint(self) -> str:
        """The normalised client-certificate fingerprint (mtls)."""
        return (self.cert_sha256 or "").replace(":", "").lower()

    def secret(self) -> str:
        """The HMAC secret (from the environment or the file); GZ-CF-061 if absent."""
        value: str | None
        if self.secret_env:
            value = os.environ.get(self.secret_env)
        else:
            assert self.secret_file is not None
            try:
                value = self.secret_file.read_text("utf-8").strip()
            except OSError:
                value = None
        if not value:
            raise ConfigError(
                "GZ-CF-061",
                f"凭据 {self.id} 的密钥未设置 (环境变量或文件)",
                message_en=f"secret of credential {self.id!r} is not set",
            )
        return value

    def token_digest(self) -> str:
        """SHA-256 of the bearer token (bearer)."""
        value = os.environ.get(self.token_env or "", "")
        if len(value) < 16:
            raise ConfigError(
                "GZ-CF-061",
                f"凭据 {self.id} 的令牌未设置或过短 (至少 16 个字符)",
                message_en=f"token of credential {self.id!r} is unset or shorter than 16",
            )
        return hashlib.sha256(value.encode()).hexdigest()


class ClientRevocationConfig(_Strict):
    """Revocation checking of calling systems' client certificates (mutual TLS)."""

    crls: tuple[Path, ...] = Field(
        default=(), description="签发 CA 的 CRL (PEM 或 DER 文件, 或其目录); 文件更新后自动重读"
    )
    ocsp_responses: tuple[Path, ...] = Field(
        default=(), description="预先取得的 OCSP 应答 (DER 文件或目录)"
    )
    require: bool = Field(
        default=True,
        description="true: 没有新鲜的 CRL/OCSP 能确定状态时拒绝; false: 放行并记警告日志",
    )
    recheck_s: int = Field(
        default=60, ge=1, le=3600, description="检查撤销信息文件是否更新的间隔 (秒)"
    )


class WebConfig(_Strict):
    """The browser pages: ``/apply/`` for applicants and ``/window/`` for window clerks.

    The pages sit behind the platform's login: the platform that authenticated the person
    posts a short-lived login assertion signed with its credential's HMAC secret
    (:mod:`gaozhi_sdk.server.web.sessions`). That credential's actor gives the online
    notices and checks eligibility; it must be allowed to act for applicants.
    """

    list_id: str = Field(min_length=1, max_length=100, description="网上申请所用的已公布清单")
    platform_credential: str = Field(
        min_length=1, max_length=64, description="平台凭据 id (登录断言的签名密钥; 网上告知主体)"
    )
    identity_provider: str | None = Field(
        default=None,
        description="实名认证服务插件名 (gaozhi_identity_provider 钩子); 缺省不提供事件证书签署",
    )
    event_ca: str | None = Field(
        default=None, description="事件证书 CA 插件名 (gaozhi_event_certificate_authority 钩子)"
    )
    emulated_signing_ca: Path | None = Field(
        default=None,
        description="仅开发模式 (--dev): 模拟实名认证与事件证书 CA, CA 为此目录中的测试 PKI",
    )
    session_ttl_s: int = Field(default=1800, ge=60, le=86_400, description="会话有效期 (秒)")
    assertion_max_age_s: int = Field(
        default=120, ge=10, le=900, description="登录断言的最长有效期 (秒)"
    )


class ServiceConfig(_Strict):
    """``service.yaml`` of ``gaozhi serve``."""

    trust_anchors: tuple[Path, ...] = Field(
        default=(), description="信任锚 PEM 文件或目录 (验证所有签名文件)"
    )
    seals: tuple[SealConfig, ...] = Field(default=(), description="各机关电子印章")
    event_ca_anchors: tuple[Path, ...] = Field(
        default=(),
        description="事件证书 CA 根证书 (PEM 文件或目录): 只为事件证书签署的承诺书作信任锚",
    )
    tsa_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="RFC 3161 时间戳服务地址: 机关文书与事件证书签署的承诺书盖时间戳",
    )
    tsa_anchors: tuple[Path, ...] = Field(
        default=(), description="时间戳服务根证书 (PEM 文件或目录): 只为时间戳作信任锚"
    )
    role_policy: Path | None = Field(default=None, description="角色策略 YAML (可选)")
    rules: Path | None = Field(
        default=None, description="规则配置 YAML (RulesConfig, 如最低签署方式); 缺省为默认规则"
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="请求体上限 (字节)")
    hmac_max_skew_s: int = Field(default=300, ge=1, le=3600, description="请求签名时间窗 (秒)")
    credentials: tuple[Credential, ...] = Field(default=(), description="调用方凭据")
    client_revocation: ClientRevocationConfig | None = Field(
        default=None,
        description="双向 TLS 客户端证书的撤销检查 (CRL/OCSP); 缺省不检查",
    )
    web: WebConfig | None = Field(
        default=None, description="申请人网上签署与窗口页面 (/apply/, /window/); 缺省不启用"
    )
    idempotency_retention_s: int = Field(
        default=86_400,
        ge=600,
        le=31 * 86_400,
        description="Idempotency-Key 首次响应的保留期 (秒); 之后同一键视为新请求",
    )
    worker_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description="每个工作进程同时执行请求的线程数; PostgreSQL 时不超过连接池 (8) 的一半",
    )
    prune_interval_s: int = Field(
        default=60, ge=1, le=3600, description="每个工作进程清理过期随机数与幂等记录的间隔 (秒)"
    )

    @model_validator(mode="after")
    def _unique(self) -> ServiceConfig:
        ids = [c.id for c in self.credentials]
        keys = [c.key_id for c in self.credentials if c.key_id]
        fps = [c.fingerprint() for c in self.credentials if c.method == "mtls"]
        for what, values in (("id", ids), ("key_id", keys), ("cert_sha256", fps)):
            if len(set(values)) != len(values):
                raise ValueError(f"credential {what} values must be unique")
        if self.web is not None:
            platform = next(
                (c for c in self.credentials if c.id == self.web.platform_credential), None
            )
            if platform is None or platform.method != "hmac" or not platform.may_act_for_applicants:
                raise ValueError(
                    "web.platform_credential must name an hmac credential "
                    "with may_act_for_applicants: true"
                )
        return self

    def resolve(self, base: Path) -> ServiceConfig:
        """Relative paths resolved against the configuration file's folder."""

        def p(x: Path) -> Path:
            return x if x.is_absolute() else base / x

        return self.model_copy(
            update={
                "trust_anchors": tuple(p(x) for x in self.trust_anchors),
                "event_ca_anchors": tuple(p(x) for x in self.event_ca_anchors),
                "tsa_anchors": tuple(p(x) for x in self.tsa_anchors),
                "rules": None if self.rules is None else p(self.rules),
                "client_revocation": None
                if self.client_revocation is None
                else self.client_revocation.model_copy(
                    update={
                        "crls": tuple(p(x) for x in self.client_revocation.crls),
                        "ocsp_responses": tuple(
                            p(x) for x in self.client_revocation.ocsp_responses
                        ),
                    }
                ),
                "web": None
                if self.web is None
                else self.web.model_copy(
                    update={
                        "emulated_signing_ca": None
                        if self.web.emulated_signing_ca is None
                        else p(self.web.emulated_signing_ca)
                    }
                ),
                "seals": tuple(
                    s.model_copy(update={"key": p(s.key), "chain": tuple(p(c) for c in s.chain)})
                    for s in self.seals
                ),
                "role_policy": None if self.role_policy is None else p(self.role_policy),
                "credentials": tuple(
                    c.model_copy(
                        update={"secret_file": None if c.secret_file is None else p(c.secret_file)}
                    )
                    for c in self.credentials
                ),
            }
        )


def load_config(path: str | Path) -> ServiceConfig:
    """Read and check ``service.yaml`` (GZ-CF-060 with the field path on any problem)."""
    file = Path(path)
    try:
        data: Any = yaml.safe_load(file.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            "GZ-CF-060", f"无法读取服务配置 {file}: {exc}", message_en="cannot read service config"
        ) from exc
    try:
        cfg = ServiceConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise ConfigError(
            "GZ-CF-060",
            f"服务配置 {file} 不合法: {loc} — {first['msg']}",
            message_en=f"invalid service config: {loc}: {first['msg']}",
        ) from None
    return cfg.resolve(file.parent)
