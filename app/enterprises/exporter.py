"""Enterprise register export to .xlsx, in the import layout so a file can be edited and re-imported."""

from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.enterprises import service
from app.enterprises.columns import COLUMNS
from app.enterprises.models import SCALES, STATUSES, Enterprise
from app.regions.models import Region
from app.spreadsheets import ExportColumn, export_workbook


def _cell(ent: Enterprise, field: str, industries: dict[str, str]) -> Any:
    if field == "industry":
        return industries.get(ent.industry, ent.industry)
    if field == "scale":
        return SCALES.get(ent.scale, ent.scale)
    if field == "status":
        return STATUSES.get(ent.status, ent.status)
    if field == "crs":
        return "WGS84"
    if field in ("township_code", "region_name"):
        return None  # filled from the region below
    return getattr(ent, field)


def write_xlsx(session: Session, user: Principal, fh: IO[bytes]) -> int:
    """Stream every readable enterprise into a write-only workbook; returns the row count."""
    industries = service.industries()
    regions = {
        code: (name, level)
        for code, name, level in session.execute(select(Region.code, Region.name, Region.level))
    }
    with export_workbook(fh) as wb:
        ws = wb.sheet("企业名录", [ExportColumn(c.header, c.width) for c in COLUMNS])
        fields = [c.field for c in COLUMNS]
        count = 0
        stmt = (
            service.readable(select(Enterprise), user)
            .order_by(Enterprise.id)
            .execution_options(yield_per=1000)
        )
        for ent in session.scalars(stmt):
            row = [_cell(ent, c.field, industries) for c in COLUMNS]
            name, level = regions.get(ent.region_code or "", ("", ""))
            row[fields.index("region_name")] = name
            if level == "township":
                row[fields.index("township_code")] = ent.region_code
            ws.append(row)
            count += 1
    return count
