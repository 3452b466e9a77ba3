"""Controlled lists of the risk register, read from rules/catalogues/*.toml and rules/policies/*.toml.

The rules engine loader reads every *.yaml under rules/ and knows no "list" kind, so these small
files are TOML and validated here with Pydantic; errors read "文件: 路径: 问题" like the engine's.
"""

import os
import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import BadInput
from app.rules_engine import RuleFileError, rules_dir
from app.rules_engine.loader import format_validation_error

LEVELS = ("red", "orange", "yellow", "blue")
CONTROL_LEVEL_KEYS = ("company", "workshop", "team", "post")
M = TypeVar("M", bound=BaseModel)


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    standard: str = Field(min_length=1)
    article: str | None = None
    table: str | None = None
    item: str | None = None
    note: str | None = None

    def render(self) -> str:
        parts = [self.standard, self.article, self.table, self.item]
        text = " ".join(p for p in parts if p)
        return f"{text}（{self.note}）" if self.note else text


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    version: str
    title: str
    citation: Citation
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Catalogue":
        for attr in ("code", "name"):
            seen: set[str] = set()
            for item in self.items:
                value = getattr(item, attr)
                if value in seen:
                    raise ValueError(f"{attr} {value!r} 重复")
                seen.add(value)
        return self

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def names(self) -> list[str]:
        return [i.name for i in self.items]

    def by_code(self) -> dict[str, str]:
        return {i.code: i.name for i in self.items}


class ControlLevelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    version: str
    title: str
    project_default: bool
    note: str = Field(min_length=1)
    citation: Citation
    levels: dict[str, str]

    @model_validator(mode="after")
    def _complete(self) -> "ControlLevelPolicy":
        if set(self.levels) != set(LEVELS):
            raise ValueError(f"levels 须且只须包含 {', '.join(LEVELS)}")
        for level, target in self.levels.items():
            if target not in CONTROL_LEVEL_KEYS:
                raise ValueError(
                    f"levels.{level}: {target!r} 不是管控层级，可选 {', '.join(CONTROL_LEVEL_KEYS)}"
                )
        return self


def _load(root: Path, rel: str, model: type[M]) -> M:
    path = root / rel
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError([f"{rel}: (根): 无法读取文件：{exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError([f"{rel}: (根): TOML 语法错误：{exc}"]) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RuleFileError(format_validation_error(rel, exc)) from None


_CACHE: dict[str, tuple[Catalogue, Catalogue, ControlLevelPolicy]] = {}


def _catalogues() -> tuple[Catalogue, Catalogue, ControlLevelPolicy]:
    # Keyed like the rules registry by the environment variable, so a lookup costs no settings parse.
    key = os.environ.get("SHUANGKONG_RULES_DIR", "")
    if key not in _CACHE:
        root = rules_dir().resolve()
        _CACHE[key] = (
            _load(root, "catalogues/hazard-factors.toml", Catalogue),
            _load(root, "catalogues/accident-types.toml", Catalogue),
            _load(root, "policies/control-levels.toml", ControlLevelPolicy),
        )
    return _CACHE[key]


def hazard_factors() -> Catalogue:
    """GB/T 13861-2022 危险和有害因素 (codes → names)."""
    return _catalogues()[0]


def accident_types() -> Catalogue:
    """GB 6441-1986 事故类别 (20 names)."""
    return _catalogues()[1]


def control_level_policy() -> ControlLevelPolicy:
    return _catalogues()[2]


def default_control_level(level: str | None) -> str:
    """The control level a measure gets by default for a risk level (no level yet → 岗位)."""
    return control_level_policy().levels.get(level or "blue", "post")


def check_hazard_factors(values: list[str], field: str = "hazard_factors") -> list[str]:
    """Accept codes or names; return codes. Unknown values are named in the error."""
    table = hazard_factors().by_code()
    by_name = {name: code for code, name in table.items()}
    out = []
    for value in values:
        value = value.strip()
        code = value if value in table else by_name.get(value)
        if code is None:
            raise BadInput(
                f"危险有害因素 {value!r} 不在 GB/T 13861-2022 分类中（可填代码或名称，如 2103 或 电危害）",
                field=field,
            )
        if code not in out:
            out.append(code)
    return out


def check_accident_types(values: list[str], field: str = "accident_types") -> list[str]:
    names = accident_types().names()
    out = []
    for value in values:
        value = value.strip().replace("其他", "其它")  # both spellings are in everyday use
        if value not in names:
            raise BadInput(
                f"事故类型 {value!r} 不在 GB 6441-1986 的 20 类中，可选：{'、'.join(names)}", field=field
            )
        if value not in out:
            out.append(value)
    return out
