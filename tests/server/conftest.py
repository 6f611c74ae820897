"""A real ``gaozhi serve`` process (subprocess on 127.0.0.1) shared by the server tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.server import ServedService, SignedClient
from gaozhi_sdk.testing.synthetic import synthetic_applicant

ONLINE_ENTRY = "SZ-GA-HJ-001"
LIST_ID = "SZ-411222-GZCN-2025"


@pytest.fixture(scope="session")
def server_pki() -> TestPKI:
    """One PKI valid around the real clock (the server uses real time)."""
    return TestPKI.create()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, server_pki: TestPKI
) -> Iterator[ServedService]:
    """A started server for the module."""
    s = ServedService(tmp_path_factory.mktemp("served"), server_pki).start()
    try:
        yield s
    finally:
        s.stop()


def new_applicant(seed: int) -> Any:
    """A synthetic natural-person applicant."""
    import random

    return synthetic_applicant(random.Random(seed))


def open_case(served: ServedService, seed: int, entry: str = ONLINE_ENTRY) -> tuple[str, Any]:
    """Notice issued by the clerk; returns (case_no, applicant)."""
    app = new_applicant(seed)
    r = served.client("clerk").post(
        "/v1/notices",
        {"list_id": LIST_ID, "entry_ids": [entry], "applicant": app.model_dump(mode="json")},
    )
    assert r.status_code == 201, r.text
    return r.json()["case_no"], app


def as_applicant(served: ServedService, app: Any) -> SignedClient:
    """The platform calling for ``app``."""
    return served.client("platform").acting_for(app.id_number)


def pledge_chosen(served: ServedService, seed: int, entry: str = ONLINE_ENTRY) -> tuple[str, Any]:
    """A case with the pledge chosen and eligibility checked."""
    case_no, app = open_case(served, seed, entry)
    r = as_applicant(served, app).post(
        f"/v1/cases/{case_no}/choices", {"choices": [{"entry_id": entry, "mode": "PLEDGE"}]}
    )
    assert r.status_code == 200, r.text
    r = served.client("clerk").post(f"/v1/cases/{case_no}/eligibility")
    assert r.status_code == 200 and r.json()["eligible"], r.text
    return case_no, app


def workdir(served: ServedService) -> Path:
    """The server's working folder."""
    return served.workdir
