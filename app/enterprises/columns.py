"""The spreadsheet layout shared by enterprise import and export (one place, so they round-trip)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    # Written on export for people to read; ignored on import, so an exported file imports back.
    export_only: bool = False
    width: float = 12  # of the exported column (a Chinese character counts two)


COLUMNS = [
    Column("统一社会信用代码", "credit_code", True, width=21),
    Column("企业名称", "name", True, width=40),
    Column("行业", "industry", True, width=16),
    Column("规模", "scale", width=8),
    Column("地址", "address", width=40),
    Column("经度", "lon", True),
    Column("纬度", "lat", True),
    Column("坐标系", "crs"),
    Column("所属乡镇(街道)代码", "township_code"),
    Column("监管部门", "department", width=16),
    Column("联系人", "contact_name"),
    Column("联系电话", "contact_phone", width=15),
    Column("状态", "status"),
    Column("所属行政区", "region_name", export_only=True, width=16),
]
BY_HEADER = {c.header: c for c in COLUMNS}
