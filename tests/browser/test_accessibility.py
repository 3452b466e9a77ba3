"""axe-core (WCAG 2 A and AA rules) finds no serious or critical violation on the main pages of each
role, on a phone (390×844) and on a desk (1366×900), in Chromium with no network. Pages with a frame
(the four-colour map page embeds the Folium map document) are scanned inside each frame as well. On the
map axe leaves text over the tiles and polygons "incomplete" (it cannot tell the background), so the
level words on the enterprise markers and legend swatches (红/橙/黄/蓝/未 on their colour) are measured
directly: WCAG AA, 4.5:1.

axe-core comes from npm (package.json / package-lock.json, installed by scripts/setup.sh with npm ci)
and is evaluated in the page from node_modules: no request leaves the machine, and the page's CSP
(scripts from 'self' or with the nonce only) does not apply to code run by page.evaluate. Without
node_modules/axe-core the test skips, except under CI=true where it fails.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest

from app.attachments import service as attachments
from app.campaigns import notices
from app.campaigns import service as campaigns
from app.campaigns.schemas import CampaignIn, NoticeIn
from app.enterprises.models import Enterprise
from app.grading.regional import recompute_region_levels
from app.hazards import tips
from app.hazards.schemas import TipIn
from app.regions.models import Region
from app.timeutil import local_today
from tests.browser.conftest import DESKTOP, PHONE, login, screenshot
from tests.conftest import IN_CI
from tests.factories import PASSWORD, make_enterprise
from tests.mapping.factories import set_level
from tests.risks.factories import add_measure, assess, make_point
from tests.supervision.factories import make_hazard
from tests.web.factories import make_world, png_bytes, principal_from

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
        # Marked enterprises of every level on the township's map (marker text on each colour).
        town = s.get_one(Region, world.township)
        for i, level in enumerate(("blue", "yellow", "orange", "red")):
            lon, lat = (town.min_lon or 0) + 0.1 + 0.2 * i, (town.min_lat or 0) + 0.05
            set_level(
                s, make_enterprise(s, region_code=town.code, name=f"图例企业{i}", lon=lon, lat=lat), level
            )
        recompute_region_levels(s)
        # A pending 举报 with a photo in the inspector's region, for the triage page.
        photo = attachments.save_image(s, tips.PUBLIC, io.BytesIO(png_bytes()), "site.png", None)
        tip = TipIn(description="河边仓库堆放烟花爆竹", place="河边仓库", region_code=world.township)
        tips.submit(s, tip, "192.0.2.77", [photo.id])
        # A 专项整治 and a 安全提示 of the county, so their lists and the enterprise's show a row.
        county = principal_from(s, world.inspector)
        today = local_today()
        campaign = CampaignIn.model_validate(
            {"title": "有限空间作业专项整治", "starts_on": today, "ends_on": today + timedelta(days=60),
             "own_items": [{"text": "有限空间作业是否审批"}]}
        )  # fmt: skip
        campaigns.create_campaign(s, county, campaign)
        notices.send(s, county, NoticeIn(title="防汛安全提示", body="请做好汛期防范工作"))
    enterprise = f"/enterprises/{world.enterprise_id}"
    # Each role's nav: the first-wave pages, then the second-wave domains (专项整治, 安全提示, 考核, 监测,
    # 执法, 事故与应急) where the role has them.
    return {
        "enterprise": (
            world.enterprise_user,
            ["/", "/hazards", enterprise, f"/risks/points/{point_id}", f"/risks/points/{point_id}/card"]
            + [f"/risks/enterprises/{world.enterprise_id}/board", "/campaigns", "/notices", "/monitoring"]
            + [f"{enterprise}/emergency/new"],
        ),
        "inspector": (
            world.inspector,
            ["/", "/hazards", enterprise, "/tips", f"/maps/region/{world.county}", "/campaigns", "/notices"]
            + ["/assessment", "/monitoring", "/enforcement/inspections", "/enforcement/draw"]
            + ["/accidents/board", "/emergency/resources"],
        ),
        "township": (
            world.township_user,
            ["/", "/hazards", "/stats", f"/maps/region/{world.township}", "/campaigns", "/assessment"]
            + ["/enforcement/inspections", "/accidents/board"],
        ),
        "public": (
            None,
            ["/login", "/report", "/report/status", "/public/announcements", "/public/random-results"],
        ),
    }


def _describe(violations: list[dict]) -> str:  # type: ignore[type-arg]
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"]]
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} — {len(targets)} node(s): {targets[:6]}")
        summary = " ".join(((v["nodes"] or [{}])[0].get("failureSummary") or "").split())
        lines.append(f"    e.g. {summary[:300]}")
    return "\n".join(lines)


# Contrast of the text of each level marker / swatch against its own opaque background colour.
MARKER_CONTRAST = """() => {
  const lum = c => {
    const [r, g, b] = c.match(/[0-9.]+/g).slice(0, 3).map(v => {
      v = v / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll('.sk-ent, .sk-swatch')].map(e => {
    const s = getComputedStyle(e), a = lum(s.color), b = lum(s.backgroundColor);
    return [e.className.split(' ').find(c => /^sk-l[0-9]$/.test(c)), e.textContent,
            (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def _low_contrast_markers(frame) -> list[str]:  # type: ignore[no-untyped-def]
    measured = frame.evaluate(MARKER_CONTRAST)
    assert measured, "the map shows no level markers or legend swatches"
    return sorted({f"{cls} “{word}” {ratio:.2f}:1" for cls, word, ratio in measured if ratio < 4.5})


def _scan(frame, axe_source: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    frame.evaluate(axe_source)
    result = frame.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},"
        " resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_no_serious_or_critical_axe_violations(  # type: ignore[no-untyped-def]
    new_page, live_server, pages, axe_source, role, viewport
):
    username, paths = pages[role]
    page, watch = new_page(VIEWPORTS[viewport])
    # The 监测 board reloads itself; start it paused (its own button, kept per tab) so no reload cuts a scan.
    page.add_init_script("sessionStorage.setItem('sk-auto-refresh-paused', '1')")
    if username is not None:
        login(page, live_server, username, PASSWORD)
    found = {}
    frames = 0
    wide: list[str] = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.ok, (path, response and response.status)
        slug = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"axe-{viewport}-{role}-{slug}")  # each role's main pages at both sizes
        if path == "/monitoring":  # the timed refresh can be paused and resumed (WCAG 2.2.1)
            button = page.locator("[data-auto-refresh] button")
            assert button.inner_text() == "恢复自动刷新" and button.get_attribute("aria-pressed") == "true"
            button.click()
            assert button.inner_text() == "暂停自动刷新" and button.get_attribute("aria-pressed") == "false"
            button.click()
            assert button.get_attribute("aria-pressed") == "true"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > VIEWPORTS[viewport]["width"]:  # the same visit checks that the page fits the screen
            wide.append(f"{path} is {width} px wide")
        for frame in [page.main_frame, *page.main_frame.child_frames]:
            if frame is not page.main_frame:
                frame.wait_for_selector("body[data-sk-ready]")  # the map has drawn its markers
            bad = _scan(frame, axe_source)
            if frame is not page.main_frame:
                low = _low_contrast_markers(frame)
                if low:
                    bad.append(
                        {"id": "marker-contrast", "impact": "serious", "help": ", ".join(low), "nodes": []}
                    )
                frames += 1
            if bad:
                found[path if frame is page.main_frame else f"{path} (frame {frame.url})"] = bad
    assert not found, f"{role} on a {viewport}:\n" + "\n".join(
        f"{path}:\n{_describe(v)}" for path, v in found.items()
    )
    assert frames == sum("/maps/" in p for p in paths), "each map page's frame was scanned"
    assert wide == [], f"{role} on a {viewport}: {wide}"
    assert watch.blocked == [], watch.blocked
