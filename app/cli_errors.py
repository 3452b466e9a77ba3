"""The error boundary of the `shuangkong` command: a failure becomes one clear Chinese line on stderr and a
non-zero exit; `--debug` (or SHUANGKONG_DEBUG=1) lets the traceback through for developers."""

import os
import sys
from collections.abc import Callable

DEBUG_ENV = "SHUANGKONG_DEBUG"


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def explain(exc: BaseException) -> str:
    """One line for a known kind of failure; unknown ones are named as internal errors."""
    from alembic.util import CommandError
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError, OperationalError

    from app.errors import AppError
    from app.rules_engine.errors import RuleFileError

    if isinstance(exc, AppError):
        return f"错误：{exc.detail}"
    if isinstance(exc, RuleFileError):
        return "规则文件有误：" + "；".join(exc.errors[:5])
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"错误：无法读写文件{where}：{exc.strerror or exc}"
    if isinstance(exc, OperationalError):
        return f"错误：无法连接或使用数据库 {_database()}：{_first_line(exc.orig or exc)}"
    if isinstance(exc, DBAPIError):
        return f"错误：数据库拒绝了操作（{_database()}）：{_first_line(exc.orig or exc)}"
    if isinstance(exc, CommandError):
        return f"错误：数据库迁移失败：{_first_line(exc)}（用 shuangkong db current 查看当前版本）"
    if isinstance(exc, ValidationError):
        problems = "；".join(
            f"SHUANGKONG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        return f"错误：配置无效：{problems}"
    return (
        f"内部错误：{type(exc).__name__}: {_first_line(exc)}。"
        f"这是程序缺陷，请加 --debug（或设置 {DEBUG_ENV}=1）重新运行并报告完整输出。"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database() -> str:
    try:
        from sqlalchemy.engine import make_url

        from app.config import get_settings

        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - the message must come out even when the settings are the problem
        return "（数据库地址无效）"


def run_guarded(command: Callable[[], object]) -> None:
    """Run the Typer app; Typer/Click handle usage errors themselves, everything else ends here."""
    try:
        command()
    except Exception as exc:
        if debug_enabled():
            raise
        print(explain(exc), file=sys.stderr)
        sys.exit(1)
