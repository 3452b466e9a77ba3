"""Removing uploads nobody attached: a photo is saved as soon as its form is sent (so a form that comes
back with errors keeps it, see app.web.common.keep_photos); when the form is then abandoned the photo
belongs to no record. The attachments.prune_unattached job deletes such rows older than
unattached_upload_days, and their files once no other row shares the content (files are stored once
per SHA-256). Files go only after the rows' deletion is committed, so a rolled-back run loses nothing.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import InstrumentedAttribute, Session, SessionTransaction

from app.attachments import service
from app.attachments.config import get_attachment_settings
from app.attachments.models import Attachment
from app.audit import service as audit
from app.auth.principal import SYSTEM, Principal
from app.timeutil import utcnow

BATCH = 500
_PENDING = "sk_unlink_after_commit"  # session.info key: files to remove once the deletion is committed


def _references() -> list[InstrumentedAttribute[Any]]:
    """Every column holding a list of attachment ids (imported here: the domains import this package)."""
    from app.hazards.models import CheckResult, Hazard, HazardEvent, Tip
    from app.supervision.models import SupervisionEvent

    columns: list[Any] = [Hazard.photo_ids, HazardEvent.attachments, SupervisionEvent.attachments]
    columns.append(CheckResult.photo_ids)
    if hasattr(Tip, "photo_ids"):  # photos of a public 举报
        columns.append(Tip.photo_ids)
    return columns


def referenced_ids(session: Session) -> set[int]:
    """Ids named by any record. The lists are JSON, so they are read and collected here."""
    used: set[int] = set()
    for column in _references():
        for ids in session.scalars(select(column).execution_options(yield_per=2000)):
            used.update(i for i in ids or [] if isinstance(i, int))
    return used


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def prune_unattached(
    session: Session, actor: Principal = SYSTEM, now: datetime | None = None
) -> dict[str, int]:
    """Delete uploads older than unattached_upload_days that no record names; one audit entry."""
    days = get_attachment_settings().unattached_upload_days
    if days <= 0:  # 0 keeps every upload
        return {"deleted": 0, "files": 0}
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(Attachment.id).where(Attachment.created_at < cutoff).execution_options(yield_per=5000)
    used: set[int] | None = None
    doomed: list[int] = []
    for att_id in session.scalars(old):
        if used is None:  # only read the records when there is something old to check
            used = referenced_ids(session)
        if att_id not in used:
            doomed.append(att_id)
    if not doomed:
        return {"deleted": 0, "files": 0}
    shas: set[str] = set()
    for chunk in _chunks(doomed):
        shas.update(session.scalars(select(Attachment.sha256).where(Attachment.id.in_(chunk))))
        session.execute(delete(Attachment).where(Attachment.id.in_(chunk)))
    shared: set[str] = set()
    for chunk in _chunks(sorted(shas)):
        shared.update(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(chunk))))
    orphans = sorted(shas - shared)
    audit.record(
        session,
        actor,
        "prune_unattached",
        "attachment",
        f"{len(doomed)} rows",
        after={
            "deleted": len(doomed),
            "files": len(orphans),
            "older_than_days": days,
            "uploaded_before": cutoff.isoformat(),
            "ids": doomed[:1000],
        },
    )
    session.info.setdefault(_PENDING, []).extend(service.uploads_dir() / sha[:2] / sha for sha in orphans)
    return {"deleted": len(doomed), "files": len(orphans)}


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _unlink_committed(session: Session) -> None:
    _remove(session.info.pop(_PENDING, []))


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole unit of work: its rows are back, so are their files
        session.info.pop(_PENDING, None)
