"""`shuangkong risks …`: import and export the 风险清单, re-grade enterprises."""

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from app.auth.principal import SYSTEM
from app.db import session_scope
from app.enterprises.models import Enterprise

risks_app = typer.Typer(help="风险分级管控：风险清单导入导出、企业整体等级", no_args_is_help=True)

EnterpriseOption = Annotated[str, typer.Option("--enterprise", help="企业统一社会信用代码")]


def _enterprise_id(session, credit_code: str) -> int:  # type: ignore[no-untyped-def]
    ent_id = session.scalar(
        select(Enterprise.id).where(Enterprise.credit_code == credit_code.strip().upper())
    )
    if ent_id is None:
        typer.echo(f"企业 {credit_code} 不存在", err=True)
        raise typer.Exit(1)
    return int(ent_id)


@risks_app.command("import")
def import_register(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="风险清单 .xlsx")],
    enterprise: EnterpriseOption,
    valid_rows_only: Annotated[bool, typer.Option("--valid-rows-only", help="只导入无错误的行")] = False,
) -> None:
    """导入风险清单（与导出格式相同）；默认有任何错误则全部不导入，并逐行列出错误。"""
    from app.risks import importer

    with session_scope() as session:
        report = importer.import_file(
            session, SYSTEM, _enterprise_id(session, enterprise), file, valid_rows_only=valid_rows_only
        )
    for err in report.errors:
        typer.echo(f"第{err.row}行 {err.column}：{err.message}", err=True)
    typer.echo(report.summary())
    if not report.written:
        raise typer.Exit(1)


@risks_app.command("export")
def export_register(
    enterprise: EnterpriseOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 .xlsx 文件")],
) -> None:
    """导出企业的风险清单 .xlsx。"""
    from app.risks import register

    with session_scope() as session:
        ent_id = _enterprise_id(session, enterprise)
        ent = session.get(Enterprise, ent_id)
        assert ent is not None
        output.write_bytes(register.export_xlsx(session, ent_id, ent.name))
    typer.echo(f"已导出到 {output}")


@risks_app.command("recompute-levels")
def recompute_levels() -> None:
    """重新计算全部企业的整体安全风险等级（只在等级或依据变化时新增记录）。"""
    from app.grading import enterprise as grading

    with session_scope() as session:
        result = grading.recompute_all(session)
    typer.echo(f"企业 {result['enterprises']} 家，等级或依据有变化 {result['changed']} 家")
