"""Rules engine of 双控: rule files in rules/ (YAML, validated), pure evaluation functions.

Public API for other domains:
    evaluate_case(case) -> Decision                      one case as in `shuangkong rules eval`
    evaluate_point(kind, inputs, ...) -> Decision        LEC / LS / MES (+ direct, residual)
    score_and_level(kind, *values) -> (score, level)     fast path for batches
    evaluate_gb18218(inputs, ...) -> Decision            GB 18218-2018 S, R, grade
    evaluate_major_hidden_hazard(inputs, ...) -> Decision
    evaluate_hc_diagnosis(inputs, ...) -> Decision      危化企业诊断分级 (应急〔2018〕19号)
    evaluate_enterprise(facts, policy=None) -> Decision  企业整体等级
    evaluate_region(facts, policy=None) -> Decision      区域等级
    get_policy(name, jurisdiction=None, on=None)         inspection_frequency, workflow_time_limits, ...
    get_registry().catalogue(id)                         受控清单 (kind: catalogue), e.g. "accident-types"
    levels_that_change(assessments, a, b)                re-grading when a rule set changes
"""

from app.rules_engine.decision import Decision, TraceStep
from app.rules_engine.diagnosis import evaluate_hc_diagnosis, reassessment_due
from app.rules_engine.diff import diff_rule_sets, levels_that_change
from app.rules_engine.engine import evaluate_case, evaluate_point, point_method, score_and_level
from app.rules_engine.errors import RuleFileError, RuleInputError, RuleSetNotFound
from app.rules_engine.gb18218 import evaluate_gb18218
from app.rules_engine.hazards import applicable_catalogues, evaluate_major_hidden_hazard
from app.rules_engine.loader import get_registry, load_rules, reload_registry, rules_dir
from app.rules_engine.policies import (
    evaluate_enterprise,
    evaluate_region,
    get_policy,
    inspection_frequency,
    time_limit,
)

__all__ = [
    "Decision",
    "TraceStep",
    "RuleFileError",
    "RuleInputError",
    "RuleSetNotFound",
    "applicable_catalogues",
    "diff_rule_sets",
    "evaluate_case",
    "evaluate_enterprise",
    "evaluate_gb18218",
    "evaluate_hc_diagnosis",
    "evaluate_major_hidden_hazard",
    "evaluate_point",
    "evaluate_region",
    "get_policy",
    "get_registry",
    "inspection_frequency",
    "levels_that_change",
    "load_rules",
    "point_method",
    "reassessment_due",
    "reload_registry",
    "rules_dir",
    "score_and_level",
    "time_limit",
]
