"""Whose archive is it: the sealing organs an auditor confirms (issue 9, DESIGN §4, §8).

The signer policy proves that each organ document is sealed by the organ it *names*. It
cannot know which organ an archive or an evidence package *belongs to*: any organ whose
seal chains to the auditor's root holds a genuine seal, and with write access to another
organ's archive it can rewrite the journal and re-seal the checkpoints, the manifest and
every organ document in its own name — each then a correctly sealed document of that organ.

So the expected organ is part of a PASSED verdict, as the anchors are: the auditor names
it (``gaozhi audit --organ USCC``, repeatable when an archive legitimately covers several
organs, e.g. one deployment serving them). Without it the verdict is at best INDETERMINATE
and names the organs found; with it, every organ-sealed document — the manifest, every
journal checkpoint and every organ document — must be sealed by one of those organs.

Documents of another organ: in this version no signed payload type is legitimately sealed
by an organ other than the one handling the case. An assisted verification (R-046, R-047)
is concluded and sealed by the requesting organ (the case's); the requested organ's reply
is journalled and cited as evidence of the finding, not carried as a bundle under its own
seal. :data:`FOREIGN_SEALED_TYPES` lists the payload types that another organ may seal in
an archive — none — so an organ seal the auditor did not name is never silently accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from gaozhi_sdk.errors import InvalidIdentifierError
from gaozhi_sdk.esign import Bundle
from gaozhi_sdk.esign.payload_types import media_type
from gaozhi_sdk.esign.policy import ORGAN_DOCUMENT_TYPES
from gaozhi_sdk.ids import validate_uscc

if TYPE_CHECKING:
    from gaozhi_sdk.archive import AuditCheck

__all__ = ["FOREIGN_SEALED_TYPES", "expected_organs", "organ_checks", "sealing_organ"]

#: Payload types another organ than the auditor-named ones may seal inside an archive
#: (see the module docstring): none in this version.
FOREIGN_SEALED_TYPES: frozenset[str] = frozenset()

_ORGAN_FIELD = {media_type(name): fld for name, fld in ORGAN_DOCUMENT_TYPES.items()}


def expected_organs(organ_uscc: str | Iterable[str] | None) -> frozenset[str]:
    """The auditor's organ codes, validated (``InvalidIdentifierError`` GZ-ID-0xx)."""
    if organ_uscc is None:
        return frozenset()
    codes = [organ_uscc] if isinstance(organ_uscc, str) else list(organ_uscc)
    return frozenset(validate_uscc(c) for c in codes if c)


def sealing_organ(data: bytes) -> tuple[str, str] | None:
    """``(payload type, organ code)`` of an organ document's bundle, None for others.

    Call it only on a bundle that validated: the signer policy has then proved that the
    seal is the organ's whose code the payload names.
    """
    try:
        bundle = Bundle.from_json(data)
        field = _ORGAN_FIELD.get(bundle.payload_type)
        if field is None:
            return None
        organ = json.loads(bundle.payload).get(field)
    except (ValueError, AttributeError, InvalidIdentifierError):
        return None
    return (bundle.payload_type, organ) if isinstance(organ, str) else None


def organ_checks(
    expected: frozenset[str], sealed: Sequence[tuple[str, str, str]], what: str, what_en: str
) -> list[AuditCheck]:
    """The ``archive_organ`` checks of an audit.

    Args:
        expected: the organs the auditor named (empty: none named).
        sealed: ``(path, payload type, organ)`` of every organ-sealed document that
            validated (the manifest first).
        what / what_en: "归档" / "archive", "证据包" / "evidence package".

    Returns:
        FAILED checks for documents sealed by an organ the auditor did not name; without
        ``expected`` one INDETERMINATE check naming the organs found; nothing when all
        documents are sealed by the named organs.
    """
    from gaozhi_sdk.archive import AuditCheck

    found = sorted({organ for _, _, organ in sealed})
    if not expected:
        names = "、".join(found) or "无"
        hint = " ".join(f"--organ {o}" for o in found)
        return [
            AuditCheck(
                name="archive_organ",
                status="INDETERMINATE",
                message=f"盖章机关未经审计方确认 (未指定 --organ): {what}中的机关印章属于 "
                f"{names}。任何在您的根证书下持有印章的机关都能以自己的名义重新盖章, "
                f"请核对{what}确属该机关后以 {hint or '--organ 统一社会信用代码'} 重新审计",
                message_en=f"the sealing organ was not confirmed by the auditor (no --organ): "
                f"the organ seals in this {what_en} are those of {', '.join(found) or 'none'}; "
                f"any organ holding a seal under your root could re-seal it in its own name — "
                f"if it is that organ's {what_en}, audit again with "
                f"{hint or '--organ USCC'}",
            )
        ]
    want, want_en = "、".join(sorted(expected)), ", ".join(sorted(expected))
    foreign: dict[str, list[str]] = {}
    for path, ptype, organ in sealed:
        if organ not in expected and ptype not in FOREIGN_SEALED_TYPES:
            foreign.setdefault(organ, []).append(path)
    return [
        AuditCheck(
            name="archive_organ",
            status="FAILED",
            message=f"{what}中 {len(paths)} 个文件由机关 {organ} 盖章 (如 {paths[0]}), "
            f"不是审计方指定的机关 {want} (--organ)",
            message_en=f"{len(paths)} files of the {what_en} are sealed by organ {organ} "
            f"(e.g. {paths[0]}), not by the organ the auditor named ({want_en}, --organ)",
            path=paths[0],
        )
        for organ, paths in sorted(foreign.items())
    ]
