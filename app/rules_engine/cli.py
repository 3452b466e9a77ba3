"""`shuangkong rules …`: check rule files, evaluate cases, compare rule-set versions."""

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from app.rules_engine import service
from app.rules_engine.diff import diff_rule_sets, format_diff, levels_that_change
from app.rules_engine.errors import RuleFileError, RuleInputError
from app.rules_engine.loader import KIND_LABELS, Registry, load_rules, rules_dir
from app.timeutil import local_today

rules_app = typer.Typer(help="规则文件：校验、评价、版本比较", no_args_is_help=True)

DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="规则目录（默认：环境变量 SHUANGKONG_RULES_DIR，否则仓库的 rules/）"),
]


@rules_app.command("check")
def check(directory: DirOption = None) -> None:
    """校验规则目录下的全部文件；有错时逐条输出“文件: 路径: 问题”并以 1 退出。"""
    root = directory or rules_dir()
    try:
        registry = load_rules(root)
    except RuleFileError as exc:
        for line in exc.errors:
            typer.echo(line, err=True)
        typer.echo(f"规则校验失败：{len(exc.errors)} 处错误", err=True)
        raise typer.Exit(1) from None
    entries = sum(1 for s in registry.sets for _ in s.model.entries())
    typer.echo(f"规则校验通过：{registry.root}，{len(registry.sets)} 个规则集，{entries} 条带出处的条目")
    for kind, n in sorted(Counter(s.model.kind for s in registry.sets).items()):
        typer.echo(f"  {KIND_LABELS.get(kind, kind)}（{kind}）：{n}")
    _warn_calendar_gaps(registry)


def _warn_calendar_gaps(registry: Registry) -> None:
    """Warn (exit 0) when this year or next has neither a holidays-YYYY.yaml nor chinese-calendar data."""
    from app.workdays import package_covers

    files = {s.model.year for s in registry.of_kind("holiday_calendar") if s.model.status != "draft"}
    this_year = local_today().year
    for year in (this_year, this_year + 1):
        if year not in files and not package_covers(year):
            typer.echo(
                f"警告：{year} 年既没有节假日规则文件（calendar/holidays-{year}.yaml），"
                "chinese-calendar 也没有该年数据；"
                "工作日期限将按 SHUANGKONG_WORKDAYS_UNKNOWN_YEAR 处理"
                "（默认按法定节日和周末估算，调休未计）。"
                f"请在国务院办公厅公布{year}年节假日安排后补上规则文件。",
                err=True,
            )


@rules_app.command("eval")
def eval_cases(
    file: Annotated[Path | None, typer.Argument(help="JSON 数组文件；省略或为 - 时读标准输入")] = None,
) -> None:
    """评价一批用例（JSON 数组），按原顺序输出结果数组；出错的用例带 error，不影响其他用例。"""
    text = sys.stdin.read() if file is None or str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        cases = json.loads(text)
    except json.JSONDecodeError as exc:
        typer.echo(f"输入不是有效的 JSON：第{exc.lineno}行第{exc.colno}列：{exc.msg}", err=True)
        raise typer.Exit(1) from None
    if not isinstance(cases, list):
        typer.echo("输入应为 JSON 数组（每个元素是一个用例）", err=True)
        raise typer.Exit(1)
    try:
        results = service.evaluate_batch(cases)
    except RuleFileError as exc:
        typer.echo("\n".join(exc.errors), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(results, ensure_ascii=False, indent=2))


@rules_app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="旧规则集 id@version")],
    b: Annotated[str, typer.Argument(help="新规则集 id@version")],
    database: Annotated[
        bool, typer.Option("--database", help="同时列出数据库中按 A 作出、改用 B 后等级会变化的现行风险评价")
    ] = False,
) -> None:
    """列出两个规则集版本之间新增（+）、删除（-）、修改（~）的条目与阈值。"""
    for label, ref in (("A", a), ("B", b)):
        if "@" not in ref:
            raise typer.BadParameter(
                f"“{ref}”缺少版本，应为 id@version，例如 ls-national@2026.1", param_hint=label
            )
    try:
        lines = format_diff(diff_rule_sets(a, b))
    except (RuleInputError, RuleFileError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{a} → {b}：{len(lines)} 处变化")
    for line in lines:
        typer.echo(line)
    if database:
        _stored_levels_that_change(a, b)


def _stored_levels_that_change(a: str, b: str) -> None:
    # The engine stays pure: only this command reads stored assessments, through the risk register.
    from app.db import session_scope
    from app.risks.service import current_assessments_under

    with session_scope() as session:
        stored = current_assessments_under(session, a)
    changed = levels_that_change(stored, a, b)
    typer.echo(f"数据库中按 {a} 作出的现行风险评价 {len(stored)} 条，改用 {b} 后结果变化 {len(changed)} 条：")
    for row in changed:
        before, after = row["before"], row["after"]
        typer.echo(
            f"  评价 {row['id']}：{before['level'] or before['error']} → {after['level'] or after['error']}"
        )
