"""报送: an upper level requires child regions (or one department of each) to file a periodic progress
report by a due date; a region files free text with a snapshot of its scorecard attached; a filing after
the due date is marked 逾期报送. The job `assessment.missing_submissions` tells the regions that have not
filed once the due date has passed, once per requirement and region.

Scoping (the region subtree rule): a requirement is read by its issuing side (users whose region contains
the issuer) and by the users of a region that must file; each region's row by the users above or inside
that region — a sibling county does not see another's filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.assessment import service
from app.assessment.models import SUBMISSION_STATES, Submission, SubmissionRequirement
from app.assessment.schemas import FileIn, RequirementIn
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.db import SelectT
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.regions.models import Region
from app.scheduler.registry import RunContext, register
from app.scheduler.reminders import NotifyOnce
from app.timeutil import local_today, utcnow
from app.workflow import Transition, TransitionTable

KIND = "assessment.missing_submission"
AUDITED = ["state", "late", "filed_at", "filed_by_name"]
CATCH_UP_DAYS = 31  # a requirement due longer ago than this is not chased any more by the job
MAX_DEPTH = 4  # counties' and townships' cards can be ranked (service.scorecard)


# ---------------------------------------------------------------- workflow


@dataclass(frozen=True)
class Ctx:
    submission: Submission
    user: Principal

    @property
    def state(self) -> str:
        return self.submission.state

    @property
    def role(self) -> str:
        return self.user.role


def _files_for(ctx: Ctx) -> str | None:
    """The region's own regulators (of the named department, if one is named) file; admin may."""
    sub, user = ctx.submission, ctx.user
    if user.is_admin:
        return None
    if user.region_code != sub.region_code or (sub.department and user.department != sub.department):
        return f"只有{sub.department or '本行政区'}的监管人员可以报送本地区的报告"
    return None


TABLE: dict[tuple[str, str], Transition[Ctx]] = {
    ("pending", "file"): ("filed", frozenset({"inspector", "admin"}), _files_for),
}
WORKFLOW = TransitionTable(TABLE, "报送", lambda action: {"file": "报送"}.get(action, action))


def status(sub: Submission, due_on: date, today: date) -> tuple[str, str]:
    """(key, label): filed | late (逾期报送) | pending | missing (past the due date, not filed)."""
    if sub.state == "filed":
        return ("late", "逾期报送") if sub.late else ("filed", SUBMISSION_STATES["filed"])
    return ("missing", "逾期未报") if today > due_on else ("pending", SUBMISSION_STATES["pending"])


# ---------------------------------------------------------------- scoping


def readable_rows(stmt: SelectT, user: Principal) -> SelectT:
    """Rows of regions at or below the caller's region, or of the region the caller is inside."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise" or not user.region_path:
        return stmt.where(Submission.id.is_(None))
    inside = _ancestor_paths(user.region_path)
    return stmt.where(
        or_(Submission.region_path.like(f"{user.region_path}%"), Submission.region_path.in_(inside))
    )


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """Requirements of the caller's issuing side, or naming a row the caller may read."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise" or not user.region_path:
        return stmt.where(SubmissionRequirement.id.is_(None))
    named = readable_rows(select(Submission.requirement_id), user)
    return stmt.where(
        or_(
            SubmissionRequirement.region_path.like(f"{user.region_path}%"),
            SubmissionRequirement.id.in_(named),
        )
    )


def get_readable(session: Session, user: Principal, requirement_id: int) -> SubmissionRequirement:
    req = session.scalar(
        readable(select(SubmissionRequirement).where(SubmissionRequirement.id == requirement_id), user)
    )
    if req is None:
        raise NotFound(f"报送要求 {requirement_id} 不存在", field="id")
    return req


def _row_readable(session: Session, user: Principal, submission_id: int) -> Submission:
    sub = session.scalar(readable_rows(select(Submission).where(Submission.id == submission_id), user))
    if sub is None:
        raise NotFound(f"报送 {submission_id} 不存在", field="id")
    return sub


# ---------------------------------------------------------------- reading


def _row_out(
    sub: Submission, name: str, req: SubmissionRequirement, today: date, user: Principal
) -> dict[str, Any]:
    key, label = status(sub, req.due_on, today)
    return {
        "id": sub.id,
        "region_code": sub.region_code,
        "region_name": name,
        "department": sub.department or None,
        "status": key,
        "status_label": label,
        "late": sub.late,
        "content": sub.content,
        "figures": sub.figures,
        "filed_at": sub.filed_at,
        "filed_by_name": sub.filed_by_name,
        "version": sub.version,
        "actions": WORKFLOW.allowed_actions(Ctx(sub, user)),
    }


def _rows(session: Session, user: Principal, req: SubmissionRequirement) -> list[dict[str, Any]]:
    today = local_today()
    stmt = (
        select(Submission, Region.name)
        .join(Region, Region.code == Submission.region_code)
        .where(Submission.requirement_id == req.id)
        .order_by(Submission.region_code, Submission.department)
    )
    return [_row_out(sub, name, req, today, user) for sub, name in session.execute(readable_rows(stmt, user))]


def _req_out(req: SubmissionRequirement, issuer: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {k: 0 for k in ("filed", "late", "pending", "missing")}
    for r in rows:
        counts[r["status"]] += 1
    return {
        "id": req.id,
        "region_code": req.region_code,
        "region_name": issuer,
        "title": req.title,
        "period": req.period,
        "due_on": req.due_on,
        "note": req.note,
        "created_at": req.created_at,
        "counts": counts,
        "rows": rows,
    }


def detail(session: Session, user: Principal, requirement_id: int) -> dict[str, Any]:
    req = get_readable(session, user, requirement_id)
    issuer = session.get_one(Region, req.region_code).name
    return _req_out(req, issuer, _rows(session, user, req))


def list_requirements(session: Session, user: Principal, limit: int = 50) -> list[dict[str, Any]]:
    reqs = session.execute(
        readable(
            select(SubmissionRequirement, Region.name).join(
                Region, Region.code == SubmissionRequirement.region_code
            ),
            user,
        )
        .order_by(SubmissionRequirement.due_on.desc(), SubmissionRequirement.id.desc())
        .limit(limit)
    ).all()
    return [_req_out(req, issuer, _rows(session, user, req)) for req, issuer in reqs]


# ---------------------------------------------------------------- writing


def create(session: Session, user: Principal, data: RequirementIn) -> SubmissionRequirement:
    """A requirement of the caller's region (or one in its subtree) for regions below it."""
    if not (user.is_admin or user.role == "inspector"):
        raise Forbidden("只有监管人员可以设置报送要求")
    issuer = (
        service.readable_region(session, user, data.region)
        if data.region
        else service.default_region(session, user)
    )
    period = service.parse_period(data.period)
    if data.due_on < local_today():
        raise BadInput("报送截止日期不能早于今天", field="due_on")
    targets: list[tuple[Region, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(data.targets):
        region = session.get(Region, t.region)
        if region is None or region.path == issuer.path or not region.path.startswith(issuer.path):
            raise BadInput(f"{t.region} 不是{issuer.name}的下级行政区", field=f"targets.{i}.region")
        if len([p for p in region.path.split("/") if p]) > MAX_DEPTH:
            raise BadInput(f"{region.name}是村（社区）级，不能要求报送考核数据", field=f"targets.{i}.region")
        key = (region.code, t.department or "")
        if key in seen:
            raise BadInput(f"{region.name}{t.department or ''}重复列出", field=f"targets.{i}.region")
        seen.add(key)
        targets.append((region, t.department or ""))
    req = SubmissionRequirement(
        region_code=issuer.code,
        region_path=issuer.path,
        title=data.title,
        period=period.key,
        due_on=data.due_on,
        note=data.note,
        created_by=user.id or None,
    )
    session.add(req)
    session.flush()
    for region, department in targets:
        session.add(
            Submission(
                requirement_id=req.id, region_code=region.code, region_path=region.path, department=department
            )
        )
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "assessment_submission_requirement",
        req.id,
        after={
            "title": req.title,
            "period": req.period,
            "due_on": req.due_on.isoformat(),
            "targets": [f"{r.code}{' ' + d if d else ''}" for r, d in targets],
        },
        region_path=req.region_path,
    )
    return req


def _figures(session: Session, user: Principal, sub: Submission, period: str) -> dict[str, Any]:
    """The region's scorecard as the filer may see it (the one scoping rule), kept with the report."""
    data = service.scorecard(session, user, sub.region_code, period)
    card = data["card"]
    keep = ("id", "name", "numerator", "denominator", "value", "band", "score", "rank")
    return {
        "rule_set": data["rule_set"],
        "period": data["period"]["key"],
        "period_label": data["period"]["label"],
        "peers": data["peers"],
        "total": card["total"],
        "total_band": card["total_band"],
        "rank": card["rank"],
        "indicators": [{k: i.get(k) for k in keep} for i in card["indicators"]],
    }


def file(session: Session, user: Principal, submission_id: int, body: FileIn) -> Submission:
    sub = _row_readable(session, user, submission_id)
    if body.version != sub.version:
        raise Conflict(f"报送已被他人修改（当前版本 {sub.version}），请刷新后重试", field="version")
    if sub.state != "pending":
        raise Conflict("本地区已报送，不能重复报送", field="state")
    reason = WORKFLOW.refusal(Ctx(sub, user), "file")
    if reason:
        raise Forbidden(reason)
    req = session.get_one(SubmissionRequirement, sub.requirement_id)
    before = audit.snapshot(sub, AUDITED)
    sub.figures = _figures(session, user, sub, req.period)
    sub.state = WORKFLOW.next_state(sub.state, "file")
    sub.content = body.content
    sub.filed_at, sub.filed_by, sub.filed_by_name = utcnow(), user.id or None, user.display_name
    sub.late = local_today() > req.due_on
    session.flush()
    audit.record(
        session,
        user,
        "file",
        "assessment_submission",
        sub.id,
        before=before,
        after=audit.snapshot(sub, AUDITED),
        region_path=sub.region_path,
    )
    return sub


def row_detail(session: Session, user: Principal, submission_id: int) -> dict[str, Any]:
    sub = _row_readable(session, user, submission_id)
    req = session.get_one(SubmissionRequirement, sub.requirement_id)
    name = session.get_one(Region, sub.region_code).name
    return {"requirement_id": req.id, "title": req.title, **_row_out(sub, name, req, local_today(), user)}


# ---------------------------------------------------------------- the job


def _recipients(session: Session, sub: Submission) -> list[int]:
    """The regulators of the region (of its named department) who should have filed."""
    stmt = select(User.id).where(
        User.region_code == sub.region_code, User.role == "inspector", User.is_active.is_(True)
    )
    if sub.department:
        stmt = stmt.where(User.department == sub.department)
    return list(session.scalars(stmt.order_by(User.id)))


def missing(session: Session, ctx: RunContext) -> dict[str, Any]:
    """Tell each region that has not filed once the due date has passed (once per requirement and
    region; the issuer is told too)."""
    today = ctx.local_date
    rows = session.execute(
        select(Submission, SubmissionRequirement, Region.name)
        .join(SubmissionRequirement, SubmissionRequirement.id == Submission.requirement_id)
        .join(Region, Region.code == Submission.region_code)
        .where(
            Submission.state == "pending",
            SubmissionRequirement.due_on < today,
            SubmissionRequirement.due_on >= today - timedelta(days=CATCH_UP_DAYS),
        )
        .order_by(Submission.id)
    ).all()

    def link(sub: Submission) -> str:
        return f"/assessment/submissions/{sub.requirement_id}#s{sub.id}"

    once = NotifyOnce(session, KIND, [link(sub) for sub, _, _ in rows])
    sent = 0
    for sub, req, name in rows:
        users = _recipients(session, sub) + ([req.created_by] if req.created_by else [])
        key = req.due_on.isoformat()
        who = f"{name}{sub.department}"
        sent += once.send(
            key=key,
            link=link(sub),
            user_ids=users,
            title=f"逾期未报送：{who}《{req.title}》（截止 {key}）",
            body=f"《{req.title}》（{req.period}）应于{key}前报送，{who}尚未报送，请尽快报送。",
        )
    return {"missing": len(rows), "notified": sent}


register(
    "assessment.missing_submissions",
    missing,
    trigger="20 8 * * *",
    description="报送：截止日期已过仍未报送的地区（部门），提醒其监管人员和设置要求的上级，每项要求每个地区一次",
)
