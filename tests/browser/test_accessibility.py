"""axe-core (WCAG 2 A and AA rules) finds no serious or critical violation on the main pages of each
role, on a phone (390×844) and on a desk (1366×900), in Chromium with no network.

axe-core comes from npm (package.json / package-lock.json, installed by scripts/setup.sh with npm ci)
and is evaluated in the page from node_modules: no request leaves the machine, and the page's CSP
(scripts from 'self' or with the nonce only) does not apply to code run by page.evaluate. Without
node_modules/axe-core the test skips, except under CI=true where it fails.
"""

import io
from pathlib import Path

import pytest

from app.attachments import service as attachments
from app.enterprises.models import Enterprise
from app.hazards import tips
from app.hazards.schemas import TipIn
from tests.browser.conftest import DESKTOP, PHONE, login
from tests.conftest import IN_CI
from tests.factories import PASSWORD
from tests.risks.factories import add_measure, assess, make_point
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, png_bytes

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
ROLES = ["enterprise", "inspector", "township", "public"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"{AXE} missing (npm ci --no-audit --no-fund at the repository root)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(live_server) -> dict[str, tuple[str | None, list[str]]]:  # type: ignore[no-untyped-def]
    """role -> (username or None for the public, the paths: home first, then the key pages)."""
    with live_server.session() as s:
        world = make_world(s, "1379", "ax")
        ent = s.get_one(Enterprise, world.enterprise_id)
        make_hazard(s, ent, description="液氨储罐区未设置泄漏报警装置")
        make_hazard(s, ent, grade="general", state="reported", description="消防通道堵塞")
        point = make_point(s, ent.id)
        assess(s, point)  # 3×6×15 = 270: 较大风险 (orange, where white text fails contrast)
        add_measure(s, point)
        point_id = point.id
        # A pending 举报 with a photo in the inspector's region, for the triage page.
        photo = attachments.save_image(s, tips.PUBLIC, io.BytesIO(png_bytes()), "site.png", None)
        tip = TipIn(description="河边仓库堆放烟花爆竹", place="河边仓库", region_code=world.township)
        tips.submit(s, tip, "192.0.2.77", [photo.id])
    enterprise = f"/enterprises/{world.enterprise_id}"
    return {
        "enterprise": (
            world.enterprise_user,
            ["/", "/hazards", enterprise, f"/risks/points/{point_id}", f"/risks/points/{point_id}/card"]
            + [f"/risks/enterprises/{world.enterprise_id}/board"],
        ),
        "inspector": (world.inspector, ["/", "/hazards", enterprise, "/tips"]),
        "township": (world.township_user, ["/", "/hazards", "/stats"]),
        "public": (None, ["/login", "/report", "/report/status"]),
    }


def _describe(violations: list[dict]) -> str:  # type: ignore[type-arg]
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"]]
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} — {len(targets)} node(s): {targets[:6]}")
        summary = " ".join((v["nodes"][0].get("failureSummary") or "").split())
        lines.append(f"    e.g. {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_no_serious_or_critical_axe_violations(  # type: ignore[no-untyped-def]
    new_page, live_server, pages, axe_source, role, viewport
):
    username, paths = pages[role]
    page, watch = new_page(VIEWPORTS[viewport])
    if username is not None:
        login(page, live_server, username, PASSWORD)
    found = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.ok, (path, response and response.status)
        page.evaluate(axe_source)
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},"
            " resultTypes: ['violations']})"
        )
        bad = [v for v in result["violations"] if v["impact"] in BLOCKING]
        if bad:
            found[path] = bad
    assert not found, f"{role} on a {viewport}:\n" + "\n".join(
        f"{path}:\n{_describe(v)}" for path, v in found.items()
    )
    assert watch.blocked == [], watch.blocked
