"""A simulated month: the real scheduler tick, day by day, over hazards and a 挂牌督办 case."""

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from app import timeutil
from app.config import get_settings
from app.db import session_scope
from app.hazards.models import Hazard
from app.notifications.models import Notification
from app.scheduler import runner
from app.scheduler.models import JobRun
from app.supervision import service as supervision
from app.supervision.schemas import CaseIn
from app.timeutil import SHANGHAI, to_local
from app.workdays import add_working_days
from tests.factories import make_enterprise, make_tree, make_user, principal


@pytest.fixture
def data_dir(live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHUANGKONG_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    return tmp_path


def _hazard(session: Any, ent_id: int, grade: str, deadline: date, what: str) -> int:
    hazard = Hazard(
        enterprise_id=ent_id,
        source="routine",
        description=what,
        place="一号车间",
        category="site",
        found_on=date(2026, 5, 20),
        grade=grade,
        state="rectifying",
        rectify_mode="deadline",
        deadline=deadline,
    )
    session.add(hazard)
    session.flush()
    return hazard.id


def _world() -> dict[str, Any]:
    with session_scope() as s:
        make_tree(s)
        ent = make_enterprise(s, name="甲一机械有限公司")
        other = make_enterprise(s, region_code="139201", name="乙一化工有限公司")
        users = {
            "boss": make_user(s, "enterprise", enterprise_id=ent.id),
            "county": make_user(s, "inspector", region_code="139101", department="甲一区应急管理局"),
            "city": make_user(s, "inspector", region_code="139100", department="甲市应急管理局"),
            "elsewhere": make_user(s, "enterprise", enterprise_id=other.id),
        }
        hazards = {
            "general": _hazard(s, ent.id, "general", date(2026, 6, 10), "配电箱门未关闭"),
            "major": _hazard(s, ent.id, "major", date(2026, 6, 15), "粉尘涉爆除尘系统未设泄爆装置"),
            "listed": _hazard(s, ent.id, "major", date(2026, 6, 12), "冲压车间无防护联锁"),
        }
        case = supervision.list_case(
            s,
            principal(s, users["county"]),
            CaseIn(
                subject_id=hazards["listed"],
                responsible_unit="甲一机械有限公司",
                requirements="停产整改，加装防护联锁",
                deadline=date(2026, 6, 12),
            ),
        )
        return {
            "ent": ent.id,
            "users": {k: u.id for k, u in users.items()},
            "hazards": hazards,
            "case": case.id,
        }


def test_a_month_of_ticks_sends_each_notice_once_on_its_day(live: str, data_dir: Path) -> None:
    timeutil.freeze(datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI))
    w = _world()
    u, h = w["users"], w["hazards"]

    day = date(2026, 6, 1)
    while day <= date(2026, 7, 3):
        timeutil.freeze(datetime(day.year, day.month, day.day, 12, 0, tzinfo=SHANGHAI))
        runner.tick()
        day += timedelta(days=1)

    with session_scope() as s:
        failed = [(r.job_name, r.error) for r in s.scalars(select(JobRun).where(JobRun.status != "ok"))]
        assert failed == []
        notes = [
            (n.kind, n.link, n.user_id, to_local(n.created_at).date())
            for n in s.scalars(select(Notification).order_by(Notification.id))
        ]
    # Nothing twice: one row per kind, subject and recipient.
    assert len({n[:3] for n in notes}) == len(notes)
    sent = {(kind, link, user): on for kind, link, user, on in notes}

    def got(kind: str, link: str) -> dict[int, date]:
        return {user: on for (k, li, user), on in sent.items() if k == kind and li == link}

    boss, county, city = u["boss"], u["county"], u["city"]
    general, major, listed = (f"/hazards/{h[k]}" for k in ("general", "major", "listed"))
    case = f"/supervision/cases/{w['case']}"

    # Reminders 3 days (reminder_days_before) before each deadline, to the enterprise only.
    assert got("hazard_deadline", general) == {boss: date(2026, 6, 7)}
    assert got("hazard_deadline", listed) == {boss: date(2026, 6, 9)}
    assert got("hazard_deadline", major) == {boss: date(2026, 6, 12)}
    assert got("supervision_deadline", case) == {boss: date(2026, 6, 9)}
    # Overdue the day after the deadline: the enterprise and the jurisdiction's inspectors.
    assert got("hazard_overdue", general) == dict.fromkeys((boss, county, city), date(2026, 6, 11))
    assert got("hazard_overdue", major) == dict.fromkeys((boss, county, city), date(2026, 6, 16))
    assert got("hazard_overdue", listed) == dict.fromkeys((boss, county, city), date(2026, 6, 13))
    assert got("supervision_overdue", case) == dict.fromkeys((boss, county), date(2026, 6, 13))
    # Escalation: the unlisted 重大 hazard is suggested for 挂牌督办 (grace 0 days) to inspectors only;
    # the listed one is not. The case is suggested for 提级督办 once 10 working days have passed.
    assert got("hazard_listing_suggested", major) == dict.fromkeys((county, city), date(2026, 6, 16))
    assert got("hazard_listing_suggested", listed) == {}
    escalation_day = add_working_days(date(2026, 6, 12), 10) + timedelta(days=1)
    assert date(2026, 6, 25) < escalation_day <= date(2026, 7, 3)  # past the 端午 holiday
    assert got("supervision_escalation_suggested", case) == {county: escalation_day}
    # 季报: on 1 July for the second quarter, once; the first quarter's (caught up on 1 June, past
    # its due date) produced files but no notice.
    reports = [(link, user, on) for kind, link, user, on in notes if kind == "hazard_report_due"]
    q2 = f"/api/hazards/reports/quarterly.xlsx?year=2026&quarter=2&enterprise_id={w['ent']}"
    assert (q2, boss, date(2026, 7, 1)) in reports
    assert {user for _, user, _ in reports} == {boss, u["elsewhere"]} and len(reports) == 2
    assert not [n for n in notes if n[2] == u["elsewhere"] and n[0] != "hazard_report_due"]

    sheet = openpyxl.load_workbook(data_dir / "reports" / "2026-Q2" / "enterprises" / f"{w['ent']}.xlsx")
    ws = sheet["统计分析表"]
    assert ws["A1"].value == "事故隐患排查治理2026年第2季度统计分析表"
    assert ws["A2"].value == "报送单位：甲一机械有限公司"
    assert ws["A5"].value == "单位/区域" and (ws["A6"].value, ws["B6"].value) == ("甲一机械有限公司", 3)
    assert (data_dir / "reports" / "2026-Q2" / "regions" / "139101.xlsx").exists()
    assert (data_dir / "reports" / "2026-Q1" / "enterprises" / f"{w['ent']}.xlsx").exists()


def test_quarterly_job_run_again_overwrites_files_and_does_not_notify_twice(
    live: str, data_dir: Path
) -> None:
    timeutil.freeze(datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI))
    w = _world()
    due = datetime(2026, 10, 1, 6, 0, tzinfo=SHANGHAI)
    timeutil.freeze(due + timedelta(hours=1))
    run = runner.run_job("hazards.periodic_reports", due)
    assert run.status == "ok", run.error
    assert run.counts == {"enterprise_files": 2, "region_files": 5, "notified": 2}
    path = data_dir / "reports" / "2026-Q3" / "enterprises" / f"{w['ent']}.xlsx"
    path.write_bytes(b"stale")
    again = runner.run_job("hazards.periodic_reports")  # by hand, the same day
    assert again.status == "ok" and again.counts is not None and again.counts["notified"] == 0
    ws = openpyxl.load_workbook(path)["统计分析表"]
    assert ws["A1"].value == "事故隐患排查治理2026年第3季度统计分析表"
    assert ws["A3"].value.startswith("报送期限：2026-10-15 前")
    with session_scope() as s:
        kinds = Counter(
            s.scalars(select(Notification.kind).where(Notification.user_id == w["users"]["boss"]))
        )
    assert kinds["hazard_report_due"] == 1


def test_january_brings_the_fourth_quarter_and_the_annual_report(live: str, data_dir: Path) -> None:
    timeutil.freeze(datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI))
    w = _world()
    due = datetime(2027, 1, 1, 6, 0, tzinfo=SHANGHAI)
    timeutil.freeze(due)
    assert runner.run_job("hazards.periodic_reports", due).status == "ok"
    ws = openpyxl.load_workbook(data_dir / "reports" / "2026-annual" / "regions" / "139100.xlsx")[
        "统计分析表"
    ]
    assert ws["A1"].value == "事故隐患排查治理2026年度统计分析表"
    assert ws["A3"].value.startswith("报送期限：2027-01-31 前")
    rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(6, 8)}
    assert rows == {"甲一区": 3, "甲二区": 0}  # the city's counties, hazards found in the year
    with session_scope() as s:
        titles = sorted(
            s.scalars(
                select(Notification.title).where(
                    Notification.kind == "hazard_report_due", Notification.user_id == w["users"]["boss"]
                )
            )
        )
    assert titles == [
        "请报送2026年度隐患排查治理统计分析表（2027-01-31 前）",
        "请报送2026年第4季度隐患排查治理统计分析表（2027-01-15 前）",
    ]
