"""Issued documents (immutable: the stored PDF is what was issued) and the shared 发文字号 counters."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from app.timeutil import utcnow


class Document(Base):
    """One issued 文书: its HTML and PDF exactly as issued, the PDF's SHA-256 and what it is about."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Dotted, domain first: "enforcement.rectification_order", "supervision.notice".
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    # 发文字号 "秦应急督〔2026〕3号" (None for documents without one), with its parts.
    number: Mapped[str | None] = mapped_column(String(80))
    number_key: Mapped[str | None] = mapped_column(String(150))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_no: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(200))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # Generic subject (no FK on purpose): "inspection" 12, "supervision_case" 3 …
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # Scoping: an enterprise's document follows the enterprise rule; a region's the region subtree.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    region_path: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_documents_subject", "subject_type", "subject_id"),
        Index("ix_documents_region_path", "region_path"),
        # A number is given once per sequence and year, so it is on one document at most.
        UniqueConstraint("number_key", "number_year", "number_no", name="uq_documents_number"),
    )


class DocumentChanged(RuntimeError):
    """An issued document was about to be changed: documents are stored once, as issued."""


@event.listens_for(Document, "before_update")
def _immutable(mapper: Any, connection: Any, target: Document) -> None:
    raise DocumentChanged(f"文书 {target.id} 已签发，不能修改（须重新签发新的文书）")


class DocumentSequence(Base):
    """Per-sequence (issuing region + prefix), per-year counter for 发文字号 (bumped atomically)."""

    __tablename__ = "document_sequences"

    sequence_key: Mapped[str] = mapped_column(String(150), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer, default=0)
