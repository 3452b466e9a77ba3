"""HTTP for 文书: metadata JSON, the PDF as issued, and a print view page. All scoped; 404 outside scope."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from app.auth.deps import CurrentUser, DbSession
from app.documents import service
from app.documents.models import Document
from app.fields import Id
from app.spreadsheets import download_headers

router = APIRouter()

# Screen-only styles of the print view (the stored document keeps the print layout it was issued with).
SCREEN_CSS = (
    ".noprint { font-family: sans-serif; font-size: 11pt; margin-bottom: 1em; word-break: break-all; }"
    "@media print { .noprint { display: none; } body { margin: 0; max-width: none; } }"
    "@media screen and (max-width: 640px) { body { margin: 0; padding: 12px; font-size: 13pt; }"
    " .organ-head { font-size: 20pt; } .doc-title { font-size: 16pt; }"
    " .noprint a { display: inline-block; padding: 12px 4px; } }"
    ".doc-note { color: #8a4b00; margin: .4em 0 0; }"
)


# The .pdf route comes first: "/api/documents/{doc_id}" would otherwise take "5.pdf" as an id.
@router.get(
    "/api/documents/{doc_id}.pdf",
    tags=["文书"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "文书 PDF（签发时生成，原样保存）"}},
)
def document_pdf(doc_id: Id, session: DbSession, user: CurrentUser) -> Response:
    doc = service.get_readable(session, user, doc_id)
    name = f"{doc.title}{('-' + doc.number) if doc.number else ''}"
    headers = download_headers(name, f"document-{doc.id}", suffix=".pdf")
    headers["ETag"] = f'"{doc.sha256}"'
    return Response(doc.pdf, media_type="application/pdf", headers=headers)


@router.get("/api/documents/{doc_id}", tags=["文书"])
def document_metadata(doc_id: Id, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.metadata(service.get_readable(session, user, doc_id))


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(doc_id: Id, session: DbSession, user: CurrentUser) -> HTMLResponse:
    return print_view(service.get_readable(session, user, doc_id))


def print_view(
    doc: Document, notes: Sequence[str] = (), links: Sequence[tuple[str, str]] = ()
) -> HTMLResponse:
    """The stored HTML as issued, with a toolbar (打印, 下载PDF, the domain's links and notes) that print
    media hide. Notes are plain text (escaped); links are (url, label) pairs."""
    extra = "".join(f' · <a href="{escape(url)}">{escape(label)}</a>' for url, label in links)
    extra_notes = "".join(f'<p class="doc-note">{escape(note)}</p>' for note in notes)
    toolbar = (
        f"<style>{SCREEN_CSS}</style>"
        '<div class="noprint"><button type="button" data-print>打印</button> · '
        f'<a href="/api/documents/{doc.id}.pdf" download>下载PDF</a>{extra} · '
        f"<span>SHA-256：<code>{escape(doc.sha256)}</code></span>{extra_notes}</div>"
        '<script src="/static/site.js" defer></script>'
    )
    return HTMLResponse(doc.html.replace("<body>", "<body>\n" + toolbar, 1))
