"""The `shuangkong` command."""

import os
from pathlib import Path
from typing import Annotated

import typer

from app.cli_errors import DEBUG_ENV, run_guarded
from app.config import PROJECT_ROOT, get_settings
from app.hazards.cli import cli as hazards_app
from app.mapping.cli import map_app
from app.monitoring.cli import monitoring_app
from app.regions.cli import regions_app
from app.risks.cli import risks_app
from app.rules_engine.cli import rules_app
from app.scheduler.cli import jobs_app, scheduler_command

cli = typer.Typer(
    help="双控：安全风险分级管控和隐患排查治理",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="数据库迁移（Alembic）", no_args_is_help=True)
users_app = typer.Typer(help="用户管理", no_args_is_help=True)
enterprises_app = typer.Typer(help="企业导入导出", no_args_is_help=True)
cli.add_typer(db_app, name="db")
cli.add_typer(users_app, name="users")
cli.add_typer(enterprises_app, name="enterprises")
cli.add_typer(regions_app, name="regions")
cli.add_typer(rules_app, name="rules")
cli.add_typer(risks_app, name="risks")
cli.add_typer(hazards_app, name="hazards")
cli.add_typer(jobs_app, name="jobs")
cli.add_typer(map_app, name="map")
cli.add_typer(monitoring_app, name="monitoring")
cli.command("scheduler", help="以独立进程运行定时任务（生产环境只运行一个或多个，均保证每次只执行一遍）。")(
    scheduler_command
)


@cli.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help=f"出错时显示完整调用栈（同 {DEBUG_ENV}=1）")] = False,
) -> None:
    if debug:
        os.environ[DEBUG_ENV] = "1"


def _alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = get_settings().database_url
    return cfg


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="目标版本，默认最新（head）")] = "head",
) -> None:
    """升级数据库结构到指定版本（默认最新）。"""
    from alembic import command

    command.upgrade(_alembic_config(), revision)
    typer.echo(f"数据库已升级到 {revision}")


# "-1" is a revision, not an option.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="目标版本，例如 -1 或 base")],
    yes: Annotated[bool, typer.Option("--yes", help="不再确认")] = False,
) -> None:
    """降级数据库结构（会删除较新版本的表和数据）。"""
    from alembic import command

    if not yes:
        typer.confirm(f"降级到 {revision} 会删除较新版本的表及其中数据，确定继续？", abort=True)
    command.downgrade(_alembic_config(), revision)
    typer.echo(f"数据库已降级到 {revision}")


@db_app.command("current")
def db_current() -> None:
    """显示数据库当前版本。"""
    from alembic import command

    command.current(_alembic_config(), verbose=False)


def _serve(host: str, port: int, workers: int, with_scheduler: bool) -> None:
    import uvicorn

    from app.scheduler.daemon import start_background_scheduler

    try:
        get_settings().check_secret()
    except RuntimeError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    scheduler = start_background_scheduler() if with_scheduler else None
    try:
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers)
    finally:
        if scheduler is not None:
            scheduler.shutdown()


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="进程数（PostgreSQL 下可多进程）")] = 1,
    with_scheduler: Annotated[
        bool, typer.Option(help="在本进程内同时运行定时任务（单进程部署、演示）")
    ] = False,
) -> None:
    """启动 HTTP 服务。"""
    _serve(host, port, workers, with_scheduler)


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[str, typer.Option(help="enterprise | inspector | township | admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: str | None = None,
    enterprise: Annotated[str | None, typer.Option(help="企业用户绑定的统一社会信用代码")] = None,
    region: Annotated[str | None, typer.Option(help="监管/乡镇用户的行政区代码")] = None,
    department: str | None = None,
    industry: Annotated[list[str] | None, typer.Option(help="监管人员限定的行业代码，可多次给出")] = None,
) -> None:
    """创建用户。"""
    from sqlalchemy import select

    from app.auth import service
    from app.auth.principal import SYSTEM
    from app.db import session_scope
    from app.enterprises.models import Enterprise
    from app.errors import AppError

    try:
        with session_scope() as session:
            enterprise_id = None
            if enterprise:
                enterprise_id = session.scalar(
                    select(Enterprise.id).where(Enterprise.credit_code == enterprise)
                )
                if enterprise_id is None:
                    raise typer.BadParameter(f"企业 {enterprise} 不存在", param_hint="--enterprise")
            user = service.create_user(
                session,
                SYSTEM,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                enterprise_id=enterprise_id,
                region_code=region,
                department=department,
                industries=industry,
            )
            typer.echo(f"已创建用户 {user.username}（{role}）")
    except AppError as exc:
        typer.echo(f"错误：{exc.detail}", err=True)
        raise typer.Exit(1) from exc


@enterprises_app.command("import")
def enterprises_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx 或 .csv（UTF-8 或 GBK）")],
    valid_rows_only: Annotated[
        bool, typer.Option(help="只导入无错误的行（默认：有任何错误则全部不导入）")
    ] = False,
) -> None:
    """批量导入企业（按统一社会信用代码幂等更新）。"""
    from app.auth.principal import SYSTEM
    from app.db import session_scope
    from app.enterprises.importer import import_file

    with session_scope() as session:
        report = import_file(session, SYSTEM, file, valid_rows_only=valid_rows_only, progress=True)
    typer.echo(report.summary())
    for err in report.errors[:200]:
        typer.echo(f"  第{err.row}行 {err.column}：{err.message}", err=True)
    if report.errors and not valid_rows_only:
        raise typer.Exit(1)


@enterprises_app.command("export")
def enterprises_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx 文件")],
) -> None:
    """导出全部企业到 .xlsx。"""
    from app.auth.principal import SYSTEM
    from app.db import session_scope
    from app.enterprises.exporter import write_xlsx

    with session_scope() as session, output.open("wb") as fh:
        count = write_xlsx(session, SYSTEM, fh)
    typer.echo(f"已导出 {count} 家企业到 {output}")


@cli.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    reset: Annotated[bool, typer.Option(help="删除并重建演示数据库（仅 SQLite）")] = False,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="加载后启动服务")] = True,
    allow_postgresql: Annotated[
        bool, typer.Option("--allow-postgresql", help="允许把演示数据（含公开的演示密码）写入 PostgreSQL")
    ] = False,
) -> None:
    """加载秦皇岛演示数据（默认 SQLite：<数据目录>/demo.db）并启动服务，打印网址和演示账号。"""
    from sqlalchemy.engine import make_url

    os.environ.setdefault("SHUANGKONG_MODE", "demo")
    os.environ.setdefault(
        "SHUANGKONG_DATABASE_URL", f"sqlite:///{(get_settings().data_dir / 'demo.db').as_posix()}"
    )
    os.environ.setdefault("SHUANGKONG_SECURE_COOKIES", "false")
    get_settings.cache_clear()
    url = make_url(get_settings().database_url)
    typer.echo(f"演示数据库：{url.render_as_string(hide_password=True)}")
    if url.get_backend_name() != "sqlite" and not allow_postgresql:
        typer.echo(
            "错误：演示数据默认只写入 SQLite；SHUANGKONG_DATABASE_URL 指向其他数据库。"
            "确需写入请加 --allow-postgresql（会创建公开密码的演示账号）。",
            err=True,
        )
        raise typer.Exit(1)
    from app.demo import DEMO_LOGINS, load_demo

    load_demo(reset=reset)
    typer.echo(f"\n演示服务地址：http://{host}:{port}/   接口文档：http://{host}:{port}/docs")
    typer.echo("演示账号（角色 / 用户名 / 密码）：")
    for role, username, password, note in DEMO_LOGINS:
        typer.echo(f"  {role:<14} {username:<12} {password:<14} {note}")
    if serve_app:
        _serve(host, port, workers=1, with_scheduler=True)


def main() -> None:
    run_guarded(cli)
