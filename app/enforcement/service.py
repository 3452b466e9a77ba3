"""Inspections (检查): open one with its checklist, record results, turn failed items into hazards,
complete it (现场检查记录, 责令限期整改), the enterprise reports the rectification, the 复查 closes it.
No HTTP here; the session's transaction belongs to the caller."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.db import SelectT
from app.documents import numbering
from app.documents import service as documents
from app.enforcement import schemas as s
from app.enforcement.models import (
    GRID_KINDS,
    INSPECTION_KINDS,
    ORDER_OPEN,
    ORDER_STATES,
    RESULTS,
    Inspection,
    InspectionItem,
)
from app.enterprises import scope_copy
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.hazards import schemas as hazard_schemas
from app.hazards import service as hazards
from app.hazards.models import OTHER_ITEM
from app.notifications import service as notifications
from app.regions.models import Region
from app.risks.models import ControlMeasure, RiskPoint
from app.rules_engine import get_policy
from app.scheduler.models import InspectionPlan, InspectionPlanItem
from app.supervision import numbering as supervision_numbering
from app.timeutil import local_today, utcnow

AUDITED = ["kind", "state", "inspected_on", "inspector_ids", "order_state", "order_deadline", "summary"]
RECORDERS = ("inspector", "admin", "township")


def policy() -> Any:
    return get_policy("enforcement")


# ---------------------------------------------------------------- scope


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """Inspections of the enterprises the caller may read (the one scoping rule, on the copied columns)."""
    return scope_copy.readable(stmt, Inspection, user)  # type: ignore[no-any-return]


def get_readable(session: Session, user: Principal, inspection_id: int) -> Inspection:
    row = session.scalar(readable(select(Inspection).where(Inspection.id == inspection_id), user))
    if row is None:
        raise NotFound(f"检查 {inspection_id} 不存在")
    return row


def _items(session: Session, inspection_id: int) -> list[InspectionItem]:
    return list(
        session.scalars(
            select(InspectionItem)
            .where(InspectionItem.inspection_id == inspection_id)
            .order_by(InspectionItem.position)
        )
    )


# ---------------------------------------------------------------- checklist


def checklist(session: Session, user: Principal, ent: Enterprise, on: date) -> list[dict[str, Any]]:
    """The items an inspection of this enterprise checks: the 重大事故隐患 items of the standards that
    apply to its industry (in force on the day), then its own active control measures."""
    out: list[dict[str, Any]] = []
    for item in hazards.major_items(session, user, ent.id, on):
        if item["code"] == OTHER_ITEM:
            continue
        out.append(
            {
                "origin": "major",
                "code": item["code"],
                "clause": (item["clause"] or "")[:100] or None,
                "rule_set": item["rule_set"],
                "text": item["text"],
            }
        )
    measures = session.execute(
        select(ControlMeasure.id, ControlMeasure.description, RiskPoint.name)
        .join(RiskPoint, RiskPoint.id == ControlMeasure.risk_point_id)
        .where(RiskPoint.enterprise_id == ent.id, ControlMeasure.is_active.is_(True))
        .order_by(RiskPoint.id, ControlMeasure.id)
    ).all()
    for measure_id, description, point in measures:
        out.append({"origin": "measure", "control_measure_id": measure_id, "text": f"{point}：{description}"})
    return out


# ---------------------------------------------------------------- open


@dataclass
class _Who:
    id: int
    name: str
    role: str
    region_path: str
    department: str | None


def _people(session: Session, ids: list[int]) -> dict[int, _Who]:
    rows = session.execute(
        select(User.id, User.display_name, User.role, Region.path, User.department)
        .outerjoin(Region, Region.code == User.region_code)
        .where(User.id.in_(ids), User.is_active.is_(True))
    ).all()
    return {r[0]: _Who(r[0], r[1], r[2], r[3] or "", r[4]) for r in rows}


def _check_inspectors(
    session: Session, user: Principal, ids: list[int], ent_path: str, kind: str
) -> tuple[list[int], list[str]]:
    wanted = list(dict.fromkeys(([user.id] if user.id else []) + ids))
    people = _people(session, wanted)
    roles = ("township", "inspector", "admin") if kind in GRID_KINDS else ("inspector", "admin")
    for uid in wanted:
        who = people.get(uid)
        if who is None or who.role not in roles:
            raise BadInput(
                f"检查人员 {uid} 不存在或不是{'网格员或' if kind in GRID_KINDS else ''}监管人员",
                field="inspector_ids",
            )
        if who.role != "admin" and not ent_path.startswith(who.region_path or "\0"):
            raise BadInput(f"检查人员“{who.name}”的辖区不包括该企业", field="inspector_ids")
    minimum = policy().min_inspectors(kind)
    need = minimum.min_inspectors if minimum else 1
    if len(wanted) < need:
        basis = f"（{minimum.citation.render()}）" if minimum else ""
        raise BadInput(f"{INSPECTION_KINDS[kind]}的检查人员不得少于 {need} 人{basis}", field="inspector_ids")
    return wanted, [people[u].name for u in wanted]


def open_inspection(session: Session, user: Principal, body: s.InspectionIn) -> Inspection:
    if user.role not in RECORDERS:
        raise Forbidden("只有监管人员和乡镇（街道）、村（社区）网格员可以记录检查")
    if user.role == "township" and body.kind not in GRID_KINDS:
        raise Forbidden("网格员只能记录网格巡查，不能进行行政执法检查")
    if user.role != "township" and body.kind in GRID_KINDS:
        raise BadInput(
            "网格巡查由乡镇（街道）、村（社区）网格员记录，监管人员请选择执法检查的种类", field="kind"
        )
    row = session.execute(
        enterprises.readable(
            select(Enterprise, Region.path)
            .outerjoin(Region, Region.code == Enterprise.region_code)
            .where(Enterprise.id == body.enterprise_id),
            user,
        )
    ).first()
    if row is None:
        raise NotFound(f"企业 {body.enterprise_id} 不存在")
    ent, ent_path = row[0], row[1] or ""
    today = local_today()
    on = body.inspected_on or today
    if on > today:
        raise BadInput("检查日期不能晚于今天", field="inspected_on")
    ids = list(body.inspector_ids)
    plan_item_id = None
    if body.kind == "random":
        if body.plan_item_id is None:
            raise BadInput("双随机抽查须选择抽查计划中的条目", field="plan_item_id")
        item = session.get(InspectionPlanItem, body.plan_item_id)
        if item is None or item.enterprise_id != ent.id:
            raise BadInput(f"抽查计划条目 {body.plan_item_id} 不存在或不是该企业的", field="plan_item_id")
        if session.scalar(select(Inspection.id).where(Inspection.plan_item_id == item.id)) is not None:
            raise Conflict("该抽查条目已有检查记录", field="plan_item_id")
        plan_item_id = item.id
        ids = ids or list(item.inspector_ids or [])
    elif body.plan_item_id is not None:
        raise BadInput("只有双随机抽查关联抽查计划条目", field="plan_item_id")
    review_of = None
    if body.kind == "review":
        if body.review_of_id is None:
            raise BadInput("复查须选择被复查的检查", field="review_of_id")
        review_of = session.scalar(
            readable(select(Inspection).where(Inspection.id == body.review_of_id), user)
        )
        if review_of is None or review_of.enterprise_id != ent.id:
            raise BadInput(f"检查 {body.review_of_id} 不存在或不是该企业的", field="review_of_id")
        if review_of.order_state not in ORDER_OPEN:
            raise Conflict("被复查的检查没有待复查的责令限期整改", field="review_of_id")
        ids = ids or list(review_of.inspector_ids or [])  # by default the team that gave the order
    elif body.review_of_id is not None:
        raise BadInput("只有复查关联被复查的检查", field="review_of_id")
    inspector_ids, names = _check_inspectors(session, user, ids, ent_path, body.kind)
    insp = Inspection(
        enterprise_id=ent.id,
        **scope_copy.values(ent_path or None, ent.industry),
        kind=body.kind,
        state="open",
        inspected_on=on,
        department=user.department or ("网格员" if user.role == "township" else "监管部门"),
        issuer_region_code=user.region_code,
        inspector_ids=inspector_ids,
        inspector_names=names,
        created_by=user.id or None,
        plan_item_id=plan_item_id,
        review_of_id=review_of.id if review_of else None,
        signatures=[],
    )
    session.add(insp)
    session.flush()
    lines = checklist(session, user, ent, on) + [{"origin": "free", "text": t} for t in body.free_items]
    session.add_all(
        InspectionItem(inspection_id=insp.id, position=n, photo_ids=[], **line)
        for n, line in enumerate(lines)
    )
    audit.record(
        session, user, "create", "inspection", insp.id, after=audit.snapshot(insp, AUDITED),
        enterprise_id=ent.id, region_path=ent_path or None,
    )  # fmt: skip
    session.flush()
    return insp


# ---------------------------------------------------------------- record


def _participant(user: Principal, insp: Inspection) -> None:
    if user.is_admin:
        return
    if user.id not in (insp.inspector_ids or []):
        raise Forbidden("只有参加本次检查的人员可以记录检查结果")


def _open(insp: Inspection) -> None:
    if insp.state != "open":
        raise Conflict("检查已完成，不能再修改检查结果", field="state")


def record_results(
    session: Session, user: Principal, inspection_id: int, body: s.InspectionResultsIn
) -> Inspection:
    insp = get_readable(session, user, inspection_id)
    _participant(user, insp)
    _open(insp)
    items = {i.id: i for i in _items(session, insp.id)}
    for n, r in enumerate(body.results):
        item = items.get(r.item_id)
        if item is None:
            raise BadInput(f"检查项 {r.item_id} 不属于本次检查", field=f"results.{n}.item_id")
        if r.result == "fail" and not r.note:
            raise BadInput("“不符合”须填写说明", field=f"results.{n}.note")
        item.result = r.result
        item.note = r.note
        item.photo_ids = attachments.check_ids(
            session, user, r.photos, insp.enterprise_id, field=f"results.{n}.photos"
        )
    start = max((i.position for i in items.values()), default=-1) + 1
    session.add_all(
        InspectionItem(inspection_id=insp.id, position=start + n, origin="free", text=t, photo_ids=[])
        for n, t in enumerate(body.free_items)
    )
    insp.updated_at = utcnow()
    audit.record(
        session, user, "record_results", "inspection", insp.id,
        after={"results": {str(r.item_id): r.result for r in body.results}},
        enterprise_id=insp.enterprise_id, region_path=insp.region_path,
    )  # fmt: skip
    session.flush()
    return insp


def hazard_from_item(
    session: Session, user: Principal, inspection_id: int, item_id: int, body: s.InspectionHazardIn
) -> int:
    """A failed item becomes a hazard in the enterprise's register (source 监管执法检查), linked both ways:
    the item keeps the hazard id, and `inspection_of_hazard` finds the inspection from the hazard."""
    insp = get_readable(session, user, inspection_id)
    if user.role == "township":
        raise Forbidden("网格员发现的问题请报告监管部门，由监管人员登记为隐患")
    _participant(user, insp)
    item = session.scalar(
        select(InspectionItem).where(InspectionItem.id == item_id, InspectionItem.inspection_id == insp.id)
    )
    if item is None:
        raise NotFound(f"检查项 {item_id} 不存在")
    if item.result != "fail":
        raise Conflict("只有结果为“不符合”的检查项可以登记为隐患", field="result")
    if item.hazard_id is not None:
        raise Conflict(f"该检查项已登记为隐患 {item.hazard_id}", field="item_id")
    major = body.grade == "major"
    data = hazard_schemas.HazardIn(
        enterprise_id=insp.enterprise_id,
        source="enforcement",
        description=body.description,
        place=body.place,
        category=body.category,
        photos=list(item.photo_ids or []),
        found_on=insp.inspected_on,
        grade=body.grade,
        major_item=(item.code if item.origin == "major" else OTHER_ITEM) if major else None,
        major_reason=body.major_reason if major else None,
        major_basis_standard=None if not major or item.origin == "major" else "监督检查发现",
        major_basis_clause=None if not major or item.origin == "major" else (item.clause or "检查项"),
        control_measure_id=item.control_measure_id,
    )
    created = hazards.create_hazard(session, user, data)
    item.hazard_id = created.hazard.id
    audit.record(
        session, user, "link_hazard", "inspection", insp.id,
        after={"item_id": item.id, "hazard_id": item.hazard_id},
        enterprise_id=insp.enterprise_id, region_path=insp.region_path,
    )  # fmt: skip
    session.flush()
    return created.hazard.id


def inspection_of_hazard(session: Session, user: Principal, hazard_id: int) -> Inspection | None:
    hazards.get_readable(session, user, hazard_id)
    return session.scalar(
        readable(
            select(Inspection).join(InspectionItem, InspectionItem.inspection_id == Inspection.id)
            .where(InspectionItem.hazard_id == hazard_id),
            user,
        )
    )  # fmt: skip


# ---------------------------------------------------------------- complete


def number_for(
    session: Session,
    issuer_region: str | None,
    region_path: str | None,
    department: str,
    suffix: str,
    year: int,
) -> numbering.Number:
    """The next 发文字号 of a 执法文书 kind: region short name + department short name + the kind's
    suffix (e.g. 甲一应急责改〔2026〕3号), one sequence per issuing region (format: a project default)."""
    code = issuer_region or (region_path or "").strip("/").split("/")[-1] or "000000"
    region = session.get(Region, code)
    head = (
        supervision_numbering.notice_prefix(code, region.name, region.level, department)[:-1]
        if region
        else ""
    )
    return numbering.allocate(session, code, f"{head}{suffix}", year)


def _number(session: Session, insp: Inspection, key: str) -> numbering.Number:
    suffix = policy().document(key).number_suffix
    return number_for(
        session, insp.issuer_region_code, insp.region_path, insp.department, suffix, local_today().year
    )


def _enterprise_context(session: Session, enterprise_id: int) -> dict[str, Any]:
    ent = session.get(Enterprise, enterprise_id)
    assert ent is not None
    return {"name": ent.name, "credit_code": ent.credit_code, "address": ent.address}


def _issue(
    session: Session, user: Principal, insp: Inspection, key: str, context: dict[str, Any]
) -> tuple[str, int]:
    """One 执法文书 of this inspection through the documents module: (number, document id)."""
    number = _number(session, insp, key)
    doc = documents.issue(
        session,
        user,
        kind=f"enforcement.{key}",
        title=policy().document(key).title,
        template=f"enforcement/{key}.html",
        context={"enterprise": _enterprise_context(session, insp.enterprise_id), **context},
        enterprise_id=insp.enterprise_id,
        subject_type="inspection",
        subject_id=insp.id,
        number=number,
        issuer=insp.department,
    )
    return number.text, doc.id


def complete(
    session: Session, user: Principal, inspection_id: int, body: s.InspectionCompleteIn
) -> Inspection:
    insp = get_readable(session, user, inspection_id)
    _participant(user, insp)
    _open(insp)
    items = _items(session, insp.id)
    missing = [i.position + 1 for i in items if i.result is None]
    if missing:
        raise Conflict(
            f"还有 {len(missing)} 项未填写检查结果（第 {'、'.join(map(str, missing[:10]))} 项）",
            field="results",
        )
    failed = [i for i in items if i.result == "fail"]
    today = local_today()
    if body.order is not None:
        if insp.kind in GRID_KINDS:
            raise Forbidden("网格巡查不能下达责令限期整改指令书，请报告监管部门", field="order")
        if not failed:
            raise BadInput("没有不符合项，不能责令限期整改", field="order")
        if body.order.deadline <= today:
            raise BadInput("整改期限须晚于今天", field="order.deadline")
    if insp.kind == "review":
        if body.review_passed is None:
            raise BadInput("复查须填写整改是否合格", field="review_passed")
        original = session.get(Inspection, insp.review_of_id) if insp.review_of_id else None
        if original is None or original.order_state not in ORDER_OPEN:
            raise Conflict("被复查的检查没有待复查的责令限期整改", field="review_of_id")
        original.order_state = "passed" if body.review_passed else "failed"
        original.review_number, _ = _issue(
            session,
            user,
            original,
            "review_opinion",
            {
                "reviewed_on": insp.inspected_on,
                "order_number": original.order_number,
                "passed": body.review_passed,
                "summary": body.summary,
                "inspectors": insp.inspector_names,
            },
        )
        audit.record(
            session, user, "review", "inspection", original.id,
            after={"order_state": original.order_state, "review_inspection_id": insp.id},
            enterprise_id=original.enterprise_id, region_path=original.region_path,
        )  # fmt: skip
        notifications.notify(
            session,
            user_ids=notifications.enterprise_users(session, insp.enterprise_id),
            kind="enforcement_review",
            title=f"整改复查{'合格' if body.review_passed else '不合格'}（{original.order_number or ''}）",
            body=f"复查意见书 {original.review_number}",
            link=f"/enforcement/inspections/{original.id}",
            enterprise_id=insp.enterprise_id,
        )
    elif body.review_passed is not None:
        raise BadInput("只有复查填写整改是否合格", field="review_passed")
    now = utcnow()
    insp.state = "completed"
    insp.completed_at = now
    insp.summary = body.summary
    insp.signatures = [
        {"name": sig.name, "device": sig.device, "at": now.isoformat()} for sig in body.signatures
    ]
    listed = [item_dict(i) for i in items]
    if insp.kind not in GRID_KINDS:
        insp.record_number, _ = _issue(
            session,
            user,
            insp,
            "site_record",
            {
                "kind_label": INSPECTION_KINDS[insp.kind],
                "inspected_on": insp.inspected_on,
                "inspectors": insp.inspector_names,
                "items": listed,
                "summary": insp.summary,
                "signatures": insp.signatures,
            },
        )
    if body.order is not None:
        insp.order_state = "ordered"
        insp.order_deadline = body.order.deadline
        insp.order_requirements = body.order.requirements
        insp.order_number, _ = _issue(
            session,
            user,
            insp,
            "rectification_order",
            {
                "inspected_on": insp.inspected_on,
                "record_number": insp.record_number,
                "failed": [i for i in listed if i["result"] == "fail"],
                "deadline": body.order.deadline,
                "requirements": body.order.requirements,
            },
        )
        notifications.notify(
            session,
            user_ids=notifications.enterprise_users(session, insp.enterprise_id),
            kind="enforcement_order",
            title=f"责令限期整改指令书 {insp.order_number}（期限 {insp.order_deadline.isoformat()}）",
            body=body.order.requirements[:300],
            link=f"/enforcement/inspections/{insp.id}",
            enterprise_id=insp.enterprise_id,
        )
    if insp.kind == "random":
        insp.published_on = today  # 一公开: published with the record (well within the policy's limit)
    audit.record(
        session, user, "complete", "inspection", insp.id, after=audit.snapshot(insp, AUDITED),
        enterprise_id=insp.enterprise_id, region_path=insp.region_path,
    )  # fmt: skip
    session.flush()
    return insp


def report_rectified(
    session: Session, user: Principal, inspection_id: int, body: s.RectificationReportIn
) -> Inspection:
    """The enterprise says the 责令限期整改 is done; its inspectors are told to 复查."""
    insp = get_readable(session, user, inspection_id)
    if user.role != "enterprise":
        raise Forbidden("整改完成情况由被检查企业报告")
    if insp.order_state != "ordered":
        raise Conflict("没有待报告的责令限期整改", field="order_state")
    insp.order_state = "reported"
    insp.order_reported_on = local_today()
    insp.order_report_note = body.note
    audit.record(
        session, user, "report_rectified", "inspection", insp.id, after={"order_state": "reported"},
        enterprise_id=insp.enterprise_id, region_path=insp.region_path,
    )  # fmt: skip
    notifications.notify(
        session,
        user_ids=[u for u in insp.inspector_ids or [] if u],
        kind="enforcement_rectified",
        title=f"企业报告整改完成，请复查（{insp.order_number}）",
        body=body.note[:300],
        link=f"/enforcement/inspections/{insp.id}",
        enterprise_id=insp.enterprise_id,
    )
    session.flush()
    return insp


# ---------------------------------------------------------------- read


def item_dict(i: InspectionItem) -> dict[str, Any]:
    return {
        "id": i.id,
        "position": i.position,
        "origin": i.origin,
        "code": i.code,
        "clause": i.clause,
        "rule_set": i.rule_set,
        "text": i.text,
        "control_measure_id": i.control_measure_id,
        "result": i.result,
        "result_label": RESULTS.get(i.result or "", "未填写"),
        "note": i.note,
        "photos": i.photo_ids or [],
        "hazard_id": i.hazard_id,
    }


def to_dict(session: Session, insp: Inspection, *, with_items: bool = True) -> dict[str, Any]:
    name = session.scalar(select(Enterprise.name).where(Enterprise.id == insp.enterprise_id))
    out: dict[str, Any] = {
        "id": insp.id,
        "enterprise_id": insp.enterprise_id,
        "enterprise_name": name,
        "kind": insp.kind,
        "kind_label": INSPECTION_KINDS[insp.kind],
        "state": insp.state,
        "inspected_on": insp.inspected_on,
        "department": insp.department,
        "inspectors": insp.inspector_names,
        "plan_item_id": insp.plan_item_id,
        "review_of_id": insp.review_of_id,
        "summary": insp.summary,
        "signatures": insp.signatures,
        "record_number": insp.record_number,
        "order_state": insp.order_state,
        "order_state_label": ORDER_STATES.get(insp.order_state or ""),
        "order_number": insp.order_number,
        "order_deadline": insp.order_deadline,
        "order_requirements": insp.order_requirements,
        "order_reported_on": insp.order_reported_on,
        "review_number": insp.review_number,
        "version": insp.version,
    }
    if with_items:
        out["items"] = [item_dict(i) for i in _items(session, insp.id)]
    return out


def list_inspections(
    session: Session,
    user: Principal,
    *,
    enterprise_id: int | None = None,
    kind: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    stmt = readable(select(Inspection), user)
    if enterprise_id:
        stmt = stmt.where(Inspection.enterprise_id == enterprise_id)
    if kind:
        if kind not in INSPECTION_KINDS:
            raise BadInput(f"检查种类 {kind!r} 不存在，可选：{'、'.join(INSPECTION_KINDS)}", field="kind")
        stmt = stmt.where(Inspection.kind == kind)
    if after_id:
        stmt = stmt.where(Inspection.id < after_id)
    rows = session.scalars(stmt.order_by(Inspection.id.desc()).limit(limit))
    return [to_dict(session, i, with_items=False) for i in rows]


# ---------------------------------------------------------------- 双随机 results (一公开)


def public_results(session: Session, month: str) -> dict[str, Any]:
    """The month's 双随机 results as anyone may read them: enterprise, region, date and outcome only (no
    person names, no item details)."""
    from app.enforcement import random_draw

    key = random_draw.month_key(month)
    plan = session.scalar(
        select(InspectionPlan).where(InspectionPlan.month == key, InspectionPlan.published_at.is_not(None))
    )
    if plan is None:
        raise NotFound(f"{key} 的双随机抽查计划尚未公布", field="month")
    fails = (
        select(func.count(InspectionItem.id))
        .where(InspectionItem.inspection_id == Inspection.id, InspectionItem.result == "fail")
        .scalar_subquery()
    )
    rows = session.execute(
        select(Enterprise.name, Region.name, Inspection.inspected_on, Inspection.order_state, fails)
        .join(InspectionPlanItem, InspectionPlanItem.id == Inspection.plan_item_id)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(
            InspectionPlanItem.plan_id == plan.id,
            Inspection.state == "completed",
            Inspection.published_on.is_not(None),
        )
        .order_by(Region.name, Enterprise.name)
    ).all()
    drawn = session.scalar(
        select(func.count(InspectionPlanItem.id)).where(InspectionPlanItem.plan_id == plan.id)
    )
    limit = policy().limit("random_check_publication")
    return {
        "month": key,
        "drawn": drawn,
        "published": len(rows),
        "limit": f"{limit.value} 个工作日（{limit.citation.render()}）",
        "items": [
            {
                "enterprise": ent,
                "region": region,
                "inspected_on": on,
                "result": _public_outcome(n, order_state),
            }
            for ent, region, on, order_state, n in rows
        ],
    }


def drawn_items(session: Session, user: Principal, month: str) -> dict[str, Any] | None:
    """The month's plan items the caller may read, each with its inspection (if one was opened) and
    whether the caller was drawn for it; None when the month has no plan yet."""
    from app.enforcement import random_draw

    key = random_draw.month_key(month)
    plan = session.scalar(select(InspectionPlan).where(InspectionPlan.month == key))
    if plan is None:
        return None
    rows = session.execute(
        enterprises.readable(
            select(InspectionPlanItem, Enterprise.name, Inspection.id)
            .join(Enterprise, Enterprise.id == InspectionPlanItem.enterprise_id)
            .outerjoin(Inspection, Inspection.plan_item_id == InspectionPlanItem.id)
            .where(InspectionPlanItem.plan_id == plan.id)
            .order_by(Enterprise.name),
            user,
        )
    ).all()
    people = _people(session, sorted({u for item, _, _ in rows for u in item.inspector_ids or []}))
    return {
        "month": key,
        "seed": plan.seed,
        "published_at": plan.published_at,
        "items": [
            {
                "id": item.id,
                "enterprise_id": item.enterprise_id,
                "enterprise": name,
                "level": item.level,
                "inspectors": [people[u].name for u in item.inspector_ids or [] if u in people],
                "mine": user.id in (item.inspector_ids or []),
                "inspection_id": inspection_id,
            }
            for item, name, inspection_id in rows
        ],
    }


def _public_outcome(failed: int, order_state: str | None) -> str:
    if not failed:
        return "未发现问题"
    text = f"发现问题 {failed} 项"
    if order_state:
        text += f"，{ORDER_STATES[order_state]}" if order_state != "ordered" else "，已责令限期整改"
    return text
