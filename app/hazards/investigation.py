"""排查: checklists (control measures of risk points + applicable 重大事故隐患 items + free items),
plans (who checks what, how often), tasks per period, and results — a 不合格 item becomes a hazard."""

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.audit import service as audit
from app.auth.models import User
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.fields import Flag, Id, Input
from app.hazards import schemas as s
from app.hazards import service
from app.hazards.models import OTHER_ITEM, CheckItem, CheckList, CheckPlan, CheckResult, CheckTask
from app.risks.models import ControlMeasure, RiskPoint
from app.timeutil import local_today, utcnow

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ChecklistIn(Input):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: Id | None = None
    name: s.ShortText
    include_measures: Flag = True
    include_major_items: Flag = True
    free_items: Annotated[list[Item], Field(max_length=200)] = []
    # With include_measures: only these measures (of the enterprise's, active); None: all of them.
    measure_ids: Annotated[list[Id], Field(max_length=500)] | None = None


class PlanIn(Input):
    model_config = ConfigDict(extra="forbid")
    checklist_id: Id
    name: s.ShortText
    assignee_id: Id
    frequency: Literal["day", "week", "month", "quarter", "year"]
    start_on: date | None = None


class PlanFromMeasuresIn(Input):
    """A plan whose checklist is the chosen control measures of the enterprise's risk points."""

    model_config = ConfigDict(extra="forbid")
    name: s.ShortText
    assignee_id: Id
    frequency: Literal["day", "week", "month", "quarter", "year"]
    start_on: date | None = None
    measure_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class PlanPatch(Input):
    model_config = ConfigDict(extra="forbid")
    name: s.ShortText | None = None
    assignee_id: Id | None = None
    frequency: Literal["day", "week", "month", "quarter", "year"] | None = None


class ResultIn(Input):
    model_config = ConfigDict(extra="forbid")
    item_id: Id
    outcome: Literal["ok", "fail", "na"]
    note: s.Text | None = None
    photos: s.Photos = []
    category: s.Category = "site"
    place: s.ShortText | None = None


class PerformIn(Input):
    model_config = ConfigDict(extra="forbid")
    version: Id
    results: Annotated[list[ResultIn], Field(min_length=1, max_length=500)]


def _enterprise_writer(user: Principal) -> None:
    if user.role != "enterprise":
        raise Forbidden("排查清单、计划和任务由企业维护")


def create_checklist(session: Session, user: Principal, data: ChecklistIn) -> CheckList:
    _enterprise_writer(user)
    ent = enterprises.get_readable(session, user, user.enterprise_id or 0)
    cl = CheckList(enterprise_id=ent.id, name=data.name, created_by=user.id or None)
    session.add(cl)
    session.flush()
    items: list[CheckItem] = []
    if data.include_measures:
        rows = [
            (m, n)
            for m, n in session.execute(
                select(ControlMeasure, RiskPoint.name)
                .join(RiskPoint, RiskPoint.id == ControlMeasure.risk_point_id)
                .where(RiskPoint.enterprise_id == ent.id, ControlMeasure.is_active.is_(True))
                .order_by(RiskPoint.id, ControlMeasure.id)
            )
        ]
        if data.measure_ids is not None:
            chosen = set(data.measure_ids)
            if chosen - {m.id for m, _ in rows}:
                raise BadInput("所选管控措施须是本企业在用的管控措施", field="measure_ids")
            rows = [(m, n) for m, n in rows if m.id in chosen]
        for measure, point_name in rows:
            items.append(
                CheckItem(
                    kind="measure",
                    content=f"{point_name}：{measure.description}",
                    risk_point_id=measure.risk_point_id,
                    control_measure_id=measure.id,
                )
            )
    if data.include_major_items:
        for it in service.major_items(session, user, ent.id):
            if it["code"] == OTHER_ITEM:
                continue  # not a check item: a way to report what no item names
            items.append(
                CheckItem(kind="major_item", content=f"{it['code']} {it['text']}", major_item=it["code"])
            )
    items += [CheckItem(kind="free", content=text) for text in data.free_items]
    if not items:
        raise BadInput("清单没有任何检查项", field="free_items")
    for n, item in enumerate(items, 1):
        item.checklist_id, item.seq = cl.id, n
    session.add_all(items)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "check_list",
        cl.id,
        after={"name": cl.name, "items": len(items)},
        enterprise_id=ent.id,
    )
    return cl


def checklist_items(session: Session, user: Principal, checklist_id: Id) -> list[CheckItem]:
    cl = session.get(CheckList, checklist_id)
    if cl is None:
        raise NotFound(f"排查清单 {checklist_id} 不存在")
    enterprises.get_readable(session, user, cl.enterprise_id)
    return list(
        session.scalars(select(CheckItem).where(CheckItem.checklist_id == cl.id).order_by(CheckItem.seq))
    )


def enterprise_measures(session: Session, user: Principal) -> list[tuple[ControlMeasure, RiskPoint]]:
    """The active control measures of the caller's enterprise, by risk point: what a plan may check."""
    _enterprise_writer(user)
    rows = session.execute(
        select(ControlMeasure, RiskPoint)
        .join(RiskPoint, RiskPoint.id == ControlMeasure.risk_point_id)
        .where(RiskPoint.enterprise_id == user.enterprise_id, ControlMeasure.is_active.is_(True))
        .order_by(RiskPoint.id, ControlMeasure.id)
    ).all()
    return [(m, p) for m, p in rows]


def assignable_users(session: Session, user: Principal) -> list[User]:
    """Who may be assigned a plan: the active users of the caller's enterprise."""
    _enterprise_writer(user)
    return list(
        session.scalars(
            select(User)
            .where(User.enterprise_id == user.enterprise_id, User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def _check_assignee(session: Session, user: Principal, assignee_id: int) -> User:
    assignee = session.get(User, assignee_id)
    if assignee is None or assignee.enterprise_id != user.enterprise_id or not assignee.is_active:
        raise BadInput("排查人须是本企业用户", field="assignee_id")
    return assignee


def create_plan_from_measures(session: Session, user: Principal, data: PlanFromMeasuresIn) -> CheckPlan:
    """A checklist of the chosen measures, then the plan over it (the same two steps as the API's
    checklist + plan calls). Every refused field is reported at once (BadInput extra["errors"])."""
    _enterprise_writer(user)
    errors: dict[str, str] = {}
    known = {m.id for m, _ in enterprise_measures(session, user)}
    if any(i not in known for i in data.measure_ids):
        errors["measure_ids"] = "所选管控措施须是本企业在用的管控措施"
    try:
        _check_assignee(session, user, data.assignee_id)
    except BadInput as exc:
        errors["assignee_id"] = exc.detail
    if errors:
        field, detail = next(iter(errors.items()))
        raise BadInput(detail, field=field, extra={"errors": errors})
    cl = create_checklist(
        session,
        user,
        ChecklistIn(
            name=f"{data.name}清单"[:200],
            include_measures=True,
            include_major_items=False,
            measure_ids=data.measure_ids,
        ),
    )
    return create_plan(
        session,
        user,
        PlanIn(
            checklist_id=cl.id,
            name=data.name,
            assignee_id=data.assignee_id,
            frequency=data.frequency,
            start_on=data.start_on,
        ),
    )


def _own_plan(session: Session, user: Principal, plan_id: Id) -> CheckPlan:
    _enterprise_writer(user)
    plan = session.get(CheckPlan, plan_id)
    if plan is None or plan.enterprise_id != user.enterprise_id:
        raise NotFound(f"排查计划 {plan_id} 不存在")
    return plan


def list_plans(session: Session, user: Principal) -> list[CheckPlan]:
    """The plans the caller may read (an enterprise user: its own), active first, newest first."""
    stmt = enterprises.owned_by_readable(select(CheckPlan), CheckPlan.enterprise_id, user)
    return list(session.scalars(stmt.order_by(CheckPlan.is_active.desc(), CheckPlan.id.desc()).limit(500)))


def get_plan(session: Session, user: Principal, plan_id: Id) -> tuple[CheckPlan, list[CheckItem]]:
    stmt = enterprises.owned_by_readable(select(CheckPlan), CheckPlan.enterprise_id, user)
    plan = session.scalar(stmt.where(CheckPlan.id == plan_id))
    if plan is None:
        raise NotFound(f"排查计划 {plan_id} 不存在")
    return plan, checklist_items(session, user, plan.checklist_id)


def next_due(session: Session, plan: CheckPlan, today: date | None = None) -> date | None:
    """When the plan's next check is due: the earliest open task's due date, else the end of the
    period after the last generated one (None once deactivated)."""
    if not plan.is_active:
        return None
    day = today or local_today()
    open_due = session.scalar(
        select(CheckTask.due_on)
        .where(CheckTask.plan_id == plan.id, CheckTask.status == "open")
        .order_by(CheckTask.due_on)
        .limit(1)
    )
    if open_due is not None:
        return open_due
    start = max(plan.start_on, day)
    _, end = period_of(plan.frequency, start)
    if session.scalar(select(CheckTask.id).where(CheckTask.plan_id == plan.id, CheckTask.due_on == end)):
        _, end = period_of(plan.frequency, end + timedelta(days=1))
    return end


def update_plan(session: Session, user: Principal, plan_id: Id, data: PlanPatch) -> CheckPlan:
    """Name, assignee and frequency; the open tasks go to the new assignee. The checklist stays (its
    items carry the results already recorded): to check other measures, make a new plan."""
    plan = _own_plan(session, user, plan_id)
    if not plan.is_active:
        raise Conflict("该排查计划已停用", field="is_active")
    before = {"name": plan.name, "assignee_id": plan.assignee_id, "frequency": plan.frequency}
    if data.assignee_id is not None and data.assignee_id != plan.assignee_id:
        plan.assignee_id = _check_assignee(session, user, data.assignee_id).id
        for task in session.scalars(
            select(CheckTask).where(CheckTask.plan_id == plan.id, CheckTask.status == "open")
        ):
            task.assignee_id = plan.assignee_id
    if data.name is not None:
        plan.name = data.name
    if data.frequency is not None:
        plan.frequency = data.frequency
    session.flush()
    after = {"name": plan.name, "assignee_id": plan.assignee_id, "frequency": plan.frequency}
    if after != before:
        audit.record(
            session, user, "update", "check_plan", plan.id, before=before, after=after,
            enterprise_id=plan.enterprise_id,
        )  # fmt: skip
        generate_due_tasks(session, local_today(), plan_ids=[plan.id])
    return plan


def deactivate_plan(session: Session, user: Principal, plan_id: Id) -> CheckPlan:
    """No more tasks are generated; tasks already made stay as they are."""
    plan = _own_plan(session, user, plan_id)
    if plan.is_active:
        plan.is_active = False
        session.flush()
        audit.record(
            session, user, "deactivate", "check_plan", plan.id, before={"is_active": True},
            after={"is_active": False}, enterprise_id=plan.enterprise_id,
        )  # fmt: skip
    return plan


def create_plan(session: Session, user: Principal, data: PlanIn) -> CheckPlan:
    _enterprise_writer(user)
    cl = session.get(CheckList, data.checklist_id)
    if cl is None or cl.enterprise_id != user.enterprise_id:
        raise BadInput(f"排查清单 {data.checklist_id} 不存在", field="checklist_id")
    assignee = _check_assignee(session, user, data.assignee_id)
    plan = CheckPlan(
        enterprise_id=cl.enterprise_id,
        checklist_id=cl.id,
        name=data.name,
        assignee_id=assignee.id,
        frequency=data.frequency,
        start_on=data.start_on or local_today(),
        created_by=user.id or None,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        user,
        "create",
        "check_plan",
        plan.id,
        after={"name": plan.name, "frequency": plan.frequency},
        enterprise_id=plan.enterprise_id,
    )
    generate_due_tasks(session, local_today(), plan_ids=[plan.id])
    return plan


def period_of(frequency: str, on: date) -> tuple[date, date]:
    """The period (first day, last day) of a frequency that contains a date; weeks start on Monday."""
    if frequency == "day":
        return on, on
    if frequency == "week":
        start = on - timedelta(days=on.weekday())
        return start, start + timedelta(days=6)
    if frequency == "month":
        start = on.replace(day=1)
    elif frequency == "quarter":
        start = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
    else:
        start = date(on.year, 1, 1)
    months = {"month": 1, "quarter": 3, "year": 12}[frequency]
    y, m = divmod(start.month - 1 + months, 12)
    return start, date(start.year + y, m + 1, 1) - timedelta(days=1)


def generate_due_tasks(session: Session, on: date, plan_ids: list[Id] | None = None) -> int:
    """Create the task of the current period for every active plan (idempotent). Returns how many."""
    stmt = select(CheckPlan).where(CheckPlan.is_active.is_(True), CheckPlan.start_on <= on)
    if plan_ids:
        stmt = stmt.where(CheckPlan.id.in_(plan_ids))
    created = 0
    for plan in session.scalars(stmt):
        start, end = period_of(plan.frequency, on)
        exists = session.scalar(
            select(CheckTask.id).where(CheckTask.plan_id == plan.id, CheckTask.period_start == start)
        )
        if exists:
            continue
        session.add(
            CheckTask(
                plan_id=plan.id,
                enterprise_id=plan.enterprise_id,
                assignee_id=plan.assignee_id,
                period_start=start,
                due_on=end,
            )
        )
        created += 1
    session.flush()
    return created


def _readable_tasks(user: Principal) -> Any:
    return enterprises.owned_by_readable(select(CheckTask), CheckTask.enterprise_id, user)


def get_task(session: Session, user: Principal, task_id: Id) -> tuple[CheckTask, CheckPlan, list[CheckItem]]:
    """One task with its plan and checklist items; 404 outside the caller's scope."""
    task = session.scalar(_readable_tasks(user).where(CheckTask.id == task_id))
    if task is None:
        raise NotFound(f"排查任务 {task_id} 不存在")
    plan = session.get_one(CheckPlan, task.plan_id)
    return task, plan, checklist_items(session, user, plan.checklist_id)


def task_results(session: Session, user: Principal, task_id: Id) -> dict[int, CheckResult]:
    """What was recorded for each checklist item of a task (item id → result); 404 outside scope."""
    task, _, _ = get_task(session, user, task_id)
    return {r.item_id: r for r in session.scalars(select(CheckResult).where(CheckResult.task_id == task.id))}


def list_tasks(
    session: Session, user: Principal, missed: bool | None = None, limit: int = 100
) -> list[CheckTask]:
    stmt = _readable_tasks(user)
    if missed is True:
        stmt = stmt.where(CheckTask.status == "open", CheckTask.due_on < local_today())
    elif missed is False:
        stmt = stmt.where((CheckTask.status == "done") | (CheckTask.due_on >= local_today()))
    return list(session.scalars(stmt.order_by(CheckTask.due_on.desc(), CheckTask.id.desc()).limit(limit)))


def perform_task(session: Session, user: Principal, task_id: Id, data: PerformIn) -> list[CheckResult]:
    """Record every item; each 不合格 item becomes a hazard (source 自查任务) linked to its measure."""
    _enterprise_writer(user)
    task = session.get(CheckTask, task_id)
    if task is None or task.enterprise_id != user.enterprise_id:
        raise NotFound(f"排查任务 {task_id} 不存在")
    if task.status == "done":
        raise Conflict("该排查任务已完成", field="status")
    if task.version != data.version:
        raise Conflict(f"排查任务已被他人修改（当前版本 {task.version}），请刷新后重试", field="version")
    plan = session.get_one(CheckPlan, task.plan_id)
    items = {
        i.id: i for i in session.scalars(select(CheckItem).where(CheckItem.checklist_id == plan.checklist_id))
    }
    given = [r.item_id for r in data.results]
    if len(set(given)) != len(given) or set(given) != set(items):
        raise BadInput("须对清单中的每一项各记录一次结果（合格/不合格/不适用）", field="results")
    out = []
    for n, r in enumerate(data.results):
        item = items[r.item_id]
        photos = attachments.check_ids(
            session, user, r.photos, task.enterprise_id, field=f"results.{n}.photos"
        )
        result = CheckResult(
            task_id=task.id, item_id=item.id, outcome=r.outcome, note=r.note, photo_ids=photos
        )
        if r.outcome == "fail":
            hazard = service.create_hazard(
                session,
                user,
                s.HazardIn(
                    source="self_check_task",
                    description=r.note or f"排查不合格：{item.content}"[:2000],
                    place=r.place or plan.name,
                    category=r.category,
                    photos=photos,
                    risk_point_id=item.risk_point_id,
                    control_measure_id=item.control_measure_id,
                ),
            ).hazard
            result.hazard_id = hazard.id
        session.add(result)
        out.append(result)
    task.status, task.done_at, task.done_by = "done", utcnow(), user.id or None
    session.flush()
    audit.record(
        session,
        user,
        "perform",
        "check_task",
        task.id,
        after={"failed": sum(r.outcome == "fail" for r in data.results)},
        enterprise_id=task.enterprise_id,
    )
    return out
