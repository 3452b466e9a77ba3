"""Checking untrusted inputs (JSON cases, API bodies). Each failure raises RuleInputError naming the field."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from app.rules_engine.errors import RuleInputError


def mapping(value: Any, fld: str, allowed: Iterable[str] | None = None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RuleInputError(fld, f"应为对象（键值对），实际为 {show(value)}")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            where = f"{fld}.{unknown[0]}" if fld else str(unknown[0])
            raise RuleInputError(where, f"未知字段，可用字段：{', '.join(allowed)}")
    return value


def number(value: Any, fld: str) -> int | float:
    """A finite JSON number; booleans and numeric-looking strings are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleInputError(fld, f"{show(value)} 不是数字")
    if isinstance(value, float) and not math.isfinite(value):
        raise RuleInputError(fld, f"{value} 不是有限数值")
    return value


def non_negative(value: Any, fld: str) -> int | float:
    out = number(value, fld)
    if out < 0:
        raise RuleInputError(fld, f"{out} 为负数，应 ≥ 0")
    return out


def count(value: Any, fld: str) -> int:
    """A whole number ≥ 0 (people, hazards)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleInputError(fld, f"{show(value)} 不是整数")
    if value < 0:
        raise RuleInputError(fld, f"{value} 为负数，应 ≥ 0")
    return value


def flag(value: Any, fld: str) -> bool:
    if not isinstance(value, bool):
        raise RuleInputError(fld, f"{show(value)} 应为 true 或 false")
    return value


def text(value: Any, fld: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleInputError(fld, f"{show(value)} 应为非空字符串")
    return value.strip()


def day(value: Any, fld: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleInputError(fld, f"{show(value)} 不是有效的 ISO 日期（YYYY-MM-DD）")


def jurisdiction(value: Any, fld: str = "jurisdiction") -> str | None:
    if value is None or value == "national":
        return None
    if not isinstance(value, str) or not value.isdigit() or not 2 <= len(value) <= 12:
        raise RuleInputError(fld, f"{show(value)} 应为行政区划代码（2–12位数字）或 national")
    return value


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return type(value).__name__
