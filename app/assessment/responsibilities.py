"""责任清单 and 包保/包联.

- 责任清单: per region, each department's 监管职责 — the industries (and, optionally, the enterprise 规模) it
  supervises there (《安全生产法》第十条: 管行业必须管安全…; see docs/assessment.md). At one region an
  industry and 规模 belongs to one department, so the list answers "whose is this enterprise" without a tie.
  It decides something: a 重大事故隐患's report to the regulator (双报告) goes to the inspectors of the
  responsible department of the enterprise's county (major_hazard_recipients); with no matching entry,
  or no such inspector, to every inspector of the enterprise's region and industry, as before.
- 包联: a leader of a region's government assigned to a lower region or to an enterprise, with the visits
  recorded (what was checked, problems found, optionally the hazard registered for them).
- An enterprise's responsible parties at each level (乡镇 / 县 / 市): the department from that level's
  list and the 包联 leaders of that level whose target is the enterprise or a region containing it.

Scoping (the region subtree rule): lists and assignments belong to a region; inspectors and admins of
that region or above read and edit them (township users read). Enterprise users see only their own
responsible parties (through the enterprise rule). Every change is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from app.assessment.models import (
    RESPONSIBLE_LEVELS,
    SCALES,
    LiaisonAssignment,
    LiaisonVisit,
    ResponsibilityEntry,
)
from app.assessment.schemas import LiaisonEnd, LiaisonIn, ResponsibilityChange, ResponsibilityIn, VisitIn
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.hazards import service as hazards
from app.regions.models import LEVEL_NAMES, Region
from app.timeutil import local_today

ENTRY_AUDITED = ["region_code", "department", "industries", "scales", "duties", "basis"]
LIAISON_AUDITED = [
    "region_code",
    "leader_name",
    "leader_title",
    "leader_user_id",
    "target_region_code",
    "target_enterprise_id",
    "starts_on",
    "ends_on",
]
VISIT_AUDITED = ["assignment_id", "visited_on", "checked", "problems", "hazard_id"]
MAX_LIST = 500


# ---------------------------------------------------------------- scope


def _by_region(stmt: SelectT, column: Any, user: Principal) -> SelectT:
    if user.is_admin:
        return stmt
    if user.role == "enterprise" or not user.region_path:
        return stmt.where(false())
    return stmt.where(column.like(f"{user.region_path}%"))


def _writer(user: Principal, what: str) -> None:
    if not (user.is_admin or user.role == "inspector"):
        raise Forbidden(f"只有监管部门可以{what}")


def _own_region(session: Session, user: Principal, code: str, field: str) -> Region:
    """A region in the caller's subtree; others answer like unknown codes."""
    region = session.get(Region, code)
    if region is None or not (user.is_admin or region.path.startswith(user.region_path or "\0")):
        raise NotFound(f"行政区 {code} 不存在", field=field)
    return region


# ---------------------------------------------------------------- 责任清单


def _check_industries(codes: list[str]) -> list[str]:
    known = enterprises.industries()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BadInput(
            f"未知的行业代码：{'、'.join(unknown)}（见 GET /api/enterprises/industries）", field="industries"
        )
    return list(dict.fromkeys(codes))


def _covers(entry: ResponsibilityEntry, industry: str, scale: str) -> bool:
    return industry in entry.industries and (not entry.scales or scale in entry.scales)


def _check_overlap(
    session: Session, region: Region, data: ResponsibilityIn, industries: list[str], skip: int | None
) -> None:
    """One department per industry and 规模 at a region: the list must not name two for one enterprise."""
    names = enterprises.industries()
    scales = data.scales or list(SCALES)
    for other in session.scalars(
        select(ResponsibilityEntry).where(ResponsibilityEntry.region_code == region.code)
    ):
        if other.id == skip:
            continue
        if other.department == data.department:
            raise Conflict(f"{region.name}的责任清单已有“{data.department}”，请修改该条", field="department")
        for ind in industries:
            if any(_covers(other, ind, s) for s in scales):
                raise Conflict(
                    f"行业“{names.get(ind, ind)}”在{region.name}已由“{other.department}”负责监管，"
                    "同一行业（和规模）只能由一个部门负责",
                    field="industries",
                )


def entry_detail(session: Session, row: ResponsibilityEntry) -> dict[str, Any]:
    names = enterprises.industries()
    region = session.get(Region, row.region_code)
    return {
        "id": row.id,
        "region_code": row.region_code,
        "region_name": region.name if region else row.region_code,
        "department": row.department,
        "industries": row.industries,
        "industry_names": [names.get(i, i) for i in row.industries],
        "scales": row.scales,
        "scale_names": [SCALES[s] for s in row.scales] or ["全部"],
        "duties": row.duties,
        "basis": row.basis,
        "updated_at": row.updated_at,
        "version": row.version,
    }


def get_entry(session: Session, user: Principal, entry_id: int) -> ResponsibilityEntry:
    stmt = select(ResponsibilityEntry).where(ResponsibilityEntry.id == entry_id)
    row = session.scalar(_by_region(stmt, ResponsibilityEntry.region_path, user))
    if row is None:
        raise NotFound(f"责任清单条目 {entry_id} 不存在", field="id")
    return row


def list_entries(session: Session, user: Principal, region: str | None = None) -> list[ResponsibilityEntry]:
    if user.role == "enterprise":
        raise Forbidden("企业用户只能查看本企业的监管责任单位")
    stmt = _by_region(select(ResponsibilityEntry), ResponsibilityEntry.region_path, user)
    if region:
        stmt = stmt.where(
            ResponsibilityEntry.region_code == _own_region(session, user, region, "region").code
        )
    stmt = stmt.order_by(ResponsibilityEntry.region_path, ResponsibilityEntry.department).limit(MAX_LIST)
    return list(session.scalars(stmt))


def _audit_entry(
    session: Session, user: Principal, action: str, row: ResponsibilityEntry, before: dict[str, Any] | None
) -> None:
    after = None if action == "delete" else audit.snapshot(row, ENTRY_AUDITED)
    audit.record(
        session, user, action, "assessment_responsibility", row.id, before=before, after=after,
        region_path=row.region_path,
    )  # fmt: skip


def create_entry(session: Session, user: Principal, data: ResponsibilityIn) -> ResponsibilityEntry:
    _writer(user, "编制责任清单")
    region = _own_region(session, user, data.region, "region")
    industries = _check_industries(data.industries)
    _check_overlap(session, region, data, industries, None)
    row = ResponsibilityEntry(
        region_code=region.code,
        region_path=region.path,
        department=data.department,
        industries=industries,
        scales=sorted(set(data.scales)),
        duties=data.duties or None,
        basis=data.basis or None,
        created_by=user.id or None,
    )
    session.add(row)
    session.flush()
    _audit_entry(session, user, "create", row, None)
    return row


def update_entry(
    session: Session, user: Principal, entry_id: int, data: ResponsibilityChange
) -> ResponsibilityEntry:
    _writer(user, "修改责任清单")
    row = get_entry(session, user, entry_id)
    if data.version != row.version:
        raise Conflict(f"该条已被他人修改（当前版本 {row.version}），请刷新后重试", field="version")
    if data.region != row.region_code:
        raise BadInput("不能改变条目所属的行政区；请在该行政区新增一条", field="region")
    region = session.get_one(Region, row.region_code)
    industries = _check_industries(data.industries)
    _check_overlap(session, region, data, industries, row.id)
    before = audit.snapshot(row, ENTRY_AUDITED)
    row.department, row.industries, row.scales = data.department, industries, sorted(set(data.scales))
    row.duties, row.basis = data.duties or None, data.basis or None
    session.flush()
    _audit_entry(session, user, "update", row, before)
    return row


def delete_entry(session: Session, user: Principal, entry_id: int, version: int) -> None:
    _writer(user, "删除责任清单条目")
    row = get_entry(session, user, entry_id)
    if version != row.version:
        raise Conflict(f"该条已被他人修改（当前版本 {row.version}），请刷新后重试", field="version")
    _audit_entry(session, user, "delete", row, audit.snapshot(row, ENTRY_AUDITED))
    session.delete(row)
    session.flush()


def responsible_entry(
    session: Session, region_code: str, industry: str, scale: str
) -> ResponsibilityEntry | None:
    """The department of a region's 责任清单 that supervises this industry and 规模 (at most one)."""
    rows = session.scalars(
        select(ResponsibilityEntry)
        .where(ResponsibilityEntry.region_code == region_code)
        .order_by(ResponsibilityEntry.id)
    )
    return next((r for r in rows if _covers(r, industry, scale)), None)


def _ancestors(session: Session, region_code: str | None) -> list[Region]:
    """The region and its ancestors, nearest first."""
    region = session.get(Region, region_code) if region_code else None
    if region is None:
        return []
    codes = [c for c in region.path.split("/") if c]
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in reversed(codes) if c in found]


def major_hazard_recipients(session: Session, ent: Enterprise, fallback: list[int]) -> list[int]:
    """Who is told of a 重大事故隐患 report: the active inspectors of the department that the county's
    责任清单 names for the enterprise's industry and 规模, in that county; `fallback` (today's recipients)
    when the county has no such entry or the department no such inspector."""
    county = next((r for r in _ancestors(session, ent.region_code) if r.level == "county"), None)
    entry = responsible_entry(session, county.code, ent.industry, ent.scale) if county else None
    if county is None or entry is None:
        return fallback
    rows = session.execute(
        select(User.id, User.industries)
        .join(Region, Region.code == User.region_code)
        .where(
            User.role == "inspector",
            User.is_active.is_(True),
            User.department == entry.department,
            Region.path.like(f"{county.path}%"),
        )
        .order_by(User.id)
    ).all()
    users = [uid for uid, inds in rows if not inds or ent.industry in inds]
    return users or fallback


# ---------------------------------------------------------------- 包联


def _target_name(session: Session, row: LiaisonAssignment) -> str:
    if row.target_enterprise_id is not None:
        ent = session.get(Enterprise, row.target_enterprise_id)
        return ent.name if ent else str(row.target_enterprise_id)
    region = session.get(Region, row.target_region_code or "")
    return region.name if region else (row.target_region_code or "")


def liaison_detail(session: Session, row: LiaisonAssignment, visits: bool = False) -> dict[str, Any]:
    region = session.get(Region, row.region_code)
    out: dict[str, Any] = {
        "id": row.id,
        "region_code": row.region_code,
        "region_name": region.name if region else row.region_code,
        "level": region.level if region else None,
        "level_name": LEVEL_NAMES.get(region.level, "") if region else "",
        "leader_name": row.leader_name,
        "leader_title": row.leader_title,
        "leader_user_id": row.leader_user_id,
        "target_kind": "enterprise" if row.target_enterprise_id is not None else "region",
        "target_region_code": row.target_region_code,
        "target_enterprise_id": row.target_enterprise_id,
        "target_name": _target_name(session, row),
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "active": row.ends_on is None or row.ends_on >= local_today(),
        "note": row.note,
        "version": row.version,
    }
    if visits:
        out["visits"] = [
            {
                "id": v.id,
                "visited_on": v.visited_on,
                "checked": v.checked,
                "problems": v.problems,
                "hazard_id": v.hazard_id,
                "recorded_at": v.recorded_at,
            }
            for v in session.scalars(
                select(LiaisonVisit)
                .where(LiaisonVisit.assignment_id == row.id)
                .order_by(LiaisonVisit.visited_on.desc(), LiaisonVisit.id.desc())
            )
        ]
    return out


def get_liaison(session: Session, user: Principal, liaison_id: int) -> LiaisonAssignment:
    stmt = select(LiaisonAssignment).where(LiaisonAssignment.id == liaison_id)
    row = session.scalar(_by_region(stmt, LiaisonAssignment.region_path, user))
    if row is None:
        raise NotFound(f"包联记录 {liaison_id} 不存在", field="id")
    return row


def list_liaisons(session: Session, user: Principal) -> list[LiaisonAssignment]:
    if user.role == "enterprise":
        raise Forbidden("企业用户只能查看本企业的包联领导")
    stmt = _by_region(select(LiaisonAssignment), LiaisonAssignment.region_path, user)
    return list(session.scalars(stmt.order_by(LiaisonAssignment.id.desc()).limit(MAX_LIST)))


def _audit_liaison(
    session: Session, user: Principal, action: str, row: LiaisonAssignment, before: Any
) -> None:
    audit.record(
        session, user, action, "assessment_liaison", row.id, before=before,
        after=audit.snapshot(row, LIAISON_AUDITED), enterprise_id=row.target_enterprise_id,
        region_path=row.region_path,
    )  # fmt: skip


def create_liaison(session: Session, user: Principal, data: LiaisonIn) -> LiaisonAssignment:
    _writer(user, "登记包联")
    region = _own_region(session, user, data.region, "region")
    if (data.target_region is None) == (data.target_enterprise_id is None):
        raise BadInput("包联对象须为一个下级行政区或一家企业（二选一）", field="target_region")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise BadInput("结束日期不能早于开始日期", field="ends_on")
    if data.target_enterprise_id is not None:
        ent = enterprises.get_readable(session, user, data.target_enterprise_id)
        ent_region = session.get(Region, ent.region_code or "")
        if ent_region is None or not ent_region.path.startswith(region.path):
            raise BadInput(f"企业“{ent.name}”不在{region.name}辖区内", field="target_enterprise_id")
        target_path = ent_region.path
    else:
        target = _own_region(session, user, data.target_region or "", "target_region")
        if target.code == region.code or not target.path.startswith(region.path):
            raise BadInput(f"包联的行政区须是{region.name}的下级行政区", field="target_region")
        target_path = target.path
    if data.leader_user_id is not None and session.get(User, data.leader_user_id) is None:
        raise BadInput(f"账号 {data.leader_user_id} 不存在", field="leader_user_id")
    row = LiaisonAssignment(
        region_code=region.code,
        region_path=region.path,
        leader_name=data.leader_name,
        leader_title=data.leader_title,
        leader_user_id=data.leader_user_id,
        target_region_code=data.target_region if data.target_enterprise_id is None else None,
        target_enterprise_id=data.target_enterprise_id,
        target_path=target_path,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        note=data.note or None,
        created_by=user.id or None,
    )
    session.add(row)
    session.flush()
    _audit_liaison(session, user, "create", row, None)
    return row


def end_liaison(session: Session, user: Principal, liaison_id: int, data: LiaisonEnd) -> LiaisonAssignment:
    _writer(user, "结束包联")
    row = get_liaison(session, user, liaison_id)
    if data.version != row.version:
        raise Conflict(f"包联记录已被他人修改（当前版本 {row.version}），请刷新后重试", field="version")
    if data.ends_on < row.starts_on:
        raise BadInput("结束日期不能早于开始日期", field="ends_on")
    before = audit.snapshot(row, LIAISON_AUDITED)
    row.ends_on = data.ends_on
    session.flush()
    _audit_liaison(session, user, "end", row, before)
    return row


def add_visit(session: Session, user: Principal, liaison_id: int, data: VisitIn) -> LiaisonVisit:
    row = get_liaison(session, user, liaison_id)
    if not (user.is_admin or user.role == "inspector" or (user.id and user.id == row.leader_user_id)):
        raise Forbidden("只有监管部门或包联领导本人可以登记走访")
    if data.visited_on > local_today():
        raise BadInput("走访日期不能晚于今天", field="visited_on")
    if data.visited_on < row.starts_on:
        raise BadInput(f"走访日期不能早于包联开始日期 {row.starts_on.isoformat()}", field="visited_on")
    if data.hazard_id is not None:
        hz = hazards.get_readable(session, user, data.hazard_id)
        ent = session.get_one(Enterprise, hz.enterprise_id)
        ent_region = session.get(Region, ent.region_code or "")
        inside = (
            hz.enterprise_id == row.target_enterprise_id
            if row.target_enterprise_id is not None
            else ent_region is not None and ent_region.path.startswith(row.target_path)
        )
        if not inside:
            raise BadInput(
                f"隐患 {data.hazard_id} 不属于包联对象“{_target_name(session, row)}”", field="hazard_id"
            )
    visit = LiaisonVisit(
        assignment_id=row.id,
        visited_on=data.visited_on,
        checked=data.checked,
        problems=data.problems or None,
        hazard_id=data.hazard_id,
        recorded_by=user.id or None,
    )
    session.add(visit)
    session.flush()
    audit.record(
        session, user, "create", "assessment_liaison_visit", visit.id,
        after=audit.snapshot(visit, VISIT_AUDITED), enterprise_id=row.target_enterprise_id,
        region_path=row.region_path,
    )  # fmt: skip
    return visit


# ---------------------------------------------------------------- an enterprise's responsible parties


def responsible_parties(session: Session, user: Principal, enterprise_id: int) -> dict[str, Any]:
    """Who is responsible for the enterprise at 乡镇 / 县 / 市 level: the department from that level's
    责任清单 and the active 包联 leaders of that level (of the enterprise or of a region containing it)."""
    ent = enterprises.get_readable(session, user, enterprise_id)
    return parties_of(session, ent)


def parties_of(session: Session, ent: Enterprise) -> dict[str, Any]:
    today = local_today()
    chain = [r for r in _ancestors(session, ent.region_code) if r.level in RESPONSIBLE_LEVELS]
    here = chain[0].path if chain else None
    levels = []
    for region in chain:
        entry = responsible_entry(session, region.code, ent.industry, ent.scale)
        leaders = session.scalars(
            select(LiaisonAssignment)
            .where(
                LiaisonAssignment.region_code == region.code,
                LiaisonAssignment.starts_on <= today,
                or_(LiaisonAssignment.ends_on.is_(None), LiaisonAssignment.ends_on >= today),
                or_(
                    LiaisonAssignment.target_enterprise_id == ent.id,
                    LiaisonAssignment.target_region_code.is_not(None),
                ),
            )
            .order_by(LiaisonAssignment.id)
        )
        levels.append(
            {
                "level": region.level,
                "level_name": LEVEL_NAMES.get(region.level, ""),
                "region_code": region.code,
                "region_name": region.name,
                "department": entry.department if entry else None,
                "duties": entry.duties if entry else None,
                "leaders": [
                    {"name": a.leader_name, "title": a.leader_title, "liaison_id": a.id}
                    for a in leaders
                    if a.target_enterprise_id == ent.id or (here or "").startswith(a.target_path)
                ],
            }
        )
    return {"enterprise_id": ent.id, "enterprise_name": ent.name, "levels": levels}
