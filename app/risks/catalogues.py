"""Controlled lists of the risk register and the default control level, from the rules engine:
rules/catalogues/*.yaml (kind: catalogue) and rules/policies/control-levels.yaml (kind: control_levels)."""

from app.errors import BadInput
from app.rules_engine import get_policy, get_registry
from app.rules_engine.models import ControlledListRuleSet, ControlLevelsPolicy


def hazard_factors() -> ControlledListRuleSet:
    """GB/T 13861-2022 危险和有害因素 (codes → names)."""
    return get_registry().catalogue("hazard-factors")


def accident_types() -> ControlledListRuleSet:
    """GB 6441-1986 事故类别 (20 names)."""
    return get_registry().catalogue("accident-types")


def control_level_policy() -> ControlLevelsPolicy:
    return get_policy("control_levels")  # type: ignore[no-any-return]


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
