"""Regional levels: nightly only where enterprise levels changed since the last good run; weekly all."""

from datetime import date, datetime

from sqlalchemy import select

from app import timeutil
from app.db import session_scope
from app.grading.models import RegionLevel
from app.hazards.models import Hazard
from app.scheduler import registry, runner
from app.timeutil import SHANGHAI
from tests.factories import make_enterprise, make_tree


def _current() -> dict[str, tuple[int, str | None]]:
    with session_scope() as s:
        rows = s.scalars(select(RegionLevel).where(RegionLevel.is_current.is_(True)))
        return {r.region_code: (r.id, r.level) for r in rows}


def _nightly(day: int) -> dict:  # type: ignore[type-arg]
    due = datetime(2026, 3, day, 2, 45, tzinfo=SHANGHAI)
    timeutil.freeze(due)
    run = runner.run_job("grading.regional_nightly", due)
    assert run.status == "ok", run.error
    return run.counts or {}


def test_nightly_recomputes_only_the_regions_of_changed_enterprises(live: str) -> None:
    registry.load_jobs()
    assert {"grading.regional_nightly", "grading.full_weekly"} <= {s.name for s in registry.all_jobs()}
    timeutil.freeze(datetime(2026, 3, 1, 1, 0, tzinfo=SHANGHAI))
    with session_scope() as s:
        make_tree(s)
        make_enterprise(s, region_code="139101001")
        far = make_enterprise(s, region_code="139201").id

    sunday = datetime(2026, 3, 1, 3, 30, tzinfo=SHANGHAI)  # 2026-03-01 is a Sunday
    timeutil.freeze(sunday)
    weekly = runner.run_job("grading.full_weekly", sunday)
    assert weekly.status == "ok" and weekly.counts == {"enterprises": 2, "changed": 2, "regions_written": 7}
    before = _current()
    assert before["139201"][1] == "blue" and before["139102"][1] is None

    assert _nightly(2) == {"mode": "incremental", "enterprises": 0, "regions": 0, "written": 0}

    # An open 重大 hazard raises the far enterprise; the nightly regrade writes its new level.
    timeutil.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    with session_scope() as s:
        s.add(
            Hazard(
                enterprise_id=far,
                source="routine",
                description="储罐区无泄漏报警",
                place="罐区",
                category="site",
                found_on=date(2026, 3, 2),
                grade="major",
                state="rectifying",
                deadline=date(2026, 4, 30),
            )
        )
    timeutil.freeze(datetime(2026, 3, 3, 2, 15, tzinfo=SHANGHAI))
    assert runner.run_job("risks.regrade_nightly").counts == {"enterprises": 2, "changed": 1}

    counts = _nightly(3)
    assert counts["mode"] == "incremental" and counts["enterprises"] == 1
    assert counts["regions"] == 3  # 乙一区, 乙市 and the province
    after = _current()
    assert after["139201"][1] != "blue"  # now has an orange enterprise
    changed = {code for code in after if after[code] != before[code]}
    assert changed <= {"139201", "139200", "139900"} and "139201" in changed
    assert _nightly(4)["regions"] == 0  # nothing changed since the last good run


def test_the_first_nightly_run_ever_does_everything(live: str) -> None:
    with session_scope() as s:
        make_tree(s)
        make_enterprise(s)
    counts = _nightly(5)
    assert counts == {"mode": "full", "written": 7}
