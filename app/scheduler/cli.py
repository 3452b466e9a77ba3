"""`shuangkong jobs …` and `shuangkong scheduler`."""

from datetime import datetime
from typing import Annotated

import typer

from app.db import session_scope
from app.errors import AppError, BadInput
from app.scheduler import registry, runner
from app.scheduler.models import RUN_STATUSES, JobRun
from app.timeutil import SHANGHAI, fmt_local, utcnow

jobs_app = typer.Typer(help="定时任务：列表、手动运行、运行记录", no_args_is_help=True)


def _describe(run: JobRun | None) -> str:
    if run is None:
        return "从未运行"
    return f"{fmt_local(run.scheduled_for)} {RUN_STATUSES.get(run.status, run.status)}"


@jobs_app.command("list")
def list_command() -> None:
    """列出全部定时任务（名称、触发规则、说明、最近一次运行）。"""
    with session_scope() as session:
        last = runner.last_runs(session)
        for spec in registry.all_jobs():
            last_run = _describe(last.get(spec.name))
            typer.echo(f"{spec.name:<32} {spec.trigger_text:<16} {last_run:<24} {spec.description}")


@jobs_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="任务名称，见 jobs list")],
    due: Annotated[
        str | None,
        typer.Option(
            "--due", help="补跑该任务某次到期的定时运行（上海时间 YYYY-MM-DD HH:MM）；已运行过则不重复"
        ),
    ] = None,
) -> None:
    """立即运行一次任务并记录。"""
    try:
        scheduled_for = None if due is None else _due_time(name, due)
        run = runner.run_job(name, scheduled_for)
    except AppError as exc:
        typer.echo(f"错误：{exc.detail}", err=True)
        raise typer.Exit(1) from exc
    status = RUN_STATUSES.get(run.status, run.status)
    if not run.ran_here:
        typer.echo(f"{run.job_name}：已由另一进程执行（运行记录 #{run.id}，状态 {status}），本次未运行")
        return
    typer.echo(f"{run.job_name}：{status} {run.counts or ''}")
    if run.error:
        typer.echo(run.error, err=True)
    if run.status == "failed":
        raise typer.Exit(1)


def _due_time(name: str, text: str) -> datetime:
    """--due as a fire time of the job that has come (a future run would stop the scheduler's)."""
    try:
        when = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise BadInput(f"--due 应为上海时间 YYYY-MM-DD HH:MM，收到“{text}”", field="due") from None
    if when > utcnow():
        raise BadInput(f"--due {text} 尚未到期", field="due")
    latest = registry.latest_fire(registry.get_job(name).trigger, when)
    if latest != when:
        before = f"此前最近一次为 {fmt_local(latest)}" if latest else "此前很久没有触发"
        raise BadInput(f"--due {text} 不是任务 {name} 的触发时间（{before}）", field="due")
    return when


@jobs_app.command("history")
def history_command(
    job: Annotated[str | None, typer.Option("--job", help="只看某个任务")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
) -> None:
    """最近的运行记录，最新在前。"""
    if job:
        registry.get_job(job)  # an unknown name is an error, not an empty history
    with session_scope() as session:
        for run in runner.history(session, job=job, limit=limit):
            kind = "手动" if run.manual else "定时"
            error = (run.error or "").strip().splitlines()[-1:]
            typer.echo(
                f"{run.id:>6} {run.job_name:<32} {fmt_local(run.scheduled_for)} {kind} "
                f"{RUN_STATUSES.get(run.status, run.status)} {run.counts or ''} {''.join(error)}"
            )


def scheduler_command() -> None:
    """启动调度器（阻塞运行；PostgreSQL 下可多进程，同一到期运行只执行一次）。"""
    from app.scheduler.daemon import run_scheduler

    run_scheduler()
