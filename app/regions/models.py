from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.timeutil import utcnow

# Depth of each administrative level; deeper wins in point lookup.
LEVELS = {"province": 1, "city": 2, "county": 3, "township": 4, "village": 5}
Level = Literal["province", "city", "county", "township", "village"]
LEVEL_NAMES = {
    "province": "省",
    "city": "市",
    "county": "县(区)",
    "township": "乡镇(街道)",
    "village": "村(社区)",
}


class Region(Base):
    """An administrative region (行政区划) identified by its GB/T 2260 / 统计用区划代码."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # Materialised path "130000/130300/130302/": a subtree is one LIKE 'prefix%' on both databases.
    path: Mapped[str] = mapped_column(String(200), index=True)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)  # WKB, WGS84 lon/lat
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    # Synthetic boundaries (demo townships) must be labelled 示意 wherever shown.
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
