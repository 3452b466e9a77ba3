from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.models import User
from app.enterprises.models import Enterprise
from app.monitoring import ingest, partitions, service
from app.risks.models import MajorHazardUnit
from app.timeutil import SHANGHAI, freeze, unfreeze
from tests.factories import auth_headers, make_enterprise, make_tree, make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    freeze(NOW)
    service._device_cache.clear()
    ingest._point_cache.clear()  # test transactions roll points back; ids and stamps may come again
    partitions._known.clear()  # test transactions roll their partitions back
    yield
    unfreeze()


def make_unit(db: Session, ent: Enterprise, *, major: bool = True) -> MajorHazardUnit:
    unit = MajorHazardUnit(
        enterprise_id=ent.id,
        name="液氯储存单元",
        unit_type="storage",
        substances=[{"name": "液氯", "quantity_t": 50}],
        is_major=major,
        grade=2 if major else None,
        rule_set="gb18218@test",
        trace=[],
    )
    db.add(unit)
    db.flush()
    return unit


@dataclass
class World:
    ent: Enterprise
    unit: MajorHazardUnit
    user: User  # enterprise user, also the 主要负责人
    inspector: User
    other_ent: Enterprise  # another county
    other_unit: MajorHazardUnit
    other_user: User
    outsider: User  # inspector of the other county
    h: dict[str, str]


@pytest.fixture
def world(db: Session, client: TestClient) -> World:
    make_tree(db)
    ent = make_enterprise(db, region_code="139101001", industry="hazardous_chemicals")
    other = make_enterprise(db, region_code="139201", industry="hazardous_chemicals")
    unit, other_unit = make_unit(db, ent), make_unit(db, other)
    user = make_user(db, "enterprise", enterprise_id=ent.id)
    other_user = make_user(db, "enterprise", enterprise_id=other.id)
    inspector = make_user(db, "inspector", region_code="139101")
    outsider = make_user(db, "inspector", region_code="139201")
    db.flush()
    return World(
        ent, unit, user, inspector, other, other_unit, other_user, outsider, auth_headers(client, user)
    )


def point_body(unit_id: int, tag: str = "TI-101", **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "unit_id": unit_id,
        "tag": tag,
        "name": "1#液氯储罐温度",
        "quantity": "temperature",
        "limit_l": -5,
        "limit_h": 35,
        "limit_hh": 45,
        "interval_seconds": 5,
    }
    body.update(kw)
    return body


def device_token(client: TestClient, ent_id: int, headers: dict[str, str], rotate: bool = False) -> str:
    res = client.post(
        f"/api/monitoring/enterprises/{ent_id}/device-tokens?rotate={str(rotate).lower()}",
        json={"name": "DCS 网关"},
        headers=headers,
    )
    assert res.status_code == 201, res.text
    return str(res.json()["token"])
