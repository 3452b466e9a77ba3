"""工贸 2023 and 煤矿 2020 catalogues: items per article as the official texts count them, spot checks of the
first and last item of each article, and every industry a catalogue names can pick at least one item."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from app.rules_engine.errors import RuleFileError
from app.rules_engine.hazards import evaluate_major_hidden_hazard
from app.rules_engine.loader import Registry, load_rules
from app.rules_engine.models import CatalogueRuleSet

GM_ENCODED = {"第三条": 3, "第四条": 5, "第五条": 7, "第六条": 8, "第七条": 3, "第十条": 2, "第十一条": 10}
GM_ENCODED |= {"第十二条": 2, "第十三条": 2}
GM_OFFICIAL = {"第三条": 3, "第四条": 8, "第五条": 13, "第六条": 8, "第七条": 7, "第八条": 7, "第九条": 2}
GM_OFFICIAL |= {"第十条": 2, "第十一条": 10, "第十二条": 2, "第十三条": 2}
MK_SITUATIONS = {"第四条": 6, "第五条": 3, "第六条": 7, "第七条": 2, "第八条": 10, "第九条": 9, "第十条": 3}
MK_SITUATIONS |= {"第十一条": 5, "第十二条": 4, "第十三条": 6, "第十四条": 3, "第十五条": 4, "第十六条": 5}
MK_SITUATIONS |= {"第十七条": 3, "第十八条": 10}

# (code, clause) of the first and last item encoded for each article.
SPOT = [
    ("GM-3-1", "第三条第（一）项"),
    ("GM-3-3", "第三条第（三）项"),
    ("GM-4-1", "第四条第（一）项"),
    ("GM-4-5", "第四条第（五）项"),
    ("GM-5-4", "第五条第（四）项"),
    ("GM-5-10", "第五条第（十）项"),
    ("GM-6-1", "第六条第（一）项"),
    ("GM-6-8", "第六条第（八）项"),
    ("GM-7-1", "第七条第（一）项"),
    ("GM-7-7", "第七条第（七）项"),
    ("GM-10-1", "第十条第（一）项"),
    ("GM-10-2", "第十条第（二）项"),
    ("GM-11-1", "第十一条第（一）项"),
    ("GM-11-10", "第十一条第（十）项"),
    ("GM-12-1", "第十二条第（一）项"),
    ("GM-12-2", "第十二条第（二）项"),
    ("GM-13-1", "第十三条第（一）项"),
    ("GM-13-2", "第十三条第（二）项"),
    ("MK-3-1", "第三条第（一）项"),
    ("MK-3-15", "第三条第（十五）项"),
    ("MK-4-1", "第四条第（一）项"),
    ("MK-4-6", "第四条第（六）项"),
    ("MK-8-10", "第八条第（十）项"),
    ("MK-9-9", "第九条第（九）项"),
    ("MK-13-6", "第十三条第（六）项"),
    ("MK-14-3", "第十四条第（三）项"),
    ("MK-18-1", "第十八条第（一）项"),
    ("MK-18-10", "第十八条第（十）项"),
]


def catalogue(registry: Registry, ident: str) -> CatalogueRuleSet:
    # The version in force today (gm also has its 2017 version, GM17- codes).
    model = next(
        s.model
        for s in registry.of_kind("major_hidden_hazard")
        if s.model.id == ident and s.model.effective_to is None
    )
    assert isinstance(model, CatalogueRuleSet)
    return model


def per_article(model: CatalogueRuleSet) -> Counter[str]:
    return Counter(item.citation.article or "全文" for item in model.items)


def test_gm_counts_per_article_and_declared_gaps(registry: Registry) -> None:
    gm = catalogue(registry, "gm")
    assert dict(per_article(gm)) == GM_ENCODED
    assert gm.expected_counts == GM_OFFICIAL and sum(GM_OFFICIAL.values()) == 64
    missing = Counter[str]()
    for gap in gm.known_gaps:
        missing[gap.article or ""] += gap.missing
    assert per_article(gm) + missing == Counter(GM_OFFICIAL)
    # 管理类 3, 行业类 47, 专项类 14, as the ministry announced.
    special = ("第十一条", "第十二条", "第十三条")
    industry = sum(n for a, n in GM_OFFICIAL.items() if a != "第三条" and a not in special)
    assert industry == 47 and sum(GM_OFFICIAL[a] for a in special) == 14


def test_mk_headings_and_every_situation(registry: Registry) -> None:
    mk = catalogue(registry, "mk")
    counts = per_article(mk)
    assert counts.pop("第三条") == 15
    assert dict(counts) == MK_SITUATIONS and sum(MK_SITUATIONS.values()) == 80
    assert mk.expected_counts == {"第三条": 15, **MK_SITUATIONS, "第十八条": 11}
    assert [(g.article, g.missing) for g in mk.known_gaps] == [("第十八条", 1)]
    # Each situation names the 第三条 category it belongs to: article n+3 ↔ heading n.
    headings = {i.code: i.text for i in mk.items if i.code.startswith("MK-3-")}
    for item in mk.items:
        article = int(item.code.split("-")[1])
        if article > 3:
            assert item.note and item.note.startswith("属第三条第（"), item.code
            assert f"MK-3-{article - 3}" in headings


@pytest.mark.parametrize(("code", "clause"), SPOT)
def test_first_and_last_items_of_each_article(registry: Registry, code: str, clause: str) -> None:
    model = catalogue(registry, code.split("-")[0].lower())
    item = next(i for i in model.items if i.code == code)
    assert item.clause == clause
    assert clause.startswith(item.citation.article or "") and item.citation.item in clause
    assert item.citation.url or item.citation.note


def test_every_listed_industry_can_pick_an_item(registry: Registry) -> None:
    for ident in ("gm", "mk"):
        model = catalogue(registry, ident)
        for industry in model.industries:
            assert any(industry in model.item_industries(i) for i in model.items), (ident, industry)
    gm = catalogue(registry, "gm")
    # 专项类 (粉尘、液氨制冷、有限空间) and 管理类 (一)(二) apply to every 工贸 industry, 商贸 included.
    for code in ("GM-3-1", "GM-3-2", "GM-11-1", "GM-11-10", "GM-12-1", "GM-12-2", "GM-13-1", "GM-13-2"):
        item = next(i for i in gm.items if i.code == code)
        assert gm.item_industries(item) == gm.industries
        for industry in gm.industries:
            assert evaluate_major_hidden_hazard({"industry": industry, "item": code}).is_major
    assert evaluate_major_hidden_hazard({"industry": "coal_mine", "item": "MK-18-10"}).is_major


def _edit(root: Path, rel: str, change) -> None:  # type: ignore[no-untyped-def]
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_rules_check_catches_a_dropped_situation(rules_copy: Path) -> None:
    rel = "major_hidden_hazards/mk-2020.yaml"
    _edit(rules_copy, rel, lambda d: d.update(items=[i for i in d["items"] if i["code"] != "MK-9-4"]))
    with pytest.raises(RuleFileError) as exc:
        load_rules(rules_copy)
    assert exc.value.errors[0] == f"{rel}: expected_counts: 第九条：应有 9 项，实有 8 项"


def test_a_gap_must_balance_the_official_count(rules_copy: Path) -> None:
    rel = "major_hidden_hazards/gm-2023.yaml"
    _edit(rules_copy, rel, lambda d: d["known_gaps"][0].update(missing=2))
    with pytest.raises(RuleFileError) as exc:
        load_rules(rules_copy)
    want = f"{rel}: expected_counts: 第四条：应有 8 项，实有 5 项，known_gaps 另列 2 项"
    assert exc.value.errors[0] == want
    _edit(rules_copy, rel, lambda d: d["known_gaps"][0].update(missing=3, article=None))
    with pytest.raises(RuleFileError) as exc:
        load_rules(rules_copy)
    assert "须用 article 写明所属条" in exc.value.errors[0]
