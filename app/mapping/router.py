"""HTTP for maps: the region page, the map document it embeds, the region level API, local assets.

Mount: app.include_router(app.mapping.router.router)
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.auth import service as auth
from app.auth.deps import CurrentUser, DbSession, ReadSession, optional_principal, session_token
from app.auth.models import ROLES
from app.auth.principal import Principal
from app.errors import BadInput, NotFound
from app.fields import MAX_ID, RegionCode
from app.grading import regional
from app.mapping import assets, service
from app.mapping.builder import build_map, render_html
from app.mapping.settings import configured_tiles
from app.regions import service as regions
from app.regions.models import LEVEL_NAMES, Level
from app.timeutil import fmt_local
from app.web.headers import add_nonce, csp_nonce

_WEB_TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
templates = Jinja2Templates(directory=[Path(__file__).parent / "templates", _WEB_TEMPLATES])
templates.env.globals.update(ROLES=ROLES, LEVEL_NAMES=LEVEL_NAMES)

router = APIRouter(tags=["maps"])
MaybeUser = Annotated[Principal | None, Depends(optional_principal)]
LevelQuery = Annotated[
    Level | None, Query(description="绘制哪一级区划（province/city/county/township/village），默认下一级")
]


@router.get(assets.ASSET_PREFIX + "/{package}/{name:path}", include_in_schema=False)
def asset(package: str, name: str) -> FileResponse:
    """Leaflet, markercluster and our map script, from installed packages (no CDN)."""
    path = assets.asset_file(package, name)
    if path is None:
        raise NotFound(f"静态资源 {package}/{name} 不存在")
    return FileResponse(path, media_type=assets.media_type(path), headers={"Cache-Control": "max-age=86400"})


@router.get("/maps/region/{code}", response_class=HTMLResponse, include_in_schema=False)
def region_page(
    request: Request, session: DbSession, user: MaybeUser, code: str, level: LevelQuery = None
) -> Response:
    """A region's four-colour map with the enterprises that have no coordinates listed beside it."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    region = service.readable_region(session, user, code)
    current = regional.current_levels(session, [code]).get(code)
    unlocated, unlocated_total = service.unlocated_enterprises(session, user, region)
    token = session_token(request)
    context: dict[str, Any] = {
        "user": user,
        "csrf_token": auth.csrf_token_for(token) if token else "",
        "region": region,
        "title": service.map_title(region),
        "current": regional.level_dict(current) if current else None,
        "computed_at": fmt_local(current.computed_at) if current else "",
        "unlocated": unlocated,
        "unlocated_total": unlocated_total,
        "frame_url": f"/maps/region/{code}/map.html" + (f"?level={level}" if level else ""),
        "error": None,
    }
    status = 200
    try:
        service.drawn_regions(session, region, level)
    except BadInput as exc:
        context["error"], status = exc.detail, exc.status_code
    return templates.TemplateResponse(request, "region_map.html", context, status_code=status)


@router.get("/maps/region/{code}/map.html", response_class=HTMLResponse, include_in_schema=False)
def region_map_document(
    request: Request, session: ReadSession, user: CurrentUser, code: str, level: LevelQuery = None
) -> Response:
    """The map itself, a full HTML document (embedded by the region page)."""
    data = service.region_map_data(session, user, code, level)
    # Names are not in the page (50 000 of them would be ~2 MB): the map asks map_enterprises for them.
    options = service.map_options(
        data, tiles=configured_tiles(), names_api=f"/api/maps/region/{data.region.code}/enterprises"
    )
    html = render_html(build_map(data.shapes, data.points, data.layers, options), options)
    return HTMLResponse(add_nonce(html, csp_nonce(request)), headers={"Cache-Control": "no-store"})


IdList = Annotated[
    str | None,
    Query(max_length=6000, pattern=r"^\d{1,10}(,\d{1,10})*$", description="企业 id，逗号分隔，最多 500 个"),
]


@router.get("/api/maps/region/{code:region_code}/enterprises")
def map_enterprises(
    session: ReadSession,
    user: CurrentUser,
    code: RegionCode,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="企业名称或统一社会信用代码")
    ] = None,
    ids: IdList = None,
) -> dict[str, Any]:
    """The enterprises the caller's map of this region draws: by name / credit code (?q=, the map's search
    box) or by id (?ids=, names for its tooltips and popups). Same scope as the map itself."""
    if ids is not None:
        wanted = [int(i) for i in ids.split(",")]
        if any(i < 1 or i > MAX_ID for i in wanted):
            raise BadInput(f"企业 id 须在 1 到 {MAX_ID} 之间", field="ids")
        return {"items": service.map_enterprise_names(session, user, code, wanted)}
    if q is None:
        raise BadInput("请给出 q（企业名称或统一社会信用代码）或 ids", field="q")
    return {"items": service.search_map_enterprises(session, user, code, q)}


@router.get("/api/regions/{code:region_code}/level")
def region_level(session: DbSession, user: CurrentUser, code: RegionCode) -> dict[str, Any]:
    """Current 区域安全风险等级 with its trace, and the history of changes (newest first)."""
    region = service.readable_region(session, user, code)
    history = regional.level_history(session, code)
    current = next((row for row in history if row.is_current), None)
    return {
        "region": regions.region_summary(region),
        "current": regional.level_dict(current) if current else None,
        "history": [regional.level_dict(row) for row in history],
    }
