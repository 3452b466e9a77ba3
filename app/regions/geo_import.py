"""Importing region boundaries from GeoJSON (or a shapefile): validate everything, then write all or nothing.

Every problem in the file is collected and reported together, naming the feature (position, code, name);
if there is any error nothing is written. Geometry that is invalid only in a way that make_valid can fix
without changing the area is repaired and reported as a warning; anything else is rejected with the
location GEOS gives. Regions are upserted by code, parents before children whatever the file order,
with the materialised path, bbox and WKB computed here and one audit row per written region.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record_many
from app.auth.principal import Principal
from app.enterprises import scope_copy
from app.errors import BadInput
from app.regions import lookup
from app.regions.gcj02 import geometry_to_wgs84
from app.regions.models import LEVEL_NAMES, LEVELS, Region
from app.regions.service import CHINA_LAT, CHINA_LON

CRS_CHOICES = ("wgs84", "gcj02")
CODE_PATTERN = re.compile(r"^(\d{6}|\d{9}|\d{12})$")
# make_valid may change the area by this fraction at most for the repair to count as safe.
AREA_TOLERANCE = 1e-3
MAX_NAME_LENGTH = 100
_IN_CHUNK = 500  # codes per IN (...) query

LEVEL_ALIASES = {
    "province": "province",
    "省": "province",
    "省级": "province",
    "自治区": "province",
    "直辖市": "province",
    "city": "city",
    "市": "city",
    "地级市": "city",
    "地级": "city",
    "州": "city",
    "盟": "city",
    "county": "county",
    "district": "county",
    "区县": "county",
    "县区": "county",
    "县": "county",
    "区": "county",
    "县级": "county",
    "县级市": "county",
    "旗": "county",
    "township": "township",
    "town": "township",
    "street": "township",
    "乡镇": "township",
    "乡镇街道": "township",
    "街道": "township",
    "乡": "township",
    "镇": "township",
    "village": "village",
    "community": "village",
    "村": "village",
    "社区": "village",
    "村社区": "village",
    "村居": "village",
}

_GEOS_REASONS = {
    "Self-intersection": "自相交",
    "Ring Self-intersection": "环自相交",
    "Hole lies outside shell": "内环位于外环之外",
    "Holes are nested": "内环相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外环相互嵌套",
    "Duplicate Rings": "重复的环",
    "Too few points in geometry component": "环的顶点过少",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Issue:
    """One problem (or warning) about one feature; index is 0-based, shown 1-based."""

    index: int | None
    code: str | None
    name: str | None
    message: str

    @property
    def text(self) -> str:
        if self.index is None:
            return self.message
        label = " ".join(p for p in (self.code, self.name) if p)
        where = f"第 {self.index + 1} 个要素" + (f"（{label}）" if label else "")
        return f"{where}：{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "text": self.text,
        }


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    def summary(self) -> str:
        if self.errors:
            return f"导入失败：发现 {len(self.errors)} 个错误，未写入任何数据"
        return (
            f"导入完成：新增 {len(self.created)} 个，更新 {len(self.updated)} 个，"
            f"未变 {len(self.unchanged)} 个，警告 {len(self.warnings)} 条"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class RegionRow:
    """A validated region ready to write; geometry is WGS84 (or None for a row without boundary)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: BaseGeometry | None
    is_synthetic: bool = False
    source: str | None = None


# ---------------------------------------------------------------- writing


def write_regions(
    session: Session, actor: Principal, rows: list[RegionRow], *, note: str | None = None
) -> ImportReport:
    """Upsert rows by code, parents first; every parent must be in `rows` or already in the database."""
    by_code = {r.code: r for r in rows}
    parent_codes = {r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code}
    existing = _existing(session, set(by_code) | parent_codes)
    missing = sorted(parent_codes - set(existing))
    if missing:
        raise BadInput(f"上级区划不存在：{'、'.join(missing)}", field="parent_code")
    paths = {code: region.path for code, region in existing.items()}
    report = ImportReport()
    audit_rows: list[dict[str, Any]] = []
    moved: list[tuple[str, str]] = []
    previous_depth = 0
    for depth, row in _parents_first(rows, by_code):
        if depth != previous_depth:
            # The unit of work may order UPDATEs before INSERTs: a moved row's new parent must exist first.
            session.flush()
            previous_depth = depth
        path = (paths[row.parent_code] if row.parent_code else "") + f"{row.code}/"
        paths[row.code] = path
        values = _column_values(row, path)
        current = existing.get(row.code)
        if current is None:
            session.add(Region(code=row.code, **values))
            report.created.append(row.code)
            audit_rows.append(
                _audit_row(actor, "region.create", row.code, None, _snapshot(values), path, note)
            )
            continue
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not changed:
            report.unchanged.append(row.code)
            continue
        before = _snapshot({k: getattr(current, k) for k in values})
        if "path" in changed:
            moved.append((current.path, path))
        for key, value in changed.items():
            setattr(current, key, value)
        report.updated.append(row.code)
        audit_rows.append(_audit_row(actor, "region.update", row.code, before, _snapshot(values), path, note))
    session.flush()
    for old, new in moved:
        _move_descendants(session, actor, old, new, set(report.updated), audit_rows, note)
        scope_copy.sync_region_subtree(session, new)
    record_many(session, audit_rows)
    session.flush()
    lookup.invalidate()
    return report


def _existing(session: Session, codes: Iterable[str]) -> dict[str, Region]:
    wanted = sorted(codes)
    found: dict[str, Region] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.update((r.code, r) for r in session.scalars(select(Region).where(Region.code.in_(chunk))))
    return found


def _parents_first(rows: list[RegionRow], by_code: Mapping[str, RegionRow]) -> list[tuple[int, RegionRow]]:
    """(depth within the batch, row), shallowest first."""
    depth: dict[str, int] = {}

    def depth_of(code: str, seen: frozenset[str] = frozenset()) -> int:
        if code in depth:
            return depth[code]
        if code in seen:
            raise BadInput(f"上级关系成环：{code}", field="parent_code")
        parent = by_code[code].parent_code
        d = depth_of(parent, seen | {code}) + 1 if parent in by_code and parent is not None else 0
        depth[code] = d
        return d

    return sorted(((depth_of(r.code), r) for r in rows), key=lambda dr: (dr[0], dr[1].code))


def _column_values(row: RegionRow, path: str) -> dict[str, Any]:
    geom = row.geometry
    wkb = None if geom is None else shapely.to_wkb(geom)
    bbox: list[float | None] = [None] * 4 if geom is None else [float(v) for v in geom.bounds]
    return {
        "name": row.name,
        "level": row.level,
        "parent_code": row.parent_code,
        "path": path,
        "geometry": wkb,
        "min_lon": bbox[0],
        "min_lat": bbox[1],
        "max_lon": bbox[2],
        "max_lat": bbox[3],
        "is_synthetic": row.is_synthetic,
        "source": row.source,
    }


def _snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "geometry"}
    wkb = values.get("geometry")
    # A digest, not the bytes: enough to see in the audit log that the boundary changed.
    out["geometry_sha1"] = hashlib.sha1(wkb).hexdigest()[:16] if wkb else None
    return out


def _audit_row(
    actor: Principal,
    action: str,
    code: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    path: str,
    note: str | None,
) -> dict[str, Any]:
    return {
        "actor_id": actor.id or None,
        "actor_name": actor.username,
        "action": action,
        "entity": "region",
        "entity_id": code,
        "enterprise_id": None,
        "region_path": path,
        "before": before,
        "after": after,
        "note": note,
    }


def _move_descendants(
    session: Session,
    actor: Principal,
    old: str,
    new: str,
    already_audited: set[str],
    audit_rows: list[dict[str, Any]],
    note: str | None,
) -> None:
    """A region moved to another parent: its whole subtree's paths follow."""
    for region in session.scalars(select(Region).where(Region.path.like(f"{old}%"), Region.path != old)):
        before_path = region.path
        region.path = new + before_path[len(old) :]
        if region.code not in already_audited:
            audit_rows.append(
                _audit_row(
                    actor,
                    "region.update",
                    region.code,
                    {"path": before_path},
                    {"path": region.path},
                    region.path,
                    note,
                )
            )


# ---------------------------------------------------------------- parsing and validation


def import_geojson(
    session: Session,
    data: bytes | str | Mapping[str, Any],
    actor: Principal,
    *,
    crs: str = "wgs84",
    code_property: str = "adcode",
    name_property: str = "name",
    level_property: str = "level",
    parent_property: str = "parent_adcode",
    source: str | None = None,
    is_synthetic: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a FeatureCollection and upsert its regions; raise BadInput listing every error.

    A feature without a parent property gets the parent its code implies (130302 → 130300 → 130000,
    9 digits → the first 6) when that region is in the file or the database; otherwise it is a root.
    Without a level property the level is likewise implied by the code.
    """
    if crs not in CRS_CHOICES:
        raise BadInput(f"坐标系 crs 只能是 {' 或 '.join(CRS_CHOICES)}，收到 {crs!r}", field="crs")
    doc = _parse_document(data)
    features = doc["features"]
    report = ImportReport()
    declared = json.dumps([doc.get("crs"), doc.get("crs_note")], ensure_ascii=False).upper()
    if crs == "wgs84" and ("GCJ" in declared or "高德" in declared):
        hint = "文件声明的坐标系像是 GCJ-02，但按 WGS84 导入；如有误请用 crs=gcj02 重新导入"
        report.warnings.append(Issue(None, None, None, hint))
    rows: list[tuple[int, RegionRow, bool]] = []  # (feature index, row, parent given explicitly)
    first_seen: dict[str, int] = {}
    props_cfg = (code_property, name_property, level_property, parent_property)
    broken: set[str] = set()  # codes of features with errors: their children get no second error
    for index, feature in enumerate(features):
        row, code, explicit_parent = _parse_feature(index, feature, props_cfg, crs, report)
        if row is None:
            if code:
                broken.add(code)
                first_seen.setdefault(code, index)
        elif row.code in first_seen:
            message = f"区划代码重复（与第 {first_seen[row.code] + 1} 个要素相同）"
            report.errors.append(Issue(index, row.code, row.name, message))
        else:
            first_seen[row.code] = index
            row.source, row.is_synthetic = source, is_synthetic
            rows.append((index, row, explicit_parent))
        if progress:
            progress(index + 1, len(features))
    _resolve_parents(session, rows, broken, report)
    if report.errors:
        raise _failure(report)
    result = write_regions(session, actor, [row for _, row, _ in rows], note=source or "导入行政区划边界")
    result.warnings = report.warnings
    return result


def _failure(report: ImportReport) -> BadInput:
    shown = "；".join(e.text for e in report.errors[:5])
    more = f"；另有 {len(report.errors) - 5} 个错误" if len(report.errors) > 5 else ""
    return BadInput(
        f"{report.summary()}。{shown}{more}",
        field="file",
        extra={
            "errors": [e.as_dict() for e in report.errors],
            "warnings": [w.as_dict() for w in report.warnings],
        },
    )


def _parse_document(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data, bytes):
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise BadInput("文件编码无法识别（应为 UTF-8）", field="file")
        data = text
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}", field="file"
            ) from exc
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise BadInput(f"文件不是 GeoJSON FeatureCollection（type 为 {kind!r}）", field="file")
    features = data.get("features")
    if not isinstance(features, list):
        raise BadInput("FeatureCollection 缺少 features 数组", field="file")
    if not features:
        raise BadInput("FeatureCollection 中没有任何要素（features 为空）", field="file")
    return data


def normalise_code(value: Any) -> str | None:
    """'130302', 130302 or 130302.0 → '130302'; None when it is not a 6, 9 or 12 digit code."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text if CODE_PATTERN.match(text) else None


def implied_level(code: str) -> str:
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def implied_parents(code: str) -> list[str]:
    """Candidate parent codes, nearest first, by the structure of GB/T 2260 and 统计用区划代码."""
    if len(code) == 12:
        return [code[:9]]
    if len(code) == 9:
        return [code[:6]]
    if code.endswith("0000"):
        return []
    if code.endswith("00"):
        return [code[:2] + "0000"]
    return [code[:4] + "00", code[:2] + "0000"]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_feature(
    index: int, feature: Any, props_cfg: tuple[str, str, str, str], crs: str, report: ImportReport
) -> tuple[RegionRow | None, str | None, bool]:
    """(row or None when the feature has errors, its code if readable, whether a parent was given)."""
    code_prop, name_prop, level_prop, parent_prop = props_cfg
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        report.errors.append(Issue(index, None, None, "不是 GeoJSON Feature"))
        return None, None, False
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        report.errors.append(Issue(index, None, None, "properties 不是对象"))
        return None, None, False
    raw_code, raw_name = props.get(code_prop), props.get(name_prop)
    name = str(raw_name).strip() if not _blank(raw_name) else None
    code = normalise_code(raw_code) if not _blank(raw_code) else None
    errors: list[str] = []
    if _blank(raw_code):
        errors.append(f"缺少区划代码（属性 {code_prop}）")
    elif code is None:
        errors.append(f"区划代码格式错误：{raw_code!r}（应为 6、9 或 12 位数字）")
    if name is None:
        errors.append(f"缺少名称（属性 {name_prop}）")
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(f"名称过长（最多 {MAX_NAME_LENGTH} 个字符）")
    level = _parse_level(props.get(level_prop), code, level_prop, errors)
    raw_parent = props.get(parent_prop)
    parent = None
    if not _blank(raw_parent):
        parent = normalise_code(raw_parent)
        if parent is None:
            errors.append(f"上级区划代码格式错误：{raw_parent!r}（属性 {parent_prop}）")
        elif parent == code:
            errors.append("上级区划代码不能等于本级代码")
    geom, geom_warnings, geom_error = parse_geometry(feature.get("geometry"), crs)
    if geom_error:
        errors.append(geom_error)
    report.warnings.extend(Issue(index, code or _str(raw_code), name, w) for w in geom_warnings)
    report.errors.extend(Issue(index, code or _str(raw_code), name, e) for e in errors)
    if errors or code is None or name is None or level is None:
        return None, code, parent is not None
    return RegionRow(code, name, level, parent, geom), code, parent is not None


def _str(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _parse_level(raw: Any, code: str | None, level_prop: str, errors: list[str]) -> str | None:
    if _blank(raw):
        return implied_level(code) if code else None
    text = str(raw).strip()
    level = LEVEL_ALIASES.get(text.lower()) or LEVEL_ALIASES.get(text.replace("/", "").replace("、", ""))
    if level is None:
        accepted = "、".join(f"{zh}/{en}" for en, zh in LEVEL_NAMES.items())
        errors.append(f"未知的区划级别：{text!r}（属性 {level_prop}，可用 {accepted}）")
    return level


def _resolve_parents(
    session: Session, rows: list[tuple[int, RegionRow, bool]], broken: set[str], report: ImportReport
) -> None:
    """Check explicit parents exist (file or database), imply missing ones, and check level order
    (a parent must be of a higher level, which also rules out cycles)."""
    in_file = {row.code: row for _, row, _ in rows}
    wanted: set[str] = set()
    for _, row, explicit in rows:
        wanted.update([row.parent_code] if explicit and row.parent_code else implied_parents(row.code))
    in_db = {code: region.level for code, region in _existing(session, wanted - set(in_file)).items()}
    levels = {**in_db, **{code: row.level for code, row in in_file.items()}}
    for index, row, explicit in rows:
        if broken.intersection([row.parent_code] if explicit else implied_parents(row.code)):
            continue
        if explicit:
            if row.parent_code not in levels:
                message = f"上级区划 {row.parent_code} 不存在（文件和数据库中都没有）"
                report.errors.append(Issue(index, row.code, row.name, message))
                continue
        else:
            row.parent_code = next((c for c in implied_parents(row.code) if c in levels), None)
        parent = row.parent_code
        if parent is not None and LEVELS[levels[parent]] >= LEVELS[row.level]:
            message = (
                f"上级区划 {parent} 的级别（{LEVEL_NAMES[levels[parent]]}）"
                f"不高于本级（{LEVEL_NAMES[row.level]}）"
            )
            report.errors.append(Issue(index, row.code, row.name, message))


# ---------------------------------------------------------------- geometry


def parse_geometry(obj: Any, crs: str) -> tuple[BaseGeometry | None, list[str], str | None]:
    """GeoJSON Polygon/MultiPolygon → (WGS84 shapely geometry, warnings, error message or None)."""
    if obj is None:
        return None, [], "缺少几何（geometry 为空）"
    if not isinstance(obj, Mapping):
        return None, [], "geometry 不是对象"
    kind = obj.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return None, [], f"几何类型为 {kind}，只接受 Polygon 或 MultiPolygon"
    coords = obj.get("coordinates")
    parts = [coords] if kind == "Polygon" else coords
    if not isinstance(parts, list):
        return None, [], "coordinates 格式错误"
    warnings: list[str] = []
    polygons: list[Polygon] = []
    implied_area = 0.0
    for part_no, rings in enumerate(parts, start=1):
        where = f"第 {part_no} 个多边形" if kind == "MultiPolygon" else "多边形"
        if not isinstance(rings, list) or not rings:
            return None, [], f"几何为空（{where}没有坐标）"
        clean: list[np.ndarray] = []
        for ring_no, ring in enumerate(rings):
            ring_name = f"{where}的{'外环' if ring_no == 0 else f'第 {ring_no} 个内环'}"
            arr, error = _ring(ring, ring_name, warnings)
            if error:
                return None, [], error
            assert arr is not None
            clean.append(arr)
            area = abs(_shoelace(arr))
            implied_area += area if ring_no == 0 else -area
        polygons.append(Polygon(clean[0], clean[1:]))
    if not polygons:
        return None, [], "几何为空（没有任何多边形）"
    geom: BaseGeometry = polygons[0] if kind == "Polygon" else MultiPolygon(polygons)
    min_x, min_y, max_x, max_y = geom.bounds
    if min_x < CHINA_LON[0] or max_x > CHINA_LON[1] or min_y < CHINA_LAT[0] or max_y > CHINA_LAT[1]:
        swapped = (
            CHINA_LON[0] <= min_y
            and max_y <= CHINA_LON[1]
            and CHINA_LAT[0] <= min_x
            and max_x <= CHINA_LAT[1]
        )
        hint = "经度和纬度可能填反了" if swapped else "坐标应为经纬度（度），不能是投影坐标"
        return None, [], f"坐标超出中国范围（经度 {min_x:g}–{max_x:g}，纬度 {min_y:g}–{max_y:g}）：{hint}"
    if not geom.is_valid:
        reason = describe_invalid(geom)
        fixed = polygonal_part(shapely.make_valid(geom))
        if (
            fixed is None
            or implied_area <= 0
            or abs(fixed.area - implied_area) > AREA_TOLERANCE * implied_area
        ):
            return None, [], f"几何无效且无法安全修复：{reason}"
        warnings.append(f"几何无效（{reason}），已自动修复且面积不变")
        geom = fixed
    if geom.is_empty or geom.area <= 0:
        return None, [], "几何为空或面积为零"
    if crs == "gcj02":
        geom = geometry_to_wgs84(geom)
        if not geom.is_valid:  # vertices closer than the datum shift's curvature can cross
            geom = polygonal_part(shapely.make_valid(geom)) or geom
    return geom, warnings, None


def _ring(ring: Any, name: str, warnings: list[str]) -> tuple[np.ndarray | None, str | None]:
    try:
        arr = np.asarray(ring, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name}的坐标格式错误"
    if arr.size == 0:
        return None, f"几何为空（{name}没有坐标）"
    if arr.ndim != 2 or arr.shape[1] < 2:
        return None, f"{name}的坐标格式错误（应为 [[经度, 纬度], ...]）"
    arr = arr[:, :2]
    if not np.isfinite(arr).all():
        return None, f"{name}含有非数值坐标"
    repeated = np.flatnonzero((arr[1:] == arr[:-1]).all(axis=1)) + 1
    if len(repeated):
        arr = np.delete(arr, repeated, axis=0)
        warnings.append(f"{name}有 {len(repeated)} 个重复顶点，已删除")
    if not (arr[0] == arr[-1]).all():
        arr = np.vstack([arr, arr[:1]])
        warnings.append(f"{name}未闭合，已自动闭合")
    if len(arr) < 4:
        return None, f"{name}的顶点少于 3 个"
    return arr, None


def _shoelace(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygonal part of a make_valid result (it may add zero-area lines or points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return None if geom.is_empty else geom
    polys: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def describe_invalid(geom: BaseGeometry) -> str:
    """GEOS's reason in Chinese with its location ('Self-intersection[x y]' → '自相交，位置 …')."""
    reason = shapely.is_valid_reason(geom)
    match = re.match(r"^(.*?)\s*\[\s*([-\d.eE+]+)\s+([-\d.eE+]+)\s*\]$", reason or "")
    if not match:
        return _GEOS_REASONS.get(reason, reason)
    text = _GEOS_REASONS.get(match.group(1), match.group(1))
    return f"{text}，位置 经度 {float(match.group(2)):.6f}，纬度 {float(match.group(3)):.6f}"


# ---------------------------------------------------------------- shapefile


def read_shapefile(path: str | Path, encoding: str | None = None) -> dict[str, Any]:
    """A shapefile as a GeoJSON FeatureCollection dict (attributes become properties)."""
    import shapefile  # pyshp

    shp = Path(path)
    _check_prj(shp.with_suffix(".prj"))
    if encoding is None:
        cpg = shp.with_suffix(".cpg")
        encoding = cpg.read_text(encoding="ascii", errors="ignore").strip() if cpg.exists() else "utf-8"
    try:
        reader = shapefile.Reader(str(shp), encoding=encoding)
    except shapefile.ShapefileException as exc:
        raise BadInput(f"无法读取 shapefile：{exc}", field="file") from exc
    with reader:
        try:
            features = [
                {
                    "type": "Feature",
                    "properties": rec.record.as_dict(),
                    "geometry": rec.shape.__geo_interface__,
                }
                for rec in reader.iterShapeRecords()
            ]
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"shapefile 属性编码不是 {encoding}，请用 --encoding 指定（如 gbk）", field="file"
            ) from exc
    return {"type": "FeatureCollection", "features": features}


def _check_prj(prj: Path) -> None:
    if not prj.exists():
        return
    wkt = prj.read_text(encoding="ascii", errors="ignore").upper()
    if wkt.startswith("PROJCS") or wkt.startswith("PROJCRS"):
        raise BadInput(
            "shapefile 是投影坐标系（.prj 为 PROJCS），请先转换为经纬度（WGS84 或 GCJ-02）", field="file"
        )


def import_shapefile(
    session: Session, path: str | Path, actor: Principal, *, encoding: str | None = None, **options: Any
) -> ImportReport:
    """Same as import_geojson (same options and validation) for a .shp with its .dbf/.prj/.cpg."""
    return import_geojson(session, read_shapefile(path, encoding), actor, **options)
