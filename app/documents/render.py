"""The one renderer of 文书: a Jinja template (extending documents/base.html) → HTML → PDF (WeasyPrint).

Template names are "<domain>/<file>" and live in app/<domain>/templates/<file> (the documents module's own
layout is "documents/base.html"). PDFs use the local CJK fonts (Noto Serif/Sans CJK) and fetch nothing
from the network: the URL fetcher serves only data: URLs and the app's own static files.
"""

import logging
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import BaseLoader, Environment, TemplateNotFound, select_autoescape

from app.timeutil import fmt_local, to_local

log = logging.getLogger("shuangkong.documents")

APP_DIR = Path(__file__).resolve().parent.parent
STATIC_DIRS = {"/static/": APP_DIR / "web" / "static", "/documents-static/": APP_DIR / "documents" / "static"}
_DOMAIN = re.compile(r"^[a-z][a-z0-9_]*$")


class DomainLoader(BaseLoader):
    """ "enforcement/rectification_order.html" → app/enforcement/templates/rectification_order.html."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        domain, _, rest = template.partition("/")
        if not _DOMAIN.match(domain) or not rest or ".." in rest.split("/"):
            raise TemplateNotFound(template)
        folder = (APP_DIR / domain / "templates").resolve()
        path = (folder / rest).resolve()
        if folder not in path.parents or not path.is_file():
            raise TemplateNotFound(template)
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime


def cn_date(value: date | datetime | str | None) -> str:
    """2026-12-03 → 2026年12月3日 (datetimes in Asia/Shanghai); "" for None."""
    if value is None or value == "":
        return ""
    day: date | datetime
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value) if len(value) <= 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    if isinstance(day, datetime):
        day = to_local(day).date() if day.tzinfo else day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def amount(value: Any) -> str:
    """A sum of money in 元 with thousands separators: 12500 → 12,500.00."""
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)


env = Environment(loader=DomainLoader(), autoescape=select_autoescape(default=True), auto_reload=True)
env.filters.update(cn_date=cn_date, local=fmt_local, amount=amount)


def render_html(template: str, context: dict[str, Any]) -> str:
    return env.get_template(template).render(**context)


PANGO_HINT = "生成 PDF 需要 Pango：apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk"


@cache
def _weasyprint() -> Any:
    """WeasyPrint, imported on first use (it loads Pango; commands that issue no document skip that)."""
    try:
        import weasyprint  # type: ignore[import-untyped]
        import weasyprint.urls  # type: ignore[import-untyped]
    except OSError as exc:  # the Pango shared libraries are missing
        raise RuntimeError(f"{PANGO_HINT}（{exc}）") from exc
    return weasyprint


@cache
def _fetcher_class() -> type:
    urls = _weasyprint().urls

    class LocalOnlyFetcher(urls.URLFetcher):  # type: ignore[misc,name-defined]
        """Serves data: URLs and files under the app's static folders; refuses (and records) the rest."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"))
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = unquote(parts.path)
                for prefix, folder in STATIC_DIRS.items():
                    if path.startswith(prefix):
                        target = (folder / path[len(prefix) :]).resolve()
                        if folder.resolve() in target.parents and target.is_file():
                            return urls.URLFetcherResponse(url, target.read_bytes())
            self.refused.append(url)
            log.warning("document renderer refused to fetch %s", url)
            raise urls.URLFetchingError(f"documents fetch nothing but the app's own static files: {url}")

    return LocalOnlyFetcher


def render_pdf(html: str) -> tuple[bytes, list[str]]:
    """The PDF of `html` and the URLs it asked for that were refused (none for a clean template)."""
    fetcher = _fetcher_class()()
    # Root-relative URLs ("/static/site.css") resolve against file:/// and are served from STATIC_DIRS.
    pdf = _weasyprint().HTML(string=html, base_url="file:///", url_fetcher=fetcher).write_pdf()
    return bytes(pdf), list(fetcher.refused)
