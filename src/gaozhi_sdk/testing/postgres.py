"""A throw-away PostgreSQL cluster for tests (initdb + pg_ctl in a temporary folder).

:class:`PostgresCluster` finds the server binaries (``initdb``, ``pg_ctl``, ``postgres``) on
``PATH``, in ``/usr/local/bin`` or ``/usr/lib/postgresql/<version>/bin``, creates a cluster
in a new temporary folder and starts it on a Unix socket in that folder and on
``127.0.0.1`` at a free port (several test sessions run side by side). The superuser is
``gaozhi_admin`` (trust over the socket; password + TLS-capable over TCP).

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
``postgres`` system user if there is one, else as ``nobody`` (via ``runuser``).

Use it from pytest with :func:`postgres_cluster_or_skip`: without server binaries or
psycopg the test is skipped with the reason, or fails when ``GAOZHI_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = [
    "ADMIN_USER",
    "PostgresCluster",
    "find_server_binaries",
    "postgres_cluster_or_skip",
    "require_services",
]

#: The cluster's superuser (owner of every test database).
ADMIN_USER = "gaozhi_admin"
_BINARIES = ("initdb", "pg_ctl", "postgres")


def require_services() -> bool:
    """``GAOZHI_REQUIRE_SERVICES=1``: a missing test service is a failure, not a skip."""
    return os.environ.get("GAOZHI_REQUIRE_SERVICES", "") == "1"


def find_server_binaries() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres`` (newest version)."""
    candidates: list[Path] = []
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidates.append(Path(directory))
    which = shutil.which("pg_ctl")
    if which:
        candidates.insert(0, Path(os.path.realpath(which)).parent)
    candidates.append(Path("/usr/local/bin"))
    for found in candidates:
        if all(os.access(found / b, os.X_OK) for b in _BINARIES):
            return found
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    """The user the server runs as when we are root (``None``: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PostgresCluster:
    """A temporary cluster; ``start()`` / ``stop()`` / ``restart()``; ``url(dbname)``."""

    def __init__(self, bindir: Path, *, fsync: bool = False, ssl_files: Any = None) -> None:
        self.bindir = bindir
        self.user = _server_user()
        self.base = Path(tempfile.mkdtemp(prefix="gaozhi-pg-"))
        self.data = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.log = self.base / "server.log"
        self.port = 0
        self.fsync = fsync
        self.socket_dir.mkdir()
        self.base.chmod(0o755)
        if self.user is not None:
            pw = pwd.getpwnam(self.user)
            for p in (self.base, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)

    # -- running commands ------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.base,
        )
        if check and done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{log}"
            )
        return done.stdout

    def initdb(self) -> None:
        """Create the cluster (UTF-8, superuser ``gaozhi_admin``, trust on the socket)."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ADMIN_USER,
            "-E",
            "UTF8",
            "--locale=C",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        )

    def configure(self, extra: str = "") -> None:
        """Append settings to ``postgresql.conf`` (written as the server user)."""
        conf = self.data / "postgresql.conf"
        text = (
            "\n# gaozhi test cluster\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "listen_addresses = '127.0.0.1'\n"
            f"fsync = {'on' if self.fsync else 'off'}\n"
            "max_connections = 200\n"
            "shared_buffers = 32MB\n" + extra
        )
        if self.user is None:
            with conf.open("a") as f:
                f.write(text)
        else:
            subprocess.run(
                ["runuser", "-u", self.user, "--", "tee", "-a", str(conf)],
                input=text,
                text=True,
                capture_output=True,
                check=True,
            )

    def enable_ssl(self, cert_pem: Path, key_pem: Path) -> None:
        """Serve TLS with this certificate and key (copied into the data folder, owned by
        the server user, mode 0600) — takes effect at the next start/restart."""
        for src, name in ((cert_pem, "server.crt"), (key_pem, "server.key")):
            dst = self.data / name
            dst.write_bytes(src.read_bytes())
            dst.chmod(0o600)
            if self.user is not None:
                pw = pwd.getpwnam(self.user)
                os.chown(dst, pw.pw_uid, pw.pw_gid)
        self.configure("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")

    def tcp_url(self, dbname: str, user: str, password: str, **query: str) -> str:
        """A ``postgresql://user:password@127.0.0.1:port/db`` URL (TCP, password auth)."""
        extra = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}" + (
            f"?{extra}" if extra else ""
        )

    def start(self) -> None:
        """Start the server on the socket and a free 127.0.0.1 port (retried on a clash)."""
        for attempt in range(5):
            self.port = _free_port()
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-p {self.port}",
                )
                return
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` or ``immediate``)."""
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode, check=False)

    def restart(self) -> None:
        """``pg_ctl restart`` (fast) on the same port."""
        self._run(
            "pg_ctl",
            "restart",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-m",
            "fast",
            "-o",
            f"-p {self.port}",
        )

    def destroy(self) -> None:
        """Stop the server and remove the folder."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    # -- addresses ---------------------------------------------------------------------------
    def url(self, dbname: str = "postgres", *, user: str = ADMIN_USER, **query: str) -> str:
        """A ``postgresql://`` URL over the Unix socket (no password needed)."""
        extra = "".join(f"&{k}={v}" for k, v in query.items())
        return f"postgresql://{user}@/{dbname}?host={self.socket_dir}&port={self.port}{extra}"

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement as the superuser (autocommit); returns the rows, if any."""
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            cur = conn.execute(statement.encode())
            return cur.fetchall() if cur.description else []

    def new_database(self, prefix: str = "gz") -> str:
        """Create a fresh database; returns its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return name

    def __repr__(self) -> str:
        return f"PostgresCluster({self.base}, port={self.port})"


def postgres_cluster_or_skip() -> PostgresCluster:
    """Start a cluster, or skip (fail with ``GAOZHI_REQUIRE_SERVICES=1``) with the reason."""
    import pytest

    def missing(reason: str) -> None:
        if require_services():
            pytest.fail(f"GAOZHI_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)

    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        missing("psycopg / psycopg_pool not installed (pip install 'gaozhi-sdk[postgres]')")
    bindir = find_server_binaries()
    if bindir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) not found")
    assert bindir is not None
    cluster = PostgresCluster(bindir)
    try:
        cluster.initdb()
        cluster.configure()
        cluster.start()
    except Exception:
        cluster.destroy()
        raise
    return cluster


def postgres_store_factory(cluster: PostgresCluster, dbname: str) -> Any:
    """A :class:`~gaozhi_sdk.testing.store_contract.StoreFactory` of PostgreSQL stores,
    each in a new schema of ``dbname`` (``open()`` reopens the same schema)."""
    from gaozhi_sdk.store.postgres import PostgresStore
    from gaozhi_sdk.testing.store_contract import StoreFactory

    schema = f"t_{uuid.uuid4().hex[:16]}"
    url = cluster.url(dbname, schema=schema)
    return StoreFactory(
        "postgres",
        True,
        lambda: PostgresStore(url, max_size=4),
        lambda n: PostgresStore(cluster.url(dbname, schema=f"{schema}_o{n}"), max_size=2),
        url=url,
    )
