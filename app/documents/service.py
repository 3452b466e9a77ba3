"""Issuing and reading 文书. A domain calls issue(); the document is rendered once and stored for good.

    doc = documents.issue(session, actor, kind="enforcement.rectification_order",
                          title="责令限期整改指令书", template="enforcement/rectification_order.html",
                          context={...}, enterprise_id=ent.id, subject_type="inspection", subject_id=12,
                          number_prefix="秦应急责改")

Scoping: a document about an enterprise follows the enterprise rule (owned_by_readable); one that belongs
to a region alone (enterprise_id None) follows the region subtree. Out of scope is 404, like unknown.
"""

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.db import SelectT
from app.documents import numbering, render
from app.documents.models import Document
from app.documents.numbering import Number
from app.enterprises import service as enterprises
from app.enterprises.models import Enterprise
from app.errors import BadInput, NotFound
from app.regions.models import Region
from app.timeutil import fmt_local, local_today

MAX_CONTEXT_BYTES = 512 * 1024
# What issue() itself puts into the template context (a domain's context may not use these names).
RESERVED = ("doc",)


def readable(stmt: SelectT, user: Principal) -> SelectT:
    """The one scoping rule, for documents: enterprise documents by the enterprise rule, region documents
    by the caller's region subtree (enterprise users see only their own enterprise's)."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(Document.enterprise_id == user.enterprise_id)
    readable_enterprises = enterprises.readable(select(Enterprise.id), user)
    return stmt.where(
        or_(
            Document.enterprise_id.in_(readable_enterprises),
            and_(Document.enterprise_id.is_(None), Document.region_path.like(f"{user.region_path}%")),
        )
    )


def _jsonable(context: dict[str, Any]) -> dict[str, Any]:
    try:
        text = json.dumps(context, ensure_ascii=False, default=_default)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"文书内容无法保存：{exc}", field="context") from exc
    if len(text.encode()) > MAX_CONTEXT_BYTES:
        raise BadInput(f"文书内容过大，最多 {MAX_CONTEXT_BYTES // 1024} KB", field="context")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _default(value: Any) -> Any:
    if isinstance(value, date):  # dates and datetimes
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} 不是 JSON 可保存的值")


def issue(
    session: Session,
    actor: Principal,
    *,
    kind: str,
    title: str,
    template: str,
    context: dict[str, Any],
    enterprise_id: int | None = None,
    region_code: str | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    number_prefix: str | None = None,
    number: Number | None = None,
    issuer: str | None = None,
    issued_on: date | None = None,
    issuer_region_code: str | None = None,
) -> Document:
    """Render `template` with `context` once, store the HTML, the PDF and its SHA-256, write an audit row.

    Numbering: `number_prefix` gives the next 发文字号 of the issuing region's sequence (issuer_region_code,
    else the actor's region, else `region_code`, else the enterprise's region) for this year; a domain that
    keeps the number on its own row too may allocate it first (numbering.allocate) and pass `number`.
    The template sees the domain's `context` plus `doc` (title, number, issuer, issued_on, kind).
    The caller commits (the document is part of the domain's transaction).
    """
    if not kind or len(kind) > 60 or "." not in kind:
        raise BadInput("文书类别应为“领域.名称”，最多 60 个字符", field="kind")
    if not title or len(title) > 200:
        raise BadInput("文书标题必填，最多 200 个字符", field="title")
    if any(name in context for name in RESERVED):
        raise BadInput("文书内容不能使用保留字段 doc", field="context")
    if enterprise_id is None and region_code is None:
        raise BadInput("文书须属于一家企业或一个行政区", field="enterprise_id")
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    if enterprise_id is not None and enterprise is None:
        raise NotFound(f"企业 {enterprise_id} 不存在", field="enterprise_id")
    region = session.get(Region, region_code or (enterprise.region_code if enterprise else None) or "")
    if region_code is not None and region is None:
        raise NotFound(f"行政区划 {region_code} 不存在", field="region_code")
    stored_context = _jsonable(context)

    issued_on = issued_on or local_today()
    if number is None and number_prefix:
        if len(number_prefix) > 30:
            raise BadInput("发文字号前缀最多 30 个字符", field="number_prefix")
        seq_region = issuer_region_code or actor.region_code or (region.code if region else "")
        number = numbering.allocate(session, seq_region, number_prefix, issued_on.year)
    issuer = issuer if issuer is not None else (actor.department or "")
    doc_info = {
        "kind": kind,
        "title": title,
        "number": number.text if number else None,
        "issuer": issuer,
        "issued_on": issued_on.isoformat(),
    }
    html = render.render_html(template, {**stored_context, "doc": doc_info})
    pdf, refused = render.render_pdf(html)
    doc = Document(
        kind=kind,
        title=title,
        number=number.text if number else None,
        number_key=number.key if number else None,
        number_year=number.year if number else None,
        number_no=number.no if number else None,
        template=template,
        context={**stored_context, "doc": doc_info},
        html=html,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        subject_type=subject_type,
        subject_id=subject_id,
        enterprise_id=enterprise_id,
        region_code=region.code if region else None,
        region_path=region.path if region else None,
        created_by=actor.id or None,
        created_by_name=actor.display_name or actor.username,
    )
    session.add(doc)
    session.flush()
    audit.record(
        session,
        actor,
        "issue",
        "document",
        doc.id,
        after=metadata(doc),
        enterprise_id=enterprise_id,
        region_path=doc.region_path,
        note=f"{title} {doc.number or ''}".strip()
        + (f"（拒绝外部资源 {len(refused)} 个）" if refused else ""),
    )
    return doc


def get_readable(session: Session, user: Principal, doc_id: int) -> Document:
    doc = session.scalar(readable(select(Document).where(Document.id == doc_id), user))
    if doc is None:
        raise NotFound(f"文书 {doc_id} 不存在")
    return doc


def for_subject(session: Session, user: Principal, subject_type: str, subject_id: int) -> list[Document]:
    """The documents issued about one subject that the caller may read, oldest first."""
    stmt = select(Document).where(Document.subject_type == subject_type, Document.subject_id == subject_id)
    return list(session.scalars(readable(stmt, user).order_by(Document.id)))


def metadata(doc: Document) -> dict[str, Any]:
    """The JSON of a document (without the HTML and PDF bodies)."""
    return {
        "id": doc.id,
        "kind": doc.kind,
        "title": doc.title,
        "number": doc.number,
        "sha256": doc.sha256,
        "size": doc.size,
        "subject_type": doc.subject_type,
        "subject_id": doc.subject_id,
        "enterprise_id": doc.enterprise_id,
        "region_code": doc.region_code,
        "created_at": doc.created_at.isoformat() if doc.created_at else None,
        "created_at_local": fmt_local(doc.created_at),
        "created_by": doc.created_by,
        "created_by_name": doc.created_by_name,
        "pdf_url": f"/api/documents/{doc.id}.pdf",
        "page_url": f"/documents/{doc.id}",
    }
