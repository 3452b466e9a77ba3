"""#19 in Chromium: the monitoring board shows the simulator's live values without anyone reloading it.
The enterprise's board is open before any data exists; the simulator (the service function behind
`shuangkong monitoring simulate`) posts a batch, the value appears; a second batch with an excursion
over 高高 changes the value and the open alarm appears. Screenshot: test-artifacts/monitoring-live.png."""

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.monitoring.cli import feed
from app.monitoring.models import MonitoringPoint, Reading
from app.monitoring.settings import get_monitoring_settings
from app.risks.models import MajorHazardUnit
from app.timeutil import utcnow
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.web.factories import make_world


@pytest.fixture
def quick_board(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The board reloads itself every 2 s instead of 10, so the journey waits little."""
    monkeypatch.setenv("SHUANGKONG_MONITORING_BOARD_REFRESH_SECONDS", "2")
    get_monitoring_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_monitoring_settings.cache_clear()


def _last_value(live_server, point_id: int) -> float:  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        return s.scalars(
            select(Reading.value).where(Reading.point_id == point_id).order_by(Reading.ts.desc())
        ).first()


def test_board_shows_simulated_values_and_alarm_without_reload(live_server, new_page, quick_board) -> None:  # type: ignore[no-untyped-def]
    with live_server.session() as s:
        w = make_world(s, "1390", "mon")
        unit = MajorHazardUnit(
            enterprise_id=w.enterprise_id, name="液氯储存单元", unit_type="storage",
            substances=[{"name": "液氯", "quantity_t": 50}], is_major=True, grade=2,
            rule_set="gb18218@test", trace=[],
        )  # fmt: skip
        s.add(unit)
        s.flush()
        point = MonitoringPoint(
            enterprise_id=w.enterprise_id, unit_id=unit.id, tag="TI-1901", name="液氯储罐温度",
            quantity="temperature", limit_l=-5.0, limit_h=35.0, limit_hh=45.0, interval_seconds=5,
        )  # fmt: skip
        s.add(point)
        s.flush()
        s.expunge(point)

    page, watch = new_page()
    login(page, live_server, w.enterprise_user, PASSWORD)
    page.goto(f"{live_server.url}/monitoring")
    row = page.locator("tr:has(.live-value)", has_text="TI-1901")
    value_cell = row.locator(".live-value")
    expect(value_cell).to_have_text("无数据")
    expect(page.get_by_text("没有未消警的报警。")).to_be_visible()

    rng = random.Random(19)
    now = utcnow()
    with live_server.session() as s:
        assert feed(s, [point], now, rng, excursion_rate=0.0) == (1, 0)
    first = _last_value(live_server, point.id)
    assert -5 < first < 35  # a steady signal inside the limits
    expect(value_cell).to_have_text(f"{first} °C")  # the board refreshed itself

    with live_server.session() as s:
        assert feed(s, [point], now + timedelta(seconds=5), rng, excursion_rate=1.0) == (1, 1)
    peak = _last_value(live_server, point.id)
    assert peak >= 45
    expect(value_cell).to_have_text(f"{peak} °C")
    expect(page.locator("tr", has_text="高高报").filter(has_text="TI-1901")).to_be_visible()
    expect(row.locator(".tag")).to_have_text("报警")
    screenshot(page, "monitoring-live")
    assert not watch.console_errors and not watch.blocked
