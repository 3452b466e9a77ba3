"""区域安全风险等级: the regional policy applied bottom-up, stored as history rows."""

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.grading.models import RegionLevel
from app.grading.regional import recompute_region_levels, regions_affected
from tests.factories import make_tree
from tests.mapping.factories import graded, set_level


def current(db, code):
    return db.scalar(select(RegionLevel).where(RegionLevel.region_code == code, RegionLevel.is_current))


def test_levels_follow_the_policy_and_add_up_the_subtree(db):
    make_tree(db)
    # 甲一街道: two orange of four → orange share 50% → orange.
    for level in ("orange", "orange", "yellow", "blue"):
        graded(db, "139101001", level)
    # 甲二区: only blue and one without a level → blue; the unrated one is counted, not graded.
    graded(db, "139102", "blue")
    graded(db, "139102", None)
    # 乙一区: a yellow enterprise → yellow.
    graded(db, "139201", "yellow")
    graded(db, "139201", "blue")

    written = recompute_region_levels(db)

    assert written == 7  # every region gets its first row
    assert current(db, "139101001").level == "orange"
    assert current(db, "139101").level == "orange"  # the county includes its township
    assert current(db, "139102").level == "blue"
    assert current(db, "139102").counts == {"red": 0, "orange": 0, "yellow": 0, "blue": 1, "unrated": 1}
    assert current(db, "139201").level == "yellow"
    province = current(db, "139900")
    assert province.counts == {"red": 0, "orange": 2, "yellow": 2, "blue": 3, "unrated": 1}
    assert province.level == "yellow"  # 2 of 7 graded enterprises orange: below 30%
    assert province.rule_set.startswith("regional-level@")


def test_a_red_enterprise_makes_red_and_an_orange_share_orange(db):
    make_tree(db)
    for level in ("orange", "orange", "orange", "blue", "blue", "blue", "blue", "blue", "blue", "blue"):
        graded(db, "139101001", level)  # 3 of 10 orange: exactly 30 %
    graded(db, "139201", "red")
    recompute_region_levels(db)
    assert current(db, "139101001").level == "orange"
    assert current(db, "139201").level == "red"


def test_no_graded_enterprise_means_no_level_and_the_trace_says_why(db):
    make_tree(db)
    graded(db, "139102", None)
    for level in ("yellow", "blue", "blue"):  # yellow share 1/3 < 50 %: yellow
        graded(db, "139101001", level)
    recompute_region_levels(db)

    empty = current(db, "139201")
    assert empty.level is None
    assert any("没有企业" in step["detail"] for step in empty.trace)
    only_unrated = current(db, "139102")
    assert only_unrated.level is None
    assert any("1 家企业尚无整体风险等级" in step["detail"] for step in only_unrated.trace)
    township = current(db, "139101001")
    details = " ".join(step["detail"] for step in township.trace)
    assert township.level == "yellow"
    assert "黄色 1" in details and "辖区内有橙色或黄色企业" in details
    assert township.trace[0]["source"]["file"].endswith("regional-level.yaml")


def test_closed_enterprises_do_not_count(db):
    make_tree(db)
    graded(db, "139201", "red", status="closed")
    graded(db, "139201", "blue")
    recompute_region_levels(db)
    assert current(db, "139201").level == "blue"


def test_incremental_recompute_writes_only_what_changed(db):
    make_tree(db)
    a = graded(db, "139101001", "blue")
    graded(db, "139201", "blue")
    recompute_region_levels(db)
    assert recompute_region_levels(db) == 0  # nothing changed: no new rows

    set_level(db, a, "red")
    affected = regions_affected(db, [a.id])
    assert affected == {"139900", "139100", "139101", "139101001"}
    assert recompute_region_levels(db, affected) == 4

    assert current(db, "139101001").level == "red"
    assert current(db, "139900").level == "red"
    assert current(db, "139201").level == "blue"  # untouched
    history = db.scalars(select(RegionLevel).where(RegionLevel.region_code == "139101001")).all()
    assert sorted((r.level, r.is_current) for r in history) == [("blue", False), ("red", True)]
    audit = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "region", AuditEntry.entity_id == "139101001")
    ).all()
    assert [e.after["level"] for e in audit] == ["blue", "red"]


def test_recomputing_one_chain_reads_stored_sibling_counts_and_agrees_with_a_full_count(db):
    make_tree(db)
    a = graded(db, "139101001", "blue")
    graded(db, "139101", "yellow")  # directly in the county, not in a township
    graded(db, "139102", "orange")
    graded(db, "139201", "blue")
    recompute_region_levels(db)
    set_level(db, a, "red")
    graded(db, "139102", None)  # a sibling's change not yet recomputed: the stored counts stand

    recompute_region_levels(db, regions_affected(db, [a.id]))
    chain = {code: current(db, code).counts for code in ("139101001", "139101", "139100", "139900")}
    assert chain["139101001"] == {"red": 1, "orange": 0, "yellow": 0, "blue": 0, "unrated": 0}
    assert chain["139101"] == {"red": 1, "orange": 0, "yellow": 1, "blue": 0, "unrated": 0}
    assert chain["139900"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "unrated": 0}

    recompute_region_levels(db)  # the full count adds the sibling's new enterprise
    assert current(db, "139900").counts == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "unrated": 1}
    assert current(db, "139101").counts == chain["139101"]


def test_a_chain_with_a_child_never_computed_counts_everything(db):
    make_tree(db)
    a = graded(db, "139101001", "blue")
    graded(db, "139201", "orange")  # its region has no stored level yet
    recompute_region_levels(db, regions_affected(db, [a.id]))
    assert current(db, "139900").counts == {"red": 0, "orange": 1, "yellow": 0, "blue": 1, "unrated": 0}
    assert current(db, "139201") is None  # not a target: nothing written for it
