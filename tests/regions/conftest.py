import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.principal import SYSTEM
from app.regions import lookup
from app.regions.geo_import import ImportReport, import_geojson
from app.regions.models import Region
from tests.conftest import DATA

SMALL = DATA / "regions" / "small-wgs84.geojson"
_SMALL_FC = json.loads(SMALL.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    # Each test rolls back its regions; never let one test see another's cached index.
    lookup.invalidate()
    yield
    lookup.invalidate()


@pytest.fixture
def fc() -> dict[str, Any]:
    """A private copy of the small WGS84 fixture (children listed before parents)."""
    return copy.deepcopy(_SMALL_FC)


def feature(fc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in fc["features"] if f["properties"].get("adcode") == code)


def import_small(db: Session, data: dict[str, Any] | None = None, **options: Any) -> ImportReport:
    return import_geojson(db, copy.deepcopy(data or _SMALL_FC), SYSTEM, crs="wgs84", **options)


def region_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Region)) or 0
