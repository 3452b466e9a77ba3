"""`shuangkong hazards …` commands."""

from datetime import date

import typer

from app.db import session_scope
from app.timeutil import local_today

cli = typer.Typer(help="隐患排查治理", no_args_is_help=True)


@cli.command("generate-tasks")
def generate_tasks(on: str = typer.Option("", help="日期 YYYY-MM-DD，默认今天（上海时间）")) -> None:
    """按排查计划生成当期排查任务（可重复执行，不会重复生成）。"""
    from app.hazards.investigation import generate_due_tasks

    try:
        day = date.fromisoformat(on) if on else local_today()
    except ValueError:
        raise typer.BadParameter(
            f"“{on}”不是有效日期，应为 YYYY-MM-DD，例如 2026-03-02", param_hint="--on"
        ) from None
    with session_scope() as session:
        count = generate_due_tasks(session, day)
    typer.echo(f"{day.isoformat()}：新生成排查任务 {count} 个")


@cli.command("demo")
def demo() -> None:
    """为演示数据库生成演示隐患（已有则跳过）。"""
    from app.hazards.demo import load_demo_hazards

    with session_scope() as session:
        count = load_demo_hazards(session)
    typer.echo(f"新生成演示隐患 {count} 条")
