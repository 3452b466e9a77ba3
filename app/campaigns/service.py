"""专项整治 campaigns: create, scope, checklist, the enterprises' 自查报告 workflow, progress by region and
industry, and the 调度 table. No HTTP here; services never commit."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.principal import Principal
from app.campaigns import tags as tagging
from app.campaigns import transitions as t
from app.campaigns.models import (
    EDITABLE,
    FILED,
    REPORT_STATES,
    RESULTS,
    Campaign,
    CampaignAnswer,
    CampaignHazard,
    CampaignItem,
    CampaignReport,
    CampaignReportEvent,
)
from app.campaigns.schemas import AnswerIn, CampaignIn, ReportAction
from app.db import SelectT
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.hazards import service as hazards
from app.hazards.models import FINISHED, Hazard
from app.hazards.schemas import HazardIn
from app.regions.models import Region
from app.rules_engine import get_registry
from app.rules_engine.errors import RuleInputError
from app.rules_engine.hazards import applicable_catalogues
from app.spreadsheets import ExportColumn, export_workbook
from app.timeutil import local_today, utcnow

AUDITED = [
    "title",
    "department",
    "region_code",
    "industries",
    "scope_regions",
    "tags",
    "starts_on",
    "ends_on",
]


def policy() -> Any:
    return get_registry().select("campaign_policy").model


# ---------------------------------------------------------------- scope


def _region_paths(session: Session, codes: Iterable[str]) -> list[str]:
    return list(session.scalars(select(Region.path).where(Region.code.in_(list(codes)))))


def scope_filter(stmt: SelectT, paths: list[str] | None, industries: list[str], tags: list[str]) -> SelectT:
    """Narrow a select over Enterprise to a scope: region subtrees (any; None when the caller has already
    limited the regions to a part of one of them), industries (any), tags (any); closed enterprises are
    never in scope."""
    stmt = stmt.where(Enterprise.status != "closed")
    if paths is not None:
        in_regions = select(Region.code).where(or_(*[Region.path.like(f"{p}%") for p in paths]))
        stmt = stmt.where(Enterprise.region_code.in_(in_regions))
    if industries:
        stmt = stmt.where(Enterprise.industry.in_(industries))
    if tags:
        stmt = stmt.where(Enterprise.id.in_(tagging.tagged(tags)))
    return stmt


def _scope_paths(session: Session, campaign: Campaign) -> list[str]:
    return (
        _region_paths(session, campaign.scope_regions) if campaign.scope_regions else [campaign.region_path]
    )


def in_scope(session: Session, campaign: Campaign, stmt: SelectT) -> SelectT:
    return scope_filter(stmt, _scope_paths(session, campaign), campaign.industries, campaign.tags)


def checked_scope(
    session: Session, user: Principal, industries: list[str], regions: list[str], tags: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """Validated scope: known industries and tags, regions inside the sender's jurisdiction."""
    inds = [enterprises.industry_code(i, field="scope.industries") for i in industries]
    tag_list = tagging.check_tags(tags, field="scope.tags")
    region_codes = list(dict.fromkeys(regions))
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(region_codes)))}
    for code in region_codes:
        region = found.get(code)
        if region is None:
            raise BadInput(f"行政区划 {code} 不存在", field="scope.regions")
        if not user.is_admin and not region.path.startswith(user.region_path):
            raise BadInput(f"行政区划 {region.name} 不在您的管辖范围内", field="scope.regions")
    return list(dict.fromkeys(inds)), region_codes, tag_list


def _issuer(user: Principal) -> None:
    if user.role not in ("inspector", "admin"):
        raise Forbidden("只有监管部门可以组织专项整治或发送安全提示")
    if user.role == "inspector" and not user.region_code:
        raise Forbidden("您的账号没有所属行政区，不能组织专项整治")


# ---------------------------------------------------------------- campaigns


def readable(stmt: Select[Any], user: Principal) -> Select[Any]:
    """Campaigns a user may see: issued in or above their region (a township sees the county's campaign,
    limited to its own enterprises everywhere it looks) or inside it. Enterprises: see list_campaigns."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(Campaign.id.in_(_enterprise_campaign_ids_stmt(user)))
    path = user.region_path
    return stmt.where(
        or_(
            Campaign.region_path.like(f"{path}%"),
            func.substr(path, 1, func.length(Campaign.region_path)) == Campaign.region_path,
        )
    )


def _enterprise_campaign_ids_stmt(user: Principal) -> Select[Any]:
    # Campaigns issued at or above the enterprise's region; scope is checked per campaign afterwards.
    ent_path = (
        select(Region.path)
        .join(Enterprise, Enterprise.region_code == Region.code)
        .where(Enterprise.id == user.enterprise_id)
        .scalar_subquery()
    )
    return select(Campaign.id).where(
        func.substr(ent_path, 1, func.length(Campaign.region_path)) == Campaign.region_path
    )


def _enterprise_sees(session: Session, campaign: Campaign, enterprise_id: int) -> bool:
    stmt = in_scope(session, campaign, select(Enterprise.id).where(Enterprise.id == enterprise_id))
    return session.scalar(stmt) is not None


def _sees(session: Session, user: Principal, campaign: Campaign) -> bool:
    """Past the region rule: an enterprise only in scope; an inspector limited to some industries only a
    campaign for all industries or one of theirs."""
    if user.role == "enterprise":
        return _enterprise_sees(session, campaign, user.enterprise_id or 0)
    if user.role == "inspector" and user.industries and campaign.industries:
        return bool(set(user.industries) & set(campaign.industries))
    return True


def get_campaign(session: Session, user: Principal, campaign_id: int) -> Campaign:
    campaign = session.scalar(readable(select(Campaign).where(Campaign.id == campaign_id), user))
    if campaign is None or not _sees(session, user, campaign):
        raise NotFound(f"专项整治 {campaign_id} 不存在")
    return campaign


def list_campaigns(session: Session, user: Principal, limit: int = 100) -> list[Campaign]:
    rows = list(session.scalars(readable(select(Campaign), user).order_by(Campaign.id.desc()).limit(limit)))
    return [c for c in rows if _sees(session, user, c)]


def default_phases(starts_on: date, ends_on: date) -> list[dict[str, Any]]:
    """The policy's phases over the period, each ending after its share of the days."""
    days = (ends_on - starts_on).days + 1
    out, used = [], 0.0
    phases = policy().phases
    for n, p in enumerate(phases):
        used += p.share
        end = ends_on if n == len(phases) - 1 else starts_on + timedelta(days=max(round(days * used) - 1, 0))
        out.append({"name": p.name, "ends_on": end.isoformat(), "description": p.description})
    return out


def _catalogue_items(
    session: Session, industries: list[str], tags: list[str], codes: list[str] | None, on: date
) -> list[dict[str, Any]]:
    registry = get_registry()
    prefixes = [p for entry in policy().tags if entry.tag in tags for p in entry.item_prefixes]
    found: dict[str, dict[str, Any]] = {}
    for industry in industries:
        try:
            _, entry = applicable_catalogues(industry, on=on, registry=registry)
        except RuleInputError:
            continue
        for catalogue_id in entry.catalogues:
            try:
                cat = registry.select("major_hidden_hazard", on=on, ids=[catalogue_id]).model
            except RuleInputError:
                continue
            for item in cat.items:
                if industry not in cat.item_industries(item):
                    continue
                if codes is not None and item.code not in codes:
                    continue
                if codes is None and prefixes and not any(item.code.startswith(p) for p in prefixes):
                    continue
                row = found.setdefault(
                    item.code,
                    {
                        "code": item.code,
                        "clause": item.clause,
                        "text": item.text,
                        "catalogue": cat.title,
                        "industries": [],
                    },
                )
                row["industries"].append(industry)
    if codes is not None:
        missing = [c for c in codes if c not in found]
        if missing:
            raise BadInput(
                f"判定标准条目 {'、'.join(missing)} 不适用于本次整治范围内的行业", field="catalogue_codes"
            )
    return list(found.values())


def create_campaign(session: Session, user: Principal, data: CampaignIn) -> Campaign:
    _issuer(user)
    if data.ends_on < data.starts_on:
        raise BadInput("结束日期不能早于开始日期", field="ends_on")
    if data.basis_date and data.basis_date > local_today():
        raise BadInput("依据文件日期不能晚于今天", field="basis_date")
    industries, region_codes, tag_list = checked_scope(
        session, user, data.scope.industries, data.scope.regions, data.scope.tags
    )
    region_code = user.region_code or (region_codes[0] if region_codes else None)
    if region_code is None:
        raise BadInput("请在范围中选择行政区", field="scope.regions")
    region = session.get(Region, region_code)
    if region is None:
        raise BadInput(f"行政区划 {region_code} 不存在", field="scope.regions")
    if data.phases:
        phases = [{"name": p.name, "ends_on": p.ends_on.isoformat()} for p in data.phases]
        names = [p.name for p in data.phases]
        if len(set(names)) != len(names):
            raise BadInput("阶段名称不能重复", field="phases")
        ends = [p.ends_on for p in data.phases]
        if ends != sorted(ends) or ends[0] < data.starts_on or ends[-1] > data.ends_on:
            raise BadInput("各阶段截止日期须在整治期间内并按先后顺序排列", field="phases")
    else:
        phases = default_phases(data.starts_on, data.ends_on)
    report_phase = data.report_phase or policy().report_phase
    by_name = {p["name"]: p for p in phases}
    if report_phase not in by_name:
        raise BadInput(f"自查报告截止阶段“{report_phase}”不在阶段列表中", field="report_phase")
    if data.major_zero_by and not data.starts_on <= data.major_zero_by:
        raise BadInput("重大隐患清零日期不能早于开始日期", field="major_zero_by")
    campaign = Campaign(
        title=data.title,
        basis_number=data.basis_number,
        basis_date=data.basis_date,
        department=user.department or "系统管理员",
        region_code=region.code,
        region_path=region.path,
        industries=industries,
        scope_regions=region_codes,
        tags=tag_list,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        phases=phases,
        report_phase=report_phase,
        report_due=date.fromisoformat(by_name[report_phase]["ends_on"]),
        target_coverage=data.target_coverage or policy().target_coverage,
        major_zero_by=data.major_zero_by,
        created_by=user.id or None,
    )
    session.add(campaign)
    session.flush()
    items: list[dict[str, Any]] = []
    if data.include_catalogue:
        item_industries = industries or list(
            session.scalars(in_scope(session, campaign, select(Enterprise.industry).distinct()))
        )
        items += [
            {**i, "source": "catalogue"}
            for i in _catalogue_items(
                session, sorted(item_industries), tag_list, data.catalogue_codes, data.starts_on
            )
        ]
    items += [
        {"source": "own", "text": o.text, "industries": o.industries, "code": None} for o in data.own_items
    ]
    if not items:
        raise BadInput("检查清单为空：请纳入判定标准条目或填写本次整治自定的检查项", field="own_items")
    for n, item in enumerate(items, start=1):
        session.add(CampaignItem(campaign_id=campaign.id, position=n, **item))
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "campaign",
        campaign.id,
        after=audit.snapshot(campaign, AUDITED),
        region_path=campaign.region_path,
    )
    return campaign


def _items(session: Session, campaign_id: int) -> list[CampaignItem]:
    stmt = select(CampaignItem).where(CampaignItem.campaign_id == campaign_id).order_by(CampaignItem.position)
    return list(session.scalars(stmt))


def items_for(items: list[CampaignItem], industry: str) -> list[CampaignItem]:
    return [i for i in items if not i.industries or industry in i.industries]


def current_phase(campaign: Campaign, today: date | None = None) -> str | None:
    today = today or local_today()
    if today < campaign.starts_on or today > campaign.ends_on:
        return None
    for p in campaign.phases:
        if today <= date.fromisoformat(p["ends_on"]):
            return str(p["name"])
    return None


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    names = enterprises.industries()
    return {
        "id": campaign.id,
        "title": campaign.title,
        "basis_number": campaign.basis_number,
        "basis_date": campaign.basis_date,
        "department": campaign.department,
        "region_code": campaign.region_code,
        "scope": {
            "industries": campaign.industries,
            "industry_names": [names.get(i, i) for i in campaign.industries],
            "regions": campaign.scope_regions,
            "tags": campaign.tags,
        },
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "phases": campaign.phases,
        "current_phase": current_phase(campaign),
        "report_phase": campaign.report_phase,
        "report_due": campaign.report_due,
        "target_coverage": campaign.target_coverage,
        "major_zero_by": campaign.major_zero_by,
        "version": campaign.version,
    }


def item_out(item: CampaignItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "source": item.source,
        "code": item.code,
        "clause": item.clause,
        "catalogue": item.catalogue,
        "text": item.text,
        "industries": item.industries,
    }


def detail(session: Session, user: Principal, campaign_id: int) -> dict[str, Any]:
    campaign = get_campaign(session, user, campaign_id)
    out = campaign_out(campaign)
    items = _items(session, campaign.id)
    if user.role == "enterprise" and user.enterprise_id:
        ent = session.get(Enterprise, user.enterprise_id)
        assert ent is not None
        out["items"] = [item_out(i) for i in items_for(items, ent.industry)]
        out["report"] = report_out(session, user, campaign, user.enterprise_id)
    else:
        out["items"] = [item_out(i) for i in items]
    return out


# ---------------------------------------------------------------- 自查报告


def _report(session: Session, campaign_id: int, enterprise_id: int) -> CampaignReport | None:
    return session.scalar(
        select(CampaignReport).where(
            CampaignReport.campaign_id == campaign_id, CampaignReport.enterprise_id == enterprise_id
        )
    )


def _enterprise_in(session: Session, user: Principal, campaign: Campaign, enterprise_id: int) -> Enterprise:
    """An enterprise the user may read and that is in the campaign's scope (else 404)."""
    ent = enterprises.get_readable(session, user, enterprise_id)
    if not _enterprise_sees(session, campaign, ent.id):
        raise NotFound(f"企业 {enterprise_id} 不在本次专项整治范围内")
    return ent


def _event(
    report: CampaignReport,
    user: Principal,
    action: str,
    before: str | None,
    note: str | None,
    data: dict[str, Any] | None = None,
) -> CampaignReportEvent:
    return CampaignReportEvent(
        report_id=report.id,
        actor_id=user.id or None,
        actor_name=user.display_name or user.username,
        action=action,
        from_state=before,
        to_state=report.state,
        note=note,
        attachments=[],
        data=data,
    )


def _region_path_of(session: Session, ent: Enterprise) -> str | None:
    return (
        session.scalar(select(Region.path).where(Region.code == ent.region_code)) if ent.region_code else None
    )


def answer_item(
    session: Session, user: Principal, campaign_id: int, item_id: int, body: AnswerIn
) -> dict[str, Any]:
    if user.role != "enterprise" or not user.enterprise_id:
        raise Forbidden("检查清单由企业填写")
    campaign = get_campaign(session, user, campaign_id)
    ent = _enterprise_in(session, user, campaign, user.enterprise_id)
    item = session.get(CampaignItem, item_id)
    if (
        item is None
        or item.campaign_id != campaign.id
        or item not in items_for(_items(session, campaign.id), ent.industry)
    ):
        raise NotFound(f"检查项 {item_id} 不存在")
    if body.result == "problem" and not body.note and body.hazard is None:
        raise BadInput("发现问题时请填写问题说明或登记隐患", field="note")
    if body.hazard is not None and body.result != "problem":
        raise BadInput("只有“发现问题”的检查项可以登记隐患", field="hazard")
    report = _report(session, campaign.id, ent.id)
    if report is None:
        report = CampaignReport(campaign_id=campaign.id, enterprise_id=ent.id, state="draft")
        session.add(report)
        session.flush()
        session.add(_event(report, user, "start", None, None))
    if report.state not in EDITABLE:
        raise Conflict(f"自查报告{REPORT_STATES[report.state]}，不能再修改检查结果", field="result")
    photos = attachments.check_ids(session, user, body.photos, ent.id, field="photos")
    row = session.scalar(
        select(CampaignAnswer).where(CampaignAnswer.report_id == report.id, CampaignAnswer.item_id == item.id)
    )
    before = audit.snapshot(row, ["result", "note", "photo_ids"]) if row else None
    if row is None:
        row = CampaignAnswer(report_id=report.id, item_id=item.id)
        session.add(row)
    row.result, row.note, row.photo_ids = body.result, body.note, photos
    row.answered_by, row.answered_at = user.id or None, utcnow()
    hazard_id = None
    if body.hazard is not None:
        data = HazardIn(**{**body.hazard.model_dump(), "enterprise_id": ent.id})
        created = hazards.create_hazard(session, user, data)
        hazard_id = created.hazard.id
        session.add(
            CampaignHazard(
                campaign_id=campaign.id, hazard_id=hazard_id, enterprise_id=ent.id, item_id=item.id
            )
        )
    session.flush()
    audit.record(
        session,
        user,
        "answer",
        "campaign_report",
        report.id,
        before=before,
        after={
            **audit.snapshot(row, ["result", "note", "photo_ids"]),
            "item_id": item.id,
            "hazard_id": hazard_id,
        },
        enterprise_id=ent.id,
        region_path=_region_path_of(session, ent),
    )
    return {
        "item_id": item.id,
        "result": row.result,
        "note": row.note,
        "photos": row.photo_ids,
        "hazard_id": hazard_id,
    }


def link_hazard(session: Session, user: Principal, campaign_id: int, hazard_id: int) -> None:
    """Count an existing register hazard in this campaign (found during it, outside the checklist)."""
    campaign = get_campaign(session, user, campaign_id)
    hz = hazards.get_readable(session, user, hazard_id)
    _enterprise_in(session, user, campaign, hz.enterprise_id)
    if session.scalar(select(CampaignHazard.id).where(CampaignHazard.hazard_id == hz.id)) is not None:
        raise Conflict(f"隐患 {hazard_id} 已计入专项整治", field="hazard_id")
    session.add(CampaignHazard(campaign_id=campaign.id, hazard_id=hz.id, enterprise_id=hz.enterprise_id))
    session.flush()
    audit.record(
        session,
        user,
        "link_hazard",
        "campaign",
        campaign.id,
        after={"hazard_id": hz.id},
        enterprise_id=hz.enterprise_id,
        region_path=hz.region_path,
    )


def report_out(session: Session, user: Principal, campaign: Campaign, enterprise_id: int) -> dict[str, Any]:
    ent = session.get(Enterprise, enterprise_id)
    assert ent is not None
    report = _report(session, campaign.id, enterprise_id)
    items = items_for(_items(session, campaign.id), ent.industry)
    answers: dict[int, CampaignAnswer] = {}
    events: list[dict[str, Any]] = []
    actions: list[str] = []
    if report is not None:
        answers = {
            a.item_id: a
            for a in session.scalars(select(CampaignAnswer).where(CampaignAnswer.report_id == report.id))
        }
        events = [
            {
                "at": e.at,
                "actor": e.actor_name,
                "action": e.action,
                "label": t.label(e.action) if e.action in t.ACTION_LABELS else "开始自查",
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
            }
            for e in session.scalars(
                select(CampaignReportEvent)
                .where(CampaignReportEvent.report_id == report.id)
                .order_by(CampaignReportEvent.id)
            )
        ]
        ctx = t.Ctx(session, campaign, report, user, len(items))
        actions = t.allowed_actions(ctx)
    hazard_rows = session.execute(
        select(Hazard.id, Hazard.description, Hazard.grade, Hazard.state, CampaignHazard.item_id)
        .join(CampaignHazard, CampaignHazard.hazard_id == Hazard.id)
        .where(CampaignHazard.campaign_id == campaign.id, CampaignHazard.enterprise_id == enterprise_id)
        .order_by(Hazard.id)
    ).all()
    state = report.state if report else "not_started"
    return {
        "id": report.id if report else None,
        "campaign_id": campaign.id,
        "enterprise_id": enterprise_id,
        "enterprise_name": ent.name,
        "state": state,
        "state_label": REPORT_STATES[state],
        "filed_at": report.filed_at if report else None,
        "filed_late": report.filed_late if report else False,
        "times_filed": report.times_filed if report else 0,
        "returned_reason": report.returned_reason if report else None,
        "document_id": report.document_id if report else None,
        "version": report.version if report else None,
        "due": campaign.report_due,
        "overdue": state not in FILED and local_today() > campaign.report_due,
        "answered": len(answers),
        "total": len(items),
        "editable": state in ("not_started", *EDITABLE),
        "answers": [
            {
                "item_id": i.id,
                "result": answers[i.id].result,
                "result_label": RESULTS[answers[i.id].result],
                "note": answers[i.id].note,
                "photos": answers[i.id].photo_ids,
            }
            for i in items
            if i.id in answers
        ],
        "hazards": [
            {
                "id": h.id,
                "description": h.description,
                "grade": h.grade,
                "state": h.state,
                "item_id": h.item_id,
            }
            for h in hazard_rows
        ],
        "events": events,
        "actions": actions,
    }


def _readable_report(
    session: Session, user: Principal, report_id: int
) -> tuple[Campaign, Enterprise, CampaignReport]:
    """A report of an enterprise the user may read, in a campaign the user may see (else 404)."""
    stmt = enterprises.owned_by_readable(
        select(CampaignReport).where(CampaignReport.id == report_id), CampaignReport.enterprise_id, user
    )
    report = session.scalar(stmt)
    if report is not None:
        try:
            campaign = get_campaign(session, user, report.campaign_id)
        except NotFound:
            report = None
    if report is None:
        raise NotFound(f"自查报告 {report_id} 不存在")
    ent = session.get(Enterprise, report.enterprise_id)
    assert ent is not None
    return campaign, ent, report


def get_report(session: Session, user: Principal, report_id: int) -> dict[str, Any]:
    campaign, ent, _ = _readable_report(session, user, report_id)
    return report_out(session, user, campaign, ent.id)


def act(session: Session, user: Principal, report_id: int, action: str, body: ReportAction) -> dict[str, Any]:
    campaign, ent, report = _readable_report(session, user, report_id)
    if action not in t.ACTION_LABELS:
        raise NotFound(f"操作 {action} 不存在", field="action")
    if body.version is not None and body.version != report.version:
        raise Conflict(f"自查报告已被他人办理（当前版本 {report.version}），请刷新后重试", field="version")
    items = items_for(_items(session, campaign.id), ent.industry)
    ctx = t.Ctx(session, campaign, report, user, len(items))
    reason = t.refusal(ctx, action)
    if reason:
        raise Conflict(reason, field="action")
    if action == "return" and not body.note:
        raise BadInput("退回自查报告须写明退回原因", field="note")
    before = report.state
    report.state = t.WORKFLOW.next_state(before, action)
    now = utcnow()
    if action == "file":
        report.filed_at = now
        report.times_filed += 1
        report.filed_late = local_today() > campaign.report_due
        report.summary = body.note
        report.returned_reason = None
    elif action == "return":
        report.returned_reason = body.note
    session.flush()
    session.add(_event(report, user, action, before, body.note))
    audit.record(
        session,
        user,
        action,
        "campaign_report",
        report.id,
        before={"state": before},
        after={"state": report.state},
        note=body.note,
        enterprise_id=ent.id,
        region_path=_region_path_of(session, ent),
    )
    if action == "file":
        report.document_id = _issue_pdf(session, user, campaign, ent, report)
    session.flush()
    return report_out(session, user, campaign, ent.id)


def _issue_pdf(
    session: Session, user: Principal, campaign: Campaign, ent: Enterprise, report: CampaignReport
) -> int:
    """The 自查报告 as filed, through the one documents module (stored once per filing)."""
    from app.documents import service as documents

    out = report_out(session, user, campaign, ent.id)
    items = {i.id: i for i in _items(session, campaign.id)}
    rows = [
        {
            "no": n,
            "text": items[a["item_id"]].text,
            "code": items[a["item_id"]].code or "",
            "result": a["result_label"],
            "note": a["note"] or "",
        }
        for n, a in enumerate(out["answers"], start=1)
    ]
    doc = documents.issue(
        session,
        user,
        kind="campaigns.self_check_report",
        title="专项整治自查报告",
        template="campaigns/self_check_report.html",
        context={
            "campaign_title": campaign.title,
            "basis_number": campaign.basis_number or "",
            "department": campaign.department,
            "enterprise_name": ent.name,
            "credit_code": ent.credit_code,
            "rows": rows,
            "hazards": [
                {"description": h["description"], "grade": "重大" if h["grade"] == "major" else "一般"}
                for h in out["hazards"]
            ],
            "summary": report.summary or "",
            "times_filed": report.times_filed,
            "filed_by": user.display_name or user.username,
        },
        enterprise_id=ent.id,
        subject_type="campaign_report",
        subject_id=report.id,
        issuer=ent.name,
    )
    return int(doc.id)


# ---------------------------------------------------------------- progress


# The summed figures of a progress row, in the order the progress query selects them.
COUNT_FIELDS = (
    "in_scope",
    "filed",
    "returned",
    "overdue",
    "hazards",
    "hazards_closed",
    "major",
    "major_closed",
    "major_open",
)


@dataclass
class Counts:
    in_scope: int = 0
    filed: int = 0
    returned: int = 0
    overdue: int = 0
    hazards: int = 0
    hazards_closed: int = 0
    major: int = 0
    major_closed: int = 0
    major_open: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, other: "Counts") -> None:
        for k in COUNT_FIELDS:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def out(self) -> dict[str, Any]:
        coverage = round(100 * self.filed / self.in_scope, 1) if self.in_scope else 0.0
        return {
            "in_scope": self.in_scope,
            "filed": self.filed,
            "coverage": coverage,
            "returned": self.returned,
            "overdue": self.overdue,
            "hazards": self.hazards,
            "hazards_closed": self.hazards_closed,
            "major": self.major,
            "major_closed": self.major_closed,
            "major_open": self.major_open,
            **self.extra,
        }


def _scoped_enterprises(
    session: Session, user: Principal, campaign: Campaign, region: str | None, stmt: SelectT
) -> SelectT:
    """Narrow a select over Enterprise to the campaign's scope, the caller's scope and a region.

    Each region subtree is one more join per enterprise, so a subtree that contains another one applied
    here is left out: enterprises.readable limits a department to its own region's subtree."""
    path = None
    if region:
        path = session.scalar(select(Region.path).where(Region.code == region))
        if path is None:
            raise BadInput(f"行政区划 {region} 不存在", field="region")
    caller = None if user.is_admin or user.role == "enterprise" else user.region_path
    paths: list[str] | None = _scope_paths(session, campaign)
    if any(q.startswith(p) for q in (path, caller) if q for p in paths or []):
        paths = None  # the region asked for or the caller's lies inside one of the scope's regions
    stmt = enterprises.readable(scope_filter(stmt, paths, campaign.industries, campaign.tags), user)
    if path and not (caller and caller.startswith(path)):
        stmt = stmt.where(Enterprise.region_code.in_(select(Region.code).where(Region.path.like(f"{path}%"))))
    return stmt


def _hazard_counts(campaign_id: int) -> Any:
    closed = Hazard.state == "closed"
    major = Hazard.grade == "major"
    return (
        select(
            CampaignHazard.enterprise_id.label("enterprise_id"),
            func.count().label("found"),
            func.sum(case((closed, 1), else_=0)).label("closed"),
            func.sum(case((major, 1), else_=0)).label("major"),
            func.sum(case((and_(major, closed), 1), else_=0)).label("major_closed"),
            # Open = not 销号 and not 撤销 (a withdrawn hazard is neither closed nor open), as major_zero.
            func.sum(case((and_(major, Hazard.state.not_in(FINISHED)), 1), else_=0)).label("major_open"),
        )
        .join(Hazard, Hazard.id == CampaignHazard.hazard_id)
        .where(CampaignHazard.campaign_id == campaign_id)
        .group_by(CampaignHazard.enterprise_id)
        .subquery()
    )


def _rows(
    session: Session, user: Principal, campaign: Campaign, region: str | None, group: tuple[Any, ...]
) -> list[Any]:
    hz = _hazard_counts(campaign.id)
    filed = CampaignReport.state.in_(FILED)
    not_filed = or_(CampaignReport.state.is_(None), CampaignReport.state.not_in(FILED))
    overdue = not_filed if local_today() > campaign.report_due else false()
    stmt = (
        select(
            *group,
            func.count(Enterprise.id),
            func.sum(case((filed, 1), else_=0)),
            func.sum(case((CampaignReport.state == "returned", 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
            func.coalesce(func.sum(hz.c.found), 0),
            func.coalesce(func.sum(hz.c.closed), 0),
            func.coalesce(func.sum(hz.c.major), 0),
            func.coalesce(func.sum(hz.c.major_closed), 0),
            func.coalesce(func.sum(hz.c.major_open), 0),
        )
        .select_from(Enterprise)
        .outerjoin(
            CampaignReport,
            and_(CampaignReport.enterprise_id == Enterprise.id, CampaignReport.campaign_id == campaign.id),
        )
        .outerjoin(hz, hz.c.enterprise_id == Enterprise.id)
        .group_by(*group)
    )
    return list(session.execute(_scoped_enterprises(session, user, campaign, region, stmt)).all())


def _counts(row: Any, offset: int) -> Counts:
    values = dict(zip(COUNT_FIELDS, (int(x or 0) for x in row[offset:]), strict=True))
    return Counts(**values)  # type: ignore[arg-type]


def _base_region(session: Session, user: Principal, campaign: Campaign, region: str | None) -> Region:
    """The region progress is shown for: the one asked for, else the deeper of the campaign's and the
    caller's region."""
    base_code = region or (
        user.region_code
        if user.region_path and user.region_path.startswith(campaign.region_path)
        else campaign.region_code
    )
    base = session.get(Region, base_code or campaign.region_code)
    if base is None:
        raise BadInput(f"行政区划 {base_code} 不存在", field="region")
    return base


def _zero(campaign: Campaign, open_count: int) -> dict[str, Any]:
    late = bool(open_count and campaign.major_zero_by and local_today() > campaign.major_zero_by)
    return {"open": open_count, "zero": open_count == 0, "zero_by": campaign.major_zero_by, "late": late}


def progress(
    session: Session, user: Principal, campaign_id: int, region: str | None = None
) -> dict[str, Any]:
    """Counts for the campaign in the caller's scope: total, by child region of the base region, and by
    industry; 重大隐患动态清零 as counts only (the list of open 重大 hazards: major_hazards)."""
    campaign = get_campaign(session, user, campaign_id)
    base = _base_region(session, user, campaign, region)
    rows = _rows(session, user, campaign, base.code, (Enterprise.region_code, Enterprise.industry))
    # Names and paths only: a region row also carries its boundary, which the counts do not need.
    subtree = select(Region.code, Region.name, Region.path, Region.parent_code).where(
        Region.path.like(f"{base.path}%")
    )
    regions = {r.code: r for r in session.execute(subtree)}
    total = Counts()
    by_region: dict[str, Counts] = {}
    by_industry: dict[str, Counts] = {}
    depth = len([c for c in base.path.split("/") if c])
    for row in rows:
        counts = _counts(row, 2)
        total.add(counts)
        reg = regions.get(row[0])
        parts = [c for c in reg.path.split("/") if c] if reg else []
        child = parts[depth] if len(parts) > depth else base.code
        by_region.setdefault(child, Counts()).add(counts)
        by_industry.setdefault(row[1], Counts()).add(counts)
    names = enterprises.industries()
    return {
        "campaign": campaign_out(campaign),
        "region": {"code": base.code, "name": base.name},
        "total": total.out(),
        "target_met": total.in_scope > 0 and total.out()["coverage"] >= campaign.target_coverage,
        "major_open": total.major_open,
        "major_zero": _zero(campaign, total.major_open),
        "by_region": [
            {
                "code": code,
                "name": regions[code].name if code in regions else code,
                "drill": code != base.code and any(r.parent_code == code for r in regions.values()),
                **c.out(),
            }
            for code, c in sorted(by_region.items())
        ],
        "by_industry": [
            {"code": k, "name": names.get(k, k), **c.out()} for k, c in sorted(by_industry.items())
        ],
    }


def major_hazards(
    session: Session, user: Principal, campaign_id: int, region: str | None = None, limit: int = 200
) -> dict[str, Any]:
    """重大隐患动态清零 for the campaign in the caller's scope and the progress region: the 重大 hazards it
    found that are still open (not 销号 or 撤销), each with its enterprise, responsible person and deadline,
    soonest first, at most `limit`; 清零 when there are none, and whether the campaign's 清零 date has
    passed with some still open. Kept out of progress (its own call) so the counts stay cheap."""
    campaign = get_campaign(session, user, campaign_id)
    base = _base_region(session, user, campaign, region)
    stmt = _scoped_enterprises(
        session,
        user,
        campaign,
        base.code,
        select(Hazard.id, Hazard.description, Hazard.deadline, Hazard.plan, Enterprise.id, Enterprise.name)
        .join(CampaignHazard, CampaignHazard.enterprise_id == Enterprise.id)
        .join(Hazard, Hazard.id == CampaignHazard.hazard_id)
        .where(
            CampaignHazard.campaign_id == campaign.id,
            Hazard.grade == "major",
            Hazard.state.not_in(FINISHED),
        ),
    )
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Hazard.deadline.is_(None), Hazard.deadline, Hazard.id).limit(limit))
    today = local_today()
    return {
        **_zero(campaign, count),
        "region": {"code": base.code, "name": base.name},
        "hazards": [
            {
                "hazard_id": r[0],
                "description": r[1],
                "deadline": r[2],
                "overdue": bool(r[2] and today > r[2]),
                "responsible": (r[3] or {}).get("responsible"),
                "enterprise_id": r[4],
                "enterprise": r[5],
            }
            for r in rows
        ],
    }


def enterprise_rows(
    session: Session,
    user: Principal,
    campaign_id: int,
    *,
    region: str | None = None,
    status: str | None = None,
    limit: int = 200,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Drill-down: the enterprises in scope with their report state and hazard counts."""
    campaign = get_campaign(session, user, campaign_id)
    hz = _hazard_counts(campaign.id)
    stmt = (
        select(
            Enterprise.id,
            Enterprise.name,
            Enterprise.industry,
            Enterprise.region_code,
            CampaignReport.id.label("report_id"),
            CampaignReport.state,
            CampaignReport.filed_at,
            CampaignReport.times_filed,
            hz.c.found,
            hz.c.closed,
            hz.c.major,
            hz.c.major_closed,
        )
        .outerjoin(
            CampaignReport,
            and_(CampaignReport.enterprise_id == Enterprise.id, CampaignReport.campaign_id == campaign.id),
        )
        .outerjoin(hz, hz.c.enterprise_id == Enterprise.id)
    )
    stmt = _scoped_enterprises(session, user, campaign, region, stmt)
    if status == "not_filed":
        stmt = stmt.where(or_(CampaignReport.state.is_(None), CampaignReport.state.not_in(FILED)))
    elif status == "overdue":
        if local_today() <= campaign.report_due:
            return []
        stmt = stmt.where(or_(CampaignReport.state.is_(None), CampaignReport.state.not_in(FILED)))
    elif status == "not_started":
        stmt = stmt.where(CampaignReport.state.is_(None))
    elif status:
        stmt = stmt.where(CampaignReport.state == status)
    if after_id:
        stmt = stmt.where(Enterprise.id > after_id)
    names = enterprises.industries()
    found = list(session.execute(stmt.order_by(Enterprise.id).limit(limit)))
    codes = {r.region_code for r in found if r.region_code}
    region_names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    out = []
    for r in found:
        state = r.state or "not_started"
        out.append(
            {
                "enterprise_id": r.id,
                "report_id": r.report_id,
                "name": r.name,
                "industry": names.get(r.industry, r.industry),
                "region": region_names.get(r.region_code or "", ""),
                "state": state,
                "state_label": REPORT_STATES[state],
                "filed_at": r.filed_at,
                "times_filed": r.times_filed or 0,
                "overdue": state not in FILED and local_today() > campaign.report_due,
                "hazards": int(r.found or 0),
                "hazards_closed": int(r.closed or 0),
                "major": int(r.major or 0),
                "major_closed": int(r.major_closed or 0),
            }
        )
    return out


PROGRESS_COLUMNS = [
    ExportColumn("行政区/行业", 16),
    ExportColumn("范围内企业", 10),
    ExportColumn("已报送", 8),
    ExportColumn("覆盖率%", 8),
    ExportColumn("退回", 6),
    ExportColumn("逾期未报", 8),
    ExportColumn("发现隐患", 8),
    ExportColumn("已整改销号", 10),
    ExportColumn("重大隐患", 8),
    ExportColumn("重大已销号", 10),
]
ENTERPRISE_COLUMNS = [
    ExportColumn("企业", 30),
    ExportColumn("行业", 10),
    ExportColumn("行政区", 12),
    ExportColumn("自查报告", 10),
    ExportColumn("报送时间", 18),
    ExportColumn("逾期", 6),
    ExportColumn("发现隐患", 8),
    ExportColumn("已销号", 8),
    ExportColumn("重大隐患", 8),
    ExportColumn("重大已销号", 10),
]
_KEYS = (
    "in_scope",
    "filed",
    "coverage",
    "returned",
    "overdue",
    "hazards",
    "hazards_closed",
    "major",
    "major_closed",
)


def write_dispatch(
    session: Session, user: Principal, campaign_id: int, region: str | None, fh: IO[bytes]
) -> None:
    """The 调度 table: by region, by industry, and every enterprise in the caller's scope."""
    data = progress(session, user, campaign_id, region)
    title = data["campaign"]["title"]
    above = [
        [f"{title} 调度表"],
        [f"统计范围：{data['region']['name']}　统计日期：{local_today().isoformat()}"],
    ]
    with export_workbook(fh) as wb:
        ws = wb.sheet("按行政区", PROGRESS_COLUMNS, above=above)
        for r in data["by_region"]:
            ws.append([r["name"], *[r[k] for k in _KEYS]])
        ws.append_below(["合计", *[data["total"][k] for k in _KEYS]])
        ws2 = wb.sheet("按行业", PROGRESS_COLUMNS, above=above)
        for r in data["by_industry"]:
            ws2.append([r["name"], *[r[k] for k in _KEYS]])
        ws3 = wb.sheet("企业明细", ENTERPRISE_COLUMNS, above=above)
        after = None
        while True:
            rows = enterprise_rows(session, user, campaign_id, region=region, limit=2000, after_id=after)
            for e in rows:
                ws3.append(
                    [
                        e["name"],
                        e["industry"],
                        e["region"],
                        e["state_label"],
                        e["filed_at"],
                        "是" if e["overdue"] else "",
                        e["hazards"],
                        e["hazards_closed"],
                        e["major"],
                        e["major_closed"],
                    ]
                )
            if len(rows) < 2000:
                break
            after = rows[-1]["enterprise_id"]
