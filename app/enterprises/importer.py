"""Bulk enterprise import from .xlsx or CSV (UTF-8 or GBK) with a row-level error report.

Rows stream in batches so memory stays bounded. Re-importing the same file changes nothing
(idempotent on the credit code). All-or-nothing by default: any bad row means nothing is written.
"""

from pathlib import Path
from typing import IO, Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from app.audit import service as audit
from app.auth.principal import Principal
from app.enterprises import scope_copy, service
from app.enterprises.columns import BY_HEADER, COLUMNS
from app.enterprises.models import SCALES, STATUSES, Enterprise
from app.errors import AppError, BadInput, Forbidden
from app.regions import service as regions
from app.regions.gcj02 import gcj02_to_wgs84
from app.regions.models import Region
from app.spreadsheets import (
    MAX_REPORTED_ERRORS,
    ImportReport,
    cell_text,
    check_header,
    column_letter,
    read_rows,
)

BATCH = 1000
_SCALE_BY_NAME = {v: k for k, v in SCALES.items()}
_STATUS_BY_NAME = {v: k for k, v in STATUSES.items()}
_CRS_NAMES = {"": "wgs84", "WGS84": "wgs84", "WGS-84": "wgs84", "GCJ02": "gcj02", "GCJ-02": "gcj02"}
WRITTEN_FIELDS = [c.field for c in COLUMNS if not c.export_only and c.field not in ("crs", "township_code")]
WRITTEN_FIELDS.append("region_code")


def _header_map(header: tuple[Any, ...]) -> list[str]:
    names = check_header(header, [c.header for c in COLUMNS], [c.header for c in COLUMNS if c.required])
    return [BY_HEADER[n].field for n in names]


def _parse_row(cells: dict[str, Any], row_no: int, report: ImportReport) -> dict[str, Any] | None:
    """Validate one row's own values (no database); None if the row has errors."""
    ok = True

    def bad(col_field: str, message: str) -> None:
        nonlocal ok
        ok = False
        header = next(c.header for c in COLUMNS if c.field == col_field)
        report.add_error(row_no, header, message)

    out: dict[str, Any] = {}
    try:
        out["credit_code"], _ = service.normalised_credit_code(cell_text(cells.get("credit_code")))
    except AppError as exc:
        bad("credit_code", exc.detail)
    name = cell_text(cells.get("name"))
    if not 2 <= len(name) <= 200:
        bad("name", "企业名称应为2至200个字符")
    out["name"] = name
    try:
        out["industry"] = service.industry_code(cell_text(cells.get("industry")))
    except AppError as exc:
        bad("industry", exc.detail)
    scale = cell_text(cells.get("scale")) or "规下"
    out["scale"] = _SCALE_BY_NAME.get(scale, scale if scale in SCALES else None)
    if out["scale"] is None:
        bad("scale", f"规模应为 规上 或 规下，实际为 {scale!r}")
    status = cell_text(cells.get("status")) or "在营"
    out["status"] = _STATUS_BY_NAME.get(status, status if status in STATUSES else None)
    if out["status"] is None:
        bad("status", f"状态应为 在营、停产 或 关闭，实际为 {status!r}")
    crs = cell_text(cells.get("crs")).upper()
    out["crs"] = _CRS_NAMES.get(crs)
    if out["crs"] is None:
        bad("crs", f"坐标系应为 WGS84 或 GCJ-02，实际为 {crs!r}")
    for key in ("lon", "lat"):
        try:
            out[key] = float(cell_text(cells.get(key)))
        except ValueError:
            bad(key, "应为数字（十进制度）")
    if "lon" in out and "lat" in out:
        try:
            regions.check_coordinates(out["lon"], out["lat"])
        except AppError as exc:
            bad("lat" if exc.field == "lat" else "lon", exc.detail)
    limits = {"address": 300, "department": 100, "contact_name": 50, "contact_phone": 30, "township_code": 12}
    for key, limit in limits.items():
        value = cell_text(cells.get(key)) or None
        if value and len(value) > limit:
            bad(key, f"过长，最多 {limit} 个字符")
        out[key] = value
    return out if ok else None


class _Importer:
    def __init__(self, session: Session, actor: Principal, report: ImportReport):
        self.session = session
        self.actor = actor
        self.report = report
        self.paths: dict[str, str] = dict(session.execute(select(Region.code, Region.path)).all())
        self.levels: dict[str, str] = dict(session.execute(select(Region.code, Region.level)).all())
        self.seen: dict[str, int] = {}

    def check_batch(self, batch: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
        """Checks that need the whole batch or the database: duplicates, regions, jurisdiction."""
        if not batch:
            return []
        lons = np.array([r["lon"] for _, r in batch])
        lats = np.array([r["lat"] for _, r in batch])
        gcj = np.array([r["crs"] == "gcj02" for _, r in batch])
        if gcj.any():
            lons[gcj], lats[gcj] = gcj02_to_wgs84(lons[gcj], lats[gcj])
        codes = regions.locate_points(self.session, lons, lats)
        good = []
        for (row_no, rec), lon, lat, code in zip(batch, lons, lats, codes, strict=True):
            first = self.seen.get(rec["credit_code"])
            if first is not None:
                self.report.add_error(row_no, "统一社会信用代码", f"与第{first}行重复")
                continue
            self.seen[rec["credit_code"]] = row_no
            if code is None:
                self.report.add_error(row_no, "经度", f"坐标 ({lon:.6f}, {lat:.6f}) 不在任何已导入的行政区内")
                continue
            path = self.paths[code]
            town = rec.pop("township_code")
            if town and (self.levels.get(town) != "township" or not path.startswith(self.paths[town])):
                message = (
                    f"乡镇(街道)代码 {town} 不存在"
                    if self.levels.get(town) != "township"
                    else f"坐标不在所填乡镇(街道) {town} 内"
                )
                self.report.add_error(row_no, "所属乡镇(街道)代码", message)
                continue
            if not self.actor.is_admin and not path.startswith(self.actor.region_path):
                self.report.add_error(row_no, "经度", "企业所在行政区不在您的管辖范围内")
                continue
            rec.pop("crs")
            rec.update(lon=float(lon), lat=float(lat), region_code=code)
            good.append((row_no, rec))
        return good

    def write_batch(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        if not batch:
            return
        table = cast(Table, Enterprise.__table__)
        codes = [rec["credit_code"] for _, rec in batch]
        existing = {
            row.credit_code: row
            for row in self.session.execute(select(table).where(table.c.credit_code.in_(codes))).mappings()
        }
        inserts, updates, audits = [], [], []
        for _, rec in batch:
            old = existing.get(rec["credit_code"])
            if old is None:
                inserts.append(rec)
                continue
            before = {k: old[k] for k in WRITTEN_FIELDS}
            if before == {k: rec[k] for k in WRITTEN_FIELDS}:
                self.report.unchanged += 1
                continue
            updates.append({**rec, "_id": old["id"], "_version": old["version"] + 1})
            audits.append(self._audit("update", old["id"], before, rec))
        if inserts:
            self.session.execute(table.insert(), inserts)
            ids = dict(
                self.session.execute(
                    select(table.c.credit_code, table.c.id).where(
                        table.c.credit_code.in_([r["credit_code"] for r in inserts])
                    )
                ).all()
            )
            audits += [self._audit("create", ids[r["credit_code"]], None, r) for r in inserts]
        if updates:
            values: dict[str, Any] = {k: bindparam(k) for k in WRITTEN_FIELDS}
            stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values(**values, version=bindparam("_version"))
            )
            self.session.execute(stmt, updates)
            scope_copy.sync_enterprises(self.session, [u["_id"] for u in updates])
        audit.record_many(self.session, audits)
        self.report.created += len(inserts)
        self.report.updated += len(updates)

    def _audit(
        self, action: str, ent_id: int, before: dict[str, Any] | None, rec: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "actor_id": self.actor.id or None,
            "actor_name": self.actor.username,
            "action": action,
            "entity": "enterprise",
            "entity_id": str(ent_id),
            "enterprise_id": ent_id,
            "region_path": self.paths[rec["region_code"]],
            "before": before,
            "after": {k: rec[k] for k in WRITTEN_FIELDS},
            "note": "批量导入",
        }


def import_stream(
    session: Session,
    actor: Principal,
    stream: IO[bytes],
    filename: str,
    *,
    valid_rows_only: bool = False,
    progress: bool = False,
) -> ImportReport:
    if actor.role not in ("admin", "inspector"):
        raise Forbidden("只有监管人员和管理员可以批量导入企业")
    rows, total = read_rows(stream, filename)
    header = next(rows, None)
    if header is None:
        raise BadInput("文件为空", field="file")
    fields = _header_map(header)
    report = ImportReport()
    importer = _Importer(session, actor, report)
    savepoint = session.begin_nested()
    batch: list[tuple[int, dict[str, Any]]] = []
    bar = tqdm(total=(total - 1) if total else None, unit="行", disable=not progress)

    def flush() -> None:
        good = importer.check_batch(batch)
        # All-or-nothing: after the first error only validation goes on; the savepoint is dropped below.
        if valid_rows_only or report.error_count == 0:
            importer.write_batch(good)
        batch.clear()

    for row_no, values in enumerate(rows, start=2):
        bar.update(1)
        if values is None or all(v is None or cell_text(v) == "" for v in values):
            continue
        report.rows += 1
        extra = [v for v in values[len(fields) :] if cell_text(v)]
        if extra:
            report.add_error(row_no, column_letter(len(fields)), "表头之外的列有数据")
            continue
        rec = _parse_row(dict(zip(fields, values, strict=False)), row_no, report)
        if rec is not None:
            batch.append((row_no, rec))
        if len(batch) >= BATCH:
            flush()
    flush()
    bar.close()
    if report.error_count and not valid_rows_only:
        savepoint.rollback()
        report.written = False
        report.created = report.updated = report.unchanged = 0
    else:
        savepoint.commit()
    if report.error_count > len(report.errors):
        report.notes.append(f"仅列出前 {MAX_REPORTED_ERRORS} 处错误")
    return report


def import_file(
    session: Session, actor: Principal, path: Path, *, valid_rows_only: bool = False, progress: bool = False
) -> ImportReport:
    with path.open("rb") as fh:
        return import_stream(
            session, actor, fh, path.name, valid_rows_only=valid_rows_only, progress=progress
        )
