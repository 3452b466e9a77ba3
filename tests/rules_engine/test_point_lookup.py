"""The shortcut of evaluate_point (exactly the factors, published values) gives what the full check gives,
and the rule set it remembers follows the calendar."""

from datetime import UTC, datetime
from itertools import product

import pytest

from app.rules_engine.engine import _point, evaluate_point, point_method
from app.rules_engine.errors import RuleInputError
from app.rules_engine.loader import get_registry
from app.timeutil import frozen_at


@pytest.mark.parametrize("kind", ["lec", "ls"])
def test_shortcut_gives_the_full_decision_and_trace(kind: str) -> None:
    method = point_method(kind)
    registry = get_registry()
    for values in product(*(method.allowed[k] for k in method.keys)):
        inputs = dict(zip(method.keys, values, strict=True))
        full = _point(method, inputs, "inputs", registry, None, None, nested=False)
        fast = evaluate_point(kind, inputs)
        assert fast.to_dict() == full.to_dict()
        assert len(fast.trace) >= len(method.keys) + 2  # each factor, the formula, the band
        # ints as typed in a form match the published values, as before
        as_ints = {k: int(v) if float(v).is_integer() else v for k, v in inputs.items()}
        assert evaluate_point(kind, as_ints).to_dict() == full.to_dict()


def test_shortcut_leaves_flags_extras_and_odd_mappings_to_the_full_check() -> None:
    with pytest.raises(RuleInputError, match="inputs.L: true 不是数字"):
        evaluate_point("lec", {"L": True, "E": 6, "C": 7})
    with pytest.raises(RuleInputError, match="inputs.D: 未知字段"):
        evaluate_point("lec", {"L": 3, "E": 6, "D": 7})  # as many keys as factors, one of them wrong
    with pytest.raises(RuleInputError, match="inputs.L: list 不是数字"):
        evaluate_point("lec", {"L": [3], "E": 6, "C": 7})
    red = evaluate_point("lec", {"L": 1, "E": 1, "C": 1, "direct": {"violates_mandatory": True}})
    assert red.level == "red" and red.trace[-1].step == "直接判定"


def test_the_remembered_rule_set_follows_the_day() -> None:
    """A day no LEC rule set was in force is refused even right after an evaluation today."""
    assert evaluate_point("lec", {"L": 3, "E": 6, "C": 7}).rule_set.startswith("lec-")
    with frozen_at(datetime(2010, 1, 1, 4, tzinfo=UTC)), pytest.raises(RuleInputError, match="2010-01-01"):
        evaluate_point("lec", {"L": 3, "E": 6, "C": 7})
    assert evaluate_point("lec", {"L": 3, "E": 6, "C": 7}).level is not None
