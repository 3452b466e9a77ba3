"""Every table of every template follows the phone pattern of templates/_table_cards.css: the table has
class "cards", each of its cells a data-label (its column's name on a phone), and each row at least one
key cell (the card's title). Tables that are label/value sheets already are listed with the reason."""

import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
TEMPLATES = sorted(
    p for d in ("web", "supervision", "risks", "mapping") for p in (APP / d / "templates").glob("*.html")
)
# (template, table's class) -> why it is not a card table
SHEETS = {
    ("card.html", ""): "岗位风险告知卡: rows of <th>label</th><td>value</td>, already one line per fact",
    ("supervision_history.html", "meta"): "label/value pairs, laid out two per line on phones",
}


def _tables(text: str) -> list[tuple[str, str]]:
    found = re.finditer(r'<table(?: class="([^"]*)")?>(.*?)</table>', text, re.S)
    return [(m.group(1), m.group(2)) for m in found]


def test_templates_have_tables():
    assert sum(len(_tables(p.read_text())) for p in TEMPLATES) >= 15


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_table_is_a_card_table_with_labelled_cells(path):
    for cls, body in _tables(path.read_text()):
        if (path.name, cls or "") in SHEETS:
            continue
        assert "cards" in (cls or "").split(), f"{path.name}: <table> without class cards"
        assert "<thead>" in body, f"{path.name}: the column names belong in <thead>"
        cells = re.findall(r"<td\b([^>]*)>", body)
        assert cells, path.name
        for attrs in cells:
            if "colspan" in attrs:
                continue  # the “暂无…” row
            assert "data-label=" in attrs, f"{path.name}: <td{attrs}> without data-label"
        assert 'class="key"' in body, f"{path.name}: no key cell (card title)"
