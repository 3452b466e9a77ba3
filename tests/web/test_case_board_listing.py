"""Issue #15: 挂牌 can be started from the 督办 board: a 新建挂牌督办 button (a page to choose the
hazard) and, on the board, each open 重大事故隐患 not yet under 督办 with a 挂牌 link (prefilled form)."""

import html
import re

from app.enterprises.models import Enterprise
from tests.supervision.factories import make_hazard
from tests.web.factories import sign_in
from tests.web.test_next_steps import a_case


def _listable(page: str) -> list[str]:
    """The hazard ids the board or the chooser offers to 挂牌."""
    return re.findall(r'<a class="button" href="/supervision/new\?hazard_id=(\d+)"', page)


def test_board_offers_open_major_hazards_without_a_case(client, db, world):
    ent = db.get_one(Enterprise, world.enterprise_id)
    waiting = make_hazard(db, ent, description="液氨储罐区未设置泄漏报警装置")
    listed = make_hazard(db, ent, description="二号储罐液位计失效")
    a_case(db, world, listed)
    make_hazard(db, ent, grade="general", description="消防通道堆物")
    make_hazard(db, ent, state="closed", description="已销号的重大隐患")
    sign_in(client, world.inspector, world.password)

    board = client.get("/supervision").text
    assert '<a class="button" href="/supervision/new">新建挂牌督办</a>' in board
    assert "待挂牌督办的重大事故隐患（1）" in board
    assert _listable(board) == [str(waiting.id)]
    assert "液氨储罐区未设置泄漏报警装置" in html.unescape(board)

    form = client.get(f"/supervision/new?hazard_id={waiting.id}").text
    assert f'<input type="hidden" name="hazard_id" value="{waiting.id}">' in form
    assert "发出督办通知书" in form and world.enterprise_name in form

    chooser = client.get("/supervision/new").text
    assert "请选择要挂牌督办的重大事故隐患" in chooser and _listable(chooser) == [str(waiting.id)]


def test_nobody_but_inspectors_is_offered_to_list(client, db, world):
    make_hazard(db, db.get_one(Enterprise, world.enterprise_id))
    for username in (world.township_user, world.enterprise_user):
        sign_in(client, username, world.password)
        board = client.get("/supervision").text
        assert "新建挂牌督办" not in board and _listable(board) == [], username
        chooser = client.get("/supervision/new")
        assert chooser.status_code == 403 and "挂牌督办须由监管部门人员以本部门名义发出" in chooser.text


def test_chooser_says_when_there_is_nothing_to_list(client, db, world):
    sign_in(client, world.inspector, world.password)
    assert "本辖区没有待挂牌督办的重大事故隐患" in client.get("/supervision/new").text
    assert "没有待挂牌督办的重大事故隐患。" in client.get("/supervision").text
