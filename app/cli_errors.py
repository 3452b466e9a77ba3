"""The error boundary of the `shuangkong` command: a failure becomes one clear Chinese line on stderr and a
non-zero exit; `--debug` (or SHUANGKONG_DEBUG=1) lets the traceback through for developers."""

import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Typer (0.29+) carries its own copy of Click; its exceptions are the ones the command raises.
    from typer._click import exceptions as click

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


# Click's and Typer's own messages for bad command-line values, in the words an operator reads.
_USAGE_PHRASES = (
    (r"^Invalid value for (.+?): ", r"参数 \1 的值无效："),
    (r"^Missing parameter: (.+)$", r"缺少参数 \1"),
    (r"^Missing (?:argument|option) (.+?)\.?$", r"缺少参数 \1"),
    (r"^No such option: (\S+)", r"没有选项 \1"),
    (r"^No such command (.+?)\.$", r"没有命令 \1"),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", r"多余的参数：\1"),
    (r"^Option (\S+) requires an argument\.$", r"选项 \1 需要一个值"),
    (r"\b(?:file|directory|path) ('.*?') does not exist\.", r"\1 不存在"),
    (r"\b(?:file|path) ('.*?') is a directory\.", r"\1 是目录，需要文件"),
    (r"\bdirectory ('.*?') is a file\.", r"\1 是文件，需要目录"),
    (r"\b(?:file|directory|path) ('.*?') is not (?:readable|writable)\.", r"\1 无读写权限"),
    (r"Input should be a valid number.*$", "应为数字"),
    (r"Input should be a valid integer.*$", "应为整数"),
    (r"Input should be (.+)$", r"应为 \1"),
)


def explain_usage(exc: "click.UsageError") -> str:
    """One Chinese line for a command-line mistake, naming the parameter and where to read the usage."""
    text = exc.format_message().strip()
    for pattern, chinese in _USAGE_PHRASES:
        text = re.sub(pattern, chinese, text)
    path = exc.ctx.command_path if exc.ctx else "shuangkong"
    return f"用法错误：{text}（用 {path} --help 查看用法）"


def run_guarded(app: Callable[..., object]) -> None:
    """Run the Typer app; every failure, the command line's own mistakes included, ends as one line."""
    import typer
    from typer._click import exceptions as click

    try:
        result = app(standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        if debug_enabled():
            raise
        print(explain_usage(exc), file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("已取消。", file=sys.stderr)
        sys.exit(1)
    except click.ClickException as exc:
        print(f"错误：{exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug_enabled():
            raise
        print(explain(exc), file=sys.stderr)
        sys.exit(1)
    # Without standalone mode Click hands back the exit code of typer.Exit / ctx.exit as the result.
    sys.exit(result if isinstance(result, int) else 0)
