"""考核 pages for regulators: the scorecards of a region's child regions, one region's card with its
trace, the drill-down to the records behind a figure (phone card tables), and 报送 (requirements with
each region's status; the form to set one; the filing form of a region that must file), 责任清单 and 包联
(view and edit; a 包联's visits)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assessment import bulletins, reports, responsibilities, service, submissions
from app.assessment.models import SCALES
from app.assessment.schemas import (
    FileIn,
    LiaisonIn,
    RequirementIn,
    ResponsibilityChange,
    ResponsibilityIn,
    VisitIn,
)
from app.auth.deps import DbSession, ReadSession
from app.auth.principal import Principal
from app.enterprises import service as enterprises
from app.errors import BadInput
from app.fields import Id
from app.regions.models import Region
from app.timeutil import local_today
from app.web.common import (
    Form,
    PageRoute,
    PageUser,
    attempt,
    attempt_all,
    check_csrf,
    done_notice,
    page,
    parse_date,
    redirect_done,
    text,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_PERIOD_LEN = 7


def _period(period: str | None) -> str | None:
    if period is not None and len(period) > _PERIOD_LEN:
        raise BadInput("考核期最多 7 个字符，例如 2026-11、2026-Q4 或 2026", field="period")
    return period or None


@router.get("/assessment")
def index(
    request: Request,
    session: ReadSession,
    user: PageUser,
    region: str | None = None,
    period: str | None = None,
) -> Response:
    if region is not None and (len(region) > 12 or not region.isdigit()):
        raise BadInput("行政区划代码应为 6–12 位数字", field="region")
    cards = service.scorecards(session, user, region, _period(period))
    ctx: dict[str, Any] = {
        "cards": cards,
        "bulletins": bulletins.list_bulletins(session, user, 20),
        "reports": reports.list_reports(session, user, 20),
    }
    return page(request, session, "assessment.html", user, **ctx)


@router.get("/assessment/{code:region_code}")
def card(
    request: Request, session: ReadSession, user: PageUser, code: str, period: str | None = None
) -> Response:
    data = service.scorecard(session, user, code, _period(period))
    return page(request, session, "assessment_card.html", user, data=data, row=data["card"])


@router.get("/assessment/{code:region_code}/drilldown")
def drill(
    request: Request,
    session: ReadSession,
    user: PageUser,
    code: str,
    indicator: str = "",
    part: str = "denominator",
    period: str | None = None,
) -> Response:
    if len(indicator) > 40:
        raise BadInput("指标 id 最多 40 个字符", field="indicator")
    data = service.drilldown(session, user, code, indicator, part, _period(period))
    return page(request, session, "assessment_drill.html", user, data=data)


# ---------------------------------------------------------------- 报送

DONE = {"created": "报送要求已设置，须报送的地区登录后即可报送。", "filed": "已报送。"}


def _children(session: Session, user: Principal) -> list[Region]:
    """The regions the caller may require to file: the child regions of the caller's region."""
    if not (user.is_admin or user.role == "inspector") or not user.region_code:
        return []
    return list(service.region_children(session, user, user.region_code))


def _list_page(
    request: Request, session: DbSession, user: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return page(
        request,
        session,
        "assessment_submissions.html",
        user,
        items=submissions.list_requirements(session, user),
        children=_children(session, user),
        values=values,
        errors=errors,
        notice=done_notice(request, DONE.get),
    )


@router.get("/assessment/submissions")
def submission_list(request: Request, session: DbSession, user: PageUser) -> Response:
    return _list_page(request, session, user, {"regions": []}, {})


@router.post("/assessment/submissions")
def submission_create(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {
        k: text(form, k) for k in ("title", "period", "due_on", "note", "department")
    } | {"regions": [r for r in form.getlist("regions") if isinstance(r, str)]}

    def build() -> RequirementIn:
        return RequirementIn.model_validate(
            {
                "title": values["title"] or "",
                "period": values["period"] or "",
                "due_on": values["due_on"] or "",
                "note": values["note"],
                "targets": [{"region": r, "department": values["department"]} for r in values["regions"]],
            }
        )

    # submissions.create checks these after the schema; found here so one submit names them all.
    problems: dict[str, str] = {}
    if values["period"]:
        try:
            service.parse_period(values["period"])
        except BadInput as exc:
            problems["period"] = exc.detail
    due = parse_date(values["due_on"])
    if due is not None and due < local_today():
        problems["due_on"] = "报送截止日期不能早于今天"
    req, errors = attempt_all(
        session,
        build,
        lambda data: submissions.create(session, user, data),
        problems,
        strip=("targets.0.", "targets."),
    )
    if req is None:
        return _list_page(request, session, user, values, errors)
    return redirect_done(f"/assessment/submissions/{req.id}", "created")


def _detail_page(
    request: Request, session: DbSession, user: Principal, requirement_id: int, errors: dict[str, str]
) -> Response:
    data = submissions.detail(session, user, requirement_id)
    return page(
        request,
        session,
        "assessment_submission.html",
        user,
        req=data,
        errors=errors,
        notice=done_notice(request, DONE.get),
    )


@router.get("/assessment/submissions/{requirement_id}")
def submission_page(request: Request, session: DbSession, user: PageUser, requirement_id: Id) -> Response:
    return _detail_page(request, session, user, requirement_id, {})


@router.post("/assessment/submissions/{requirement_id}/{submission_id}")
def submission_file(
    request: Request, session: DbSession, user: PageUser, form: Form, requirement_id: Id, submission_id: Id
) -> Response:
    check_csrf(request, form)

    def write() -> Any:
        version = text(form, "version") or ""
        body = FileIn.model_validate(
            {"version": int(version) if version.isdigit() else 0, "content": text(form, "content") or ""}
        )
        return submissions.file(session, user, submission_id, body)

    done, errors = attempt(session, write)
    if done is None:
        return _detail_page(request, session, user, requirement_id, errors)
    return redirect_done(f"/assessment/submissions/{done.requirement_id}", "filed")


# ---------------------------------------------------------------- 责任清单 and 包联

RESP_DONE = {
    "entry": "责任清单已保存。",
    "deleted": "已删除该条。",
    "liaison": "包联已登记。",
    "visit": "走访已登记。",
}
_ENTRY_FIELDS = ("region", "department", "duties", "basis")
_LIAISON_FIELDS = (
    "region",
    "leader_name",
    "leader_title",
    "target_region",
    "target_enterprise_id",
    "starts_on",
    "ends_on",
    "note",
)


def _own_regions(session: Session, user: Principal) -> list[Region]:
    """The caller's region and those below it (the regions whose lists the caller may edit)."""
    if not (user.is_admin or user.role == "inspector"):
        return []
    stmt = select(Region).where(Region.level != "village").order_by(Region.path)
    if not user.is_admin:
        stmt = stmt.where(Region.path.like(f"{user.region_path}%"))
    return list(session.scalars(stmt.limit(3000)))


def _resp_page(
    request: Request,
    session: Session,
    user: Principal,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    lvalues: dict[str, Any] | None = None,
    lerrors: dict[str, str] | None = None,
    edit: int | None = None,
) -> Response:
    entries = [
        responsibilities.entry_detail(session, r) for r in responsibilities.list_entries(session, user)
    ]
    if values is None and edit is not None:
        e = responsibilities.entry_detail(session, responsibilities.get_entry(session, user, edit))
        values = {k: e[k] or "" for k in ("department", "duties", "basis", "industries", "scales", "version")}
        values |= {"region": e["region_code"], "entry_id": e["id"]}
    return page(
        request,
        session,
        "assessment_responsibilities.html",
        user,
        entries=entries,
        liaisons=[
            responsibilities.liaison_detail(session, r) for r in responsibilities.list_liaisons(session, user)
        ],
        regions=_own_regions(session, user),
        industries=enterprises.industries(),
        scales=SCALES,
        values=values or {"industries": [], "scales": []},
        errors=errors or {},
        lvalues=lvalues or {},
        lerrors=lerrors or {},
        notice=done_notice(request, RESP_DONE.get),
    )


@router.get("/assessment/responsibilities")
def responsibility_list(
    request: Request, session: DbSession, user: PageUser, edit: Id | None = None
) -> Response:
    return _resp_page(request, session, user, edit=edit)


def _listed(form: Any, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


@router.post("/assessment/responsibilities")
def responsibility_save(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    """Add an entry, or (with entry_id and version) change one."""
    check_csrf(request, form)
    values: dict[str, Any] = {k: text(form, k) for k in (*_ENTRY_FIELDS, "entry_id", "version")}
    values |= {"industries": _listed(form, "industries"), "scales": _listed(form, "scales")}

    def write() -> Any:
        body = {k: values[k] for k in _ENTRY_FIELDS} | {
            "industries": values["industries"],
            "scales": values["scales"],
        }
        body["region"], body["department"] = body["region"] or "", body["department"] or ""
        entry_id = values["entry_id"] or ""
        if entry_id.isdigit():
            version = values["version"] or ""
            change = ResponsibilityChange.model_validate(
                body | {"version": int(version) if version.isdigit() else 0}
            )
            return responsibilities.update_entry(session, user, int(entry_id), change)
        return responsibilities.create_entry(session, user, ResponsibilityIn.model_validate(body))

    row, errors = attempt(session, write)
    if row is None:
        return _resp_page(request, session, user, values, errors)
    return redirect_done("/assessment/responsibilities", "entry")


@router.post("/assessment/responsibilities/{entry_id}/delete")
def responsibility_delete(
    request: Request, session: DbSession, user: PageUser, form: Form, entry_id: Id
) -> Response:
    check_csrf(request, form)
    version = text(form, "version") or ""

    def write() -> bool:
        responsibilities.delete_entry(session, user, entry_id, int(version) if version.isdigit() else 0)
        return True

    done, errors = attempt(session, write)
    if done is None:
        return _resp_page(request, session, user, errors={"_form": next(iter(errors.values()))})
    return redirect_done("/assessment/responsibilities", "deleted")


@router.post("/assessment/liaisons")
def liaison_create(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {k: text(form, k) for k in _LIAISON_FIELDS}

    def write() -> Any:
        body = {k: v for k, v in values.items() if v is not None}
        body.setdefault("region", "")
        body.setdefault("leader_name", "")
        body.setdefault("leader_title", "")
        body.setdefault("starts_on", "")
        return responsibilities.create_liaison(session, user, LiaisonIn.model_validate(body))

    row, errors = attempt(session, write)
    if row is None:
        return _resp_page(request, session, user, lvalues=values, lerrors=errors)
    return redirect_done(f"/assessment/liaisons/{row.id}", "liaison")


def _liaison_page(
    request: Request,
    session: Session,
    user: Principal,
    liaison_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    row = responsibilities.get_liaison(session, user, liaison_id)
    return page(
        request,
        session,
        "assessment_liaison.html",
        user,
        li=responsibilities.liaison_detail(session, row, visits=True),
        can_visit=user.is_admin
        or user.role == "inspector"
        or (bool(user.id) and user.id == row.leader_user_id),
        values=values or {},
        errors=errors or {},
        notice=done_notice(request, RESP_DONE.get),
    )


@router.get("/assessment/liaisons/{liaison_id}")
def liaison_page(request: Request, session: DbSession, user: PageUser, liaison_id: Id) -> Response:
    return _liaison_page(request, session, user, liaison_id)


@router.post("/assessment/liaisons/{liaison_id}/visits")
def liaison_visit(
    request: Request, session: DbSession, user: PageUser, form: Form, liaison_id: Id
) -> Response:
    check_csrf(request, form)
    values: dict[str, Any] = {k: text(form, k) for k in ("visited_on", "checked", "problems", "hazard_id")}

    def write() -> Any:
        body = {k: v for k, v in values.items() if v is not None}
        body.setdefault("visited_on", "")
        body.setdefault("checked", "")
        return responsibilities.add_visit(session, user, liaison_id, VisitIn.model_validate(body))

    row, errors = attempt(session, write)
    if row is None:
        return _liaison_page(request, session, user, liaison_id, values, errors)
    return redirect_done(f"/assessment/liaisons/{liaison_id}", "visit")
