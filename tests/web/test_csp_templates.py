"""The pages' Content-Security-Policy allows scripts from /static and nonce'd ones only: a javascript:
link or an inline on… handler in a template would do nothing in the browser (打印 once did nothing)."""

import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
TEMPLATES = sorted(APP.glob("*/templates/*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_script_the_policy_would_block(path: Path) -> None:
    text = path.read_text()
    assert "javascript:" not in text, path.name
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), path.name


def test_print_buttons_have_their_script() -> None:
    for path in TEMPLATES:
        text = path.read_text()
        if "data-print" in text:
            assert '<script src="/static/site.js"' in text or "{% extends" in text, path.name
    assert "data-print" in (APP / "web" / "static" / "site.js").read_text()
