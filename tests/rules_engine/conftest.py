"""Fixtures for the rules-engine tests: pure, no database."""

import shutil
from pathlib import Path

import pytest

from app.rules_engine.loader import Registry, load_rules

REAL_RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(autouse=True)
def _real_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts on the repository's rules/ unless it points elsewhere itself (loaded rules
    are cached per directory, so tests on copies never leak into others)."""
    monkeypatch.delenv("SHUANGKONG_RULES_DIR", raising=False)


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_rules(REAL_RULES)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A writable copy of the real rules directory."""
    target = tmp_path / "rules"
    shutil.copytree(REAL_RULES, target)
    return target
