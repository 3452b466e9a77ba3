"""文书: issued once as HTML + PDF, numbered from the shared counter, hashed, audited, scoped."""

import hashlib
import io
import socket
from typing import Any
from urllib.parse import quote

import pypdf
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.documents import render
from app.documents import service as documents
from app.documents.models import Document
from app.errors import BadInput, NotFound
from tests.factories import auth_headers, make_enterprise, make_tree, make_user, principal


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    make_tree(db)
    ent = make_enterprise(db, region_code="139101001", name="甲一化工有限公司")
    other = make_enterprise(db, region_code="139102", name="甲二机械有限公司")
    users = {
        "city": make_user(db, "inspector", region_code="139100", department="甲市应急管理局"),
        "county": make_user(db, "inspector", region_code="139101", department="甲一区应急管理局"),
        "county2": make_user(db, "inspector", region_code="139102", department="甲二区应急管理局"),
        "ent_user": make_user(db, "enterprise", enterprise_id=ent.id),
        "other_ent_user": make_user(db, "enterprise", enterprise_id=other.id),
    }
    db.commit()
    return {"ent": ent, "other": other, "users": users}


def _issue(db: Session, world: dict[str, Any], actor: str = "city", **kw: Any) -> Document:
    args: dict[str, Any] = {
        "kind": "enforcement.penalty_decision",
        "title": "行政处罚决定书",
        "template": "documents/example.html",
        "context": {"addressee": world["ent"].name, "paragraphs": ["经查，你单位未按规定开展隐患排查。"]},
        "enterprise_id": world["ent"].id,
        "subject_type": "inspection",
        "subject_id": 7,
        "number_prefix": "甲应急罚",
    }
    args.update(kw)
    return documents.issue(db, principal(db, world["users"][actor]), **args)


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text without white space (letter-spaced headings come out as "督 办 通 知 书")."""
    return "".join("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


def test_issue_stores_the_pdf_with_its_hash_number_and_an_audit_row(
    db: Session, world: dict[str, Any]
) -> None:
    first = _issue(db, world)
    second = _issue(
        db, world, title="责令限期整改指令书", context={"addressee": "甲一化工", "paragraphs": []}
    )
    db.commit()

    assert first.pdf.startswith(b"%PDF")
    assert first.sha256 == hashlib.sha256(first.pdf).hexdigest() and first.size == len(first.pdf)
    # One prefix of one issuing region: N, then N+1; never the same number twice.
    assert (first.number, second.number) == ("甲应急罚〔2026〕1号", "甲应急罚〔2026〕2号")
    text = _pdf_text(first.pdf)
    assert "行政处罚决定书" in text and "甲应急罚〔2026〕1号" in text
    assert "甲一化工有限公司" in text and "甲市应急管理局" in text and "2026年3月2日" in text
    assert "第1页共1页" in text
    assert "甲应急罚〔2026〕1号" in first.html and first.region_code == "139101001"

    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "document", AuditEntry.entity_id == str(first.id))
    ).one()
    assert entry.action == "issue" and entry.enterprise_id == world["ent"].id
    assert entry.after is not None and entry.after["sha256"] == first.sha256


def test_each_issuing_region_and_year_has_its_own_sequence(db: Session, world: dict[str, Any]) -> None:
    from app.documents import numbering

    county = _issue(db, world, actor="county", number_prefix="甲应急罚")
    assert county.number == "甲应急罚〔2026〕1号"  # the county's own sequence, not the city's
    taken = numbering.allocate(db, "139101", "甲应急罚", 2026)
    assert taken.text == "甲应急罚〔2026〕2号"
    unnumbered = _issue(db, world, number_prefix=None)
    assert unnumbered.number is None and unnumbered.number_key is None
    given = _issue(db, world, number_prefix=None, number=numbering.allocate(db, "139100", "甲安委督", 2026))
    assert given.number == "甲安委督〔2026〕1号" and "甲安委督〔2026〕1号" in _pdf_text(given.pdf)


def test_an_issued_document_cannot_be_changed(db: Session, world: dict[str, Any]) -> None:
    from app.documents.models import DocumentChanged

    doc = _issue(db, world, number_prefix=None)
    db.commit()
    doc.pdf = b"%PDF-forged"
    with pytest.raises(DocumentChanged):
        db.flush()
    db.rollback()
    assert db.get_one(Document, doc.id).sha256 == hashlib.sha256(db.get_one(Document, doc.id).pdf).hexdigest()


def test_refusals_name_the_field(db: Session, world: dict[str, Any]) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"enterprise_id": None}, "enterprise_id"),
        ({"enterprise_id": 2**31 - 1}, "enterprise_id"),
        ({"enterprise_id": None, "region_code": "999999990"}, "region_code"),
        ({"kind": "penalty"}, "kind"),
        ({"title": ""}, "title"),
        ({"context": {"doc": "x"}}, "context"),
        ({"context": {"blob": object()}}, "context"),
        ({"number_prefix": "长" * 31}, "number_prefix"),
    ]
    for change, field in cases:
        with pytest.raises((BadInput, NotFound)) as err:
            _issue(db, world, **change)
        assert err.value.field == field, change
    assert db.scalar(select(Document.id)) is None


def test_context_text_is_escaped(db: Session, world: dict[str, Any]) -> None:
    doc = _issue(db, world, context={"addressee": "<script>alert(1)</script>", "paragraphs": ["<b>x</b>"]})
    assert "<script>alert" not in doc.html and "&lt;script&gt;" in doc.html
    assert doc.context["addressee"] == "<script>alert(1)</script>"


def test_rendering_fetches_nothing_from_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    connects: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connects.append(addr))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    html = (
        '<html><head><link rel="stylesheet" href="http://fonts.example.com/a.css">'
        '<link rel="stylesheet" href="/static/site.css"></head>'
        '<body><p>外部图片</p><img src="https://tiles.example.com/x.png"><img src="file:///etc/hostname">'
        "</body></html>"
    )
    pdf, refused = render.render_pdf(html)
    assert pdf.startswith(b"%PDF") and connects == []
    assert sorted(refused) == [
        "file:///etc/hostname",
        "http://fonts.example.com/a.css",
        "https://tiles.example.com/x.png",
    ]  # the app's own /static/site.css was served, not refused


def test_routes_serve_the_stored_document_in_scope_only(client, db: Session, world: dict[str, Any]) -> None:
    doc = _issue(db, world)
    region_doc = _issue(
        db, world, actor="county", enterprise_id=None, region_code="139101", number_prefix=None
    )
    db.commit()
    h = {name: auth_headers(client, user) for name, user in world["users"].items()}

    meta = client.get(f"/api/documents/{doc.id}", headers=h["ent_user"])
    assert meta.status_code == 200
    assert meta.json()["number"] == "甲应急罚〔2026〕1号" and meta.json()["sha256"] == doc.sha256
    pdf = client.get(f"/api/documents/{doc.id}.pdf", headers=h["city"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == doc.pdf and hashlib.sha256(pdf.content).hexdigest() == doc.sha256
    disposition = pdf.headers["content-disposition"]
    assert quote("行政处罚决定书-甲应急罚〔2026〕1号", safe="") in disposition
    assert disposition.startswith('attachment; filename="document-') and ".pdf" in disposition

    # An enterprise document: its enterprise and the governments above it; a region document: that
    # region's subtree, and no enterprise user.
    visible = {
        doc.id: {"city", "county", "ent_user"},
        region_doc.id: {"city", "county"},
    }
    for doc_id, who in visible.items():
        for name in h:
            for url in (f"/api/documents/{doc_id}", f"/api/documents/{doc_id}.pdf"):
                res = client.get(url, headers=h[name])
                assert res.status_code == (200 if name in who else 404), (url, name)
                if name not in who:
                    assert res.json()["detail"] == f"文书 {doc_id} 不存在"
    assert client.get(f"/api/documents/{doc.id}").status_code == 401
    assert client.get("/api/documents/0", headers=h["city"]).status_code == 422
    assert client.get("/api/documents/999999999.pdf", headers=h["city"]).status_code == 404


def test_print_page_has_the_document_and_a_pdf_link(client, db: Session, world: dict[str, Any]) -> None:
    from tests.web.factories import sign_in

    doc = _issue(db, world)
    db.commit()
    sign_in(client, world["users"]["county"].username)
    page = client.get(f"/documents/{doc.id}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "行政处罚决定书" in page.text and "甲应急罚〔2026〕1号" in page.text
    assert f'href="/api/documents/{doc.id}.pdf"' in page.text and "下载PDF" in page.text
    assert page.text.count("<script") == 1 and "/static/site.js" in page.text  # no inline script
    sign_in(client, world["users"]["county2"].username)
    assert client.get(f"/documents/{doc.id}").status_code == 404


def test_for_subject_lists_only_readable_documents(db: Session, world: dict[str, Any]) -> None:
    mine = _issue(db, world, number_prefix=None)
    _issue(db, world, number_prefix=None, enterprise_id=world["other"].id, subject_id=7)
    _issue(db, world, number_prefix=None, subject_id=8)
    ent_user = principal(db, world["users"]["ent_user"])
    assert [d.id for d in documents.for_subject(db, ent_user, "inspection", 7)] == [mine.id]
    city = principal(db, world["users"]["city"])
    assert len(documents.for_subject(db, city, "inspection", 7)) == 2
    with pytest.raises(NotFound):
        documents.get_readable(db, principal(db, world["users"]["other_ent_user"]), mine.id)
