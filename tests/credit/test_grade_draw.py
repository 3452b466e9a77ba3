"""诚信等级 (project-default policy) and its use in the seeded 双随机 draw."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.credit import grading
from app.credit.models import EnterpriseLicence
from app.enforcement import random_draw
from tests.credit.test_listing import _to_published
from tests.supervision.factories import make_world
from tests.web.factories import sign_in

ONLY_RED = {"red": 1.0, "orange": 0.0, "yellow": 0.0, "blue": 0.0}
ONLY_YELLOW = {"red": 0.0, "orange": 0.0, "yellow": 1.0, "blue": 0.0}


def test_a_listed_enterprise_is_drawn_in_the_red_stratum(db: Session, client: TestClient) -> None:
    w = make_world(db)
    # Neither enterprise is graded (both drawn like blue): with only red drawn, nobody is drawn.
    before = random_draw.compute_plan(db, "2026-04", seed=7, rates=ONLY_RED)
    assert [i.enterprise_id for i in before.items] == []
    assert before.params["credit_grade_policy"] == "credit-grade@2026.1"

    _to_published(client, w)
    db.add(EnterpriseLicence(enterprise_id=w.other_ent.id, kind="安全生产许可证", number="X1",
                             valid_until=date(2026, 1, 31)))  # fmt: skip
    db.commit()
    _pol, found = grading.grades(db, [w.ent.id, w.other_ent.id], date(2026, 4, 1))
    assert found[w.ent.id]["grade"] == "D" and found[w.ent.id]["because"] == "listed"
    assert found[w.other_ent.id]["grade"] == "B" and found[w.other_ent.id]["project_default"] is True

    after = random_draw.compute_plan(db, "2026-04", seed=7, rates=ONLY_RED)
    assert [(i.enterprise_id, i.level) for i in after.items] == [(w.ent.id, "red")]
    assert after.counts["raised_by_credit_grade"] == 2
    yellow = random_draw.compute_plan(db, "2026-04", seed=7, rates=ONLY_YELLOW)
    assert [(i.enterprise_id, i.level) for i in yellow.items] == [(w.other_ent.id, "yellow")]
    # Same data and seed, same plan.
    assert random_draw.compute_plan(db, "2026-04", seed=7, rates=ONLY_RED).items == after.items


def test_a_listed_enterprise_is_marked_on_its_page(db: Session, client: TestClient) -> None:
    w = make_world(db)
    sign_in(client, w.county.username)
    before = client.get(f"/enterprises/{w.ent.id}")
    assert before.status_code == 200 and "严重失信主体名单</a></h1>" not in before.text
    _to_published(client, w)
    sign_in(client, w.county.username)
    page = client.get(f"/enterprises/{w.ent.id}")
    assert page.status_code == 200
    assert '<a class="tag" href="/public/credit">严重失信主体名单</a>' in page.text
