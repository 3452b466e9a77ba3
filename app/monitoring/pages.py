"""Pages of the monitoring domain that stand alone (the public 承诺公告 board)."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.monitoring.models import SPECIAL_WORK

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


def commitment_page(request: Request, data: dict[str, Any]) -> HTMLResponse:
    html = _env.get_template("commitment.html").render(data=data, SPECIAL_WORK=SPECIAL_WORK)
    return HTMLResponse(html)
