"""One evidence record per call, in a hash chain (TRANSPORT §5.1).

A record holds the business request id, provider, operation, profile, every attempt
(times, HTTP status, body code, error class), SM3 digests of the request and response
bodies and the outcome. Personal identifiers appear only masked or digested. If the sink
cannot append, the call fails closed (UNDETERMINED).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from gaozhi_sdk._chain import GENESIS, append_link, walk_chain
from gaozhi_sdk.sharing.errors import SharingError
from gaozhi_sdk.sharing.signing import sm3_hex

__all__ = ["EvidenceSink", "JsonlEvidenceSink", "MemoryEvidenceSink", "verify_chain"]


def _chain_hash(body: Mapping[str, Any]) -> str:
    """SM3 of the previous hash followed by the record's compact, key-sorted JSON (no ``hash``)."""
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sm3_hex((str(body["prev_hash"]) + data).encode("utf-8"))


class EvidenceSink(Protocol):
    """Where evidence records go; ``append`` returns the record's evidence id."""

    def append(self, record: Mapping[str, Any]) -> str:
        """Append one record to the chain (raise to fail the call closed)."""


class MemoryEvidenceSink:
    """An in-memory hash chain (tests, short-lived tools)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, Any]) -> str:
        """Append one record."""
        with self._lock:
            prev = self.records[-1]["hash"] if self.records else GENESIS
            body = append_link(record, prev, len(self.records) + 1, _chain_hash)
            self.records.append(body)
            return f"EV-{body['seq']}-{body['hash'][:12]}"


class JsonlEvidenceSink:
    """An append-only JSON-lines hash chain on disk (fsync per record)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seq = 0
        self._prev = GENESIS
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self._seq, self._prev = int(rec["seq"]), str(rec["hash"])

    def append(self, record: Mapping[str, Any]) -> str:
        """Append one record; raises GZ-SH-010 if the file cannot be written."""
        with self._lock:
            body = append_link(record, self._prev, self._seq + 1, _chain_hash)
            line = json.dumps(body, sort_keys=True, ensure_ascii=False) + "\n"
            try:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise SharingError(
                    "GZ-SH-010",
                    "证据记录无法写入, 调用按未确定处理",
                    request_id=str(record.get("request_id", "")),
                    message_en=f"evidence sink unwritable: {type(exc).__name__}",
                ) from exc
            self._seq, self._prev = body["seq"], body["hash"]
            return f"EV-{body['seq']}-{body['hash'][:12]}"


def verify_chain(records: list[Mapping[str, Any]]) -> None:
    """Check seq, prev_hash and hash of every record; raise GZ-SH-011 at the first break."""
    walk = walk_chain(records, _chain_hash)
    if walk.issues:
        i = walk.issues[0].at
        raise SharingError(
            "GZ-SH-011",
            f"证据链在第 {i} 条记录处断裂",
            message_en=f"evidence chain breaks at {i}",
        )
