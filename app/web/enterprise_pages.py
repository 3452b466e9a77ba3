"""Enterprise staff: what the home page shows them, and performing an investigation task item by item."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.deps import DbSession
from app.auth.principal import Principal
from app.grading import enterprise as grading
from app.grading.models import LEVEL_LABELS
from app.hazards import investigation, ledger
from app.hazards.models import CATEGORIES, OUTCOMES, STATES
from app.rules_engine import explain
from app.supervision import service as supervision
from app.timeutil import local_today
from app.web.common import (
    Errors,
    Form,
    PageRoute,
    PageUser,
    attempt,
    check_csrf,
    keep_photos,
    page,
    redirect,
    refuse_if,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPEN_STATES = ("reported", "rectifying", "awaiting_acceptance")


def hazard_count(session: Session, user: Principal, **filters: Any) -> int:
    stmt = ledger.filtered(session, user, ledger.Filters(**filters)).subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


REGULATOR_ROLES = ("inspector", "admin")


def shows_basis(user: Principal | None) -> bool:
    """Rule set ids, versions and the technical trace (依据) are for regulators; others read sentences."""
    return user is not None and user.role in REGULATOR_ROLES


def level_of(session: Session, enterprise_id: int, user: Principal | None = None) -> dict[str, Any] | None:
    """The current 企业整体安全风险等级 with its reasons as sentences; for regulators also the 依据
    (rule set id@version and each step's technical detail)."""
    rows = grading.history(session, enterprise_id, limit=1)
    if not rows:
        return None
    row = rows[0]
    return {
        "level": row.level,
        "label": LEVEL_LABELS[row.level],
        "rule_set_name": explain.rule_set_name(row.rule_set),
        "reasons": explain.sentences(row.trace),
        "basis": {"rule_set": row.rule_set, "steps": explain.basis(row.trace)} if shows_basis(user) else None,
        "computed_at": row.computed_at,
    }


def home_context(session: Session, user: Principal) -> dict[str, Any]:
    assert user.enterprise_id is not None
    today = local_today()
    tasks = [
        t
        for t in investigation.list_tasks(session, user)
        if t.status == "open" and t.period_start <= today and (t.assignee_id == user.id or t.due_on >= today)
    ]
    cases = [c for c in supervision.board(session, user)["cases"] if c["state"] not in ("closed", "revoked")]
    return {
        "by_state": [(STATES[s], s, hazard_count(session, user, state=s)) for s in OPEN_STATES],
        "overdue": hazard_count(session, user, overdue=True),
        "major_open": sum(hazard_count(session, user, state=s, grade="major") for s in OPEN_STATES),
        "tasks": tasks,
        "cases": cases,
        "level": level_of(session, user.enterprise_id, user),
    }


# ---------------------------------------------------------------- investigation tasks


@router.get("/tasks")
def task_list(request: Request, session: DbSession, user: PageUser) -> Response:
    tasks = investigation.list_tasks(session, user)
    return page(
        request, session, "tasks.html", user, tasks=tasks, missed_ids={t.id for t in tasks if t.is_missed}
    )


def _task_page(
    request: Request,
    session: Session,
    user: Principal,
    task_id: int,
    values: dict[str, Any],
    errors: Errors,
    photos: dict[int, list[int]] | None = None,
) -> Response:
    task, plan, items = investigation.get_task(session, user, task_id)
    return page(
        request,
        session,
        "task.html",
        user,
        task=task,
        plan=plan,
        items=items,
        results=investigation.task_results(session, user, task_id) if task.status == "done" else {},
        OUTCOMES=OUTCOMES,
        CATEGORIES=CATEGORIES,
        values=values,
        errors=errors,
        kept_photos=photos or {},
    )


@router.get("/tasks/{task_id:int}")
def task_page(request: Request, session: DbSession, user: PageUser, task_id: int) -> Response:
    return _task_page(request, session, user, task_id, {}, {})


@router.post("/tasks/{task_id:int}")
def perform(request: Request, session: DbSession, user: PageUser, form: Form, task_id: int) -> Response:
    check_csrf(request, form)
    task, _, items = investigation.get_task(session, user, task_id)
    # Each item's photos are saved first, so a form that comes back with errors keeps them.
    photos: dict[int, list[int]] = {}
    photo_errors: Errors = {}
    if task.status != "done":
        for item in items:
            photos[item.id], found = keep_photos(
                session, user, form, f"item-{item.id}-photo", task.enterprise_id
            )
            photo_errors.update(found)

    def write() -> Any:
        results = [
            {
                "item_id": item.id,
                "outcome": text(form, f"item-{item.id}-outcome"),
                "note": text(form, f"item-{item.id}-note"),
                "photos": photos.get(item.id, []),
            }
            for item in items
        ]
        body = investigation.PerformIn.model_validate({"version": text(form, "version"), "results": results})
        done = investigation.perform_task(session, user, task_id, body)
        refuse_if(photo_errors)
        return done

    _, errors = attempt(session, write)
    if errors:
        # "results.3.outcome" → the 4th item's outcome input ("photos" → its photo input).
        named = dict(photo_errors)
        for name, message in errors.items():
            parts = name.split(".")
            if parts[0] == "results" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(items):
                field = "photo" if parts[2] == "photos" else parts[2]
                named.setdefault(f"item-{items[int(parts[1])].id}-{field}", message)
            else:
                named.setdefault(name, message)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _task_page(request, session, user, task_id, values, named, photos)
    return redirect("/tasks")
