"""Uploads nobody attached (a form abandoned after its photo was saved) are removed by the
attachments.prune_unattached job once older than unattached_upload_days: the rows, and the files no
other row shares. Attached photos and fresh uploads stay; a rolled-back run removes no file."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.attachments import service as attachments
from app.attachments.config import get_attachment_settings
from app.attachments.models import Attachment
from app.audit.models import AuditEntry
from app.hazards import schemas as s
from app.hazards import service as hazards
from app.scheduler import registry
from app.timeutil import utcnow
from tests.factories import make_tree
from tests.web.factories import make_world, png_bytes, principal_from


@pytest.fixture
def world(db):
    make_tree(db)
    return make_world(db, "1377", "c")


def _run(db):
    job = registry.get_job("attachments.prune_unattached")
    ctx = registry.RunContext(job_name=job.name, scheduled_for=utcnow(), run_id=0, manual=True)
    counts = job.func(db, ctx)
    db.commit()
    return counts


def test_old_unattached_uploads_go_attached_and_fresh_ones_stay(db, world, tmp_path, monkeypatch):
    monkeypatch.setattr(get_attachment_settings(), "uploads_dir", tmp_path)
    user = principal_from(db, world.enterprise_user)

    def upload(colour: str) -> Attachment:
        return attachments.save_image(db, user, io.BytesIO(png_bytes(colour)), "p.png", world.enterprise_id)

    on_hazard, on_event, abandoned, twin, fresh = (
        upload(c) for c in ("red", "green", "blue", "red", "yellow")
    )
    hazard = hazards.create_hazard(
        db,
        user,
        s.HazardIn(
            source="routine",
            description="配电箱门损坏",
            place="二号车间",
            category="site",
            photos=[on_hazard.id],
        ),  # fmt: skip
    ).hazard
    hazards.transition(
        db,
        user,
        hazard.id,
        s.FixOnSpot(
            action="fix_on_spot", version=hazard.version, measures="已关闭箱门", attachments=[on_event.id]
        ),
    )
    for att in (on_hazard, on_event, abandoned, twin):  # uploaded three days ago
        att.created_at = utcnow() - timedelta(days=3)
    fresh.created_at = utcnow() - timedelta(days=1)
    db.commit()
    path = {a.id: attachments.file_path(a) for a in (on_hazard, on_event, abandoned, twin, fresh)}
    assert all(p.exists() for p in path.values())

    # The abandoned upload goes with its file; its twin's row goes, but the file stays for on_hazard.
    assert _run(db) == {"deleted": 2, "files": 1}
    left = set(db.scalars(select(Attachment.id)))
    assert {on_hazard.id, on_event.id, fresh.id} <= left and not {abandoned.id, twin.id} & left
    assert not path[abandoned.id].exists()
    assert path[twin.id].exists() and path[on_hazard.id].exists() and path[fresh.id].exists()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "prune_unattached")).all()
    assert len(entries) == 1 and entries[0].actor_name == "system"
    assert entries[0].after["deleted"] == 2 and sorted(entries[0].after["ids"]) == sorted(
        [abandoned.id, twin.id]
    )

    # The attached photos are still served; a second run finds nothing.
    assert attachments.get_readable(db, user, on_event.id).id == on_event.id
    assert _run(db) == {"deleted": 0, "files": 0}

    # A run that is rolled back keeps the row and its file.
    fresh.created_at = utcnow() - timedelta(days=5)
    db.commit()
    job = registry.get_job("attachments.prune_unattached")
    ctx = registry.RunContext(job_name=job.name, scheduled_for=utcnow(), run_id=0, manual=True)
    assert job.func(db, ctx) == {"deleted": 1, "files": 1}
    db.rollback()
    assert db.get(Attachment, fresh.id) is not None and path[fresh.id].exists()
    db.commit()
    assert path[fresh.id].exists()

    # The age is a setting; 0 keeps every upload.
    monkeypatch.setattr(get_attachment_settings(), "unattached_upload_days", 0)
    assert _run(db) == {"deleted": 0, "files": 0}
    monkeypatch.setattr(get_attachment_settings(), "unattached_upload_days", 6)
    assert _run(db) == {"deleted": 0, "files": 0}
    monkeypatch.setattr(get_attachment_settings(), "unattached_upload_days", 4)
    assert _run(db) == {"deleted": 1, "files": 1} and not path[fresh.id].exists()
