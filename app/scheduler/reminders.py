"""Helpers for reminder jobs: policy time limits as dates, and notifications sent once per subject
and deadline.

A reminder job runs every day and may be repeated by hand or caught up after downtime, so each
notice must go out once. Without a table of its own, the notification rows themselves are the
record: a notice is identified by (kind, link, key), where link names the subject (e.g.
"/hazards/12") and key, usually the deadline's ISO date, is part of the title. When a deadline
moves (an approved extension), the key changes and the new deadline gets its own notices.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications import service as notifications
from app.notifications.models import Notification
from app.rules_engine import time_limit
from app.workdays import add_days

_IN_CHUNK = 500


def add_limit(day: date, key: str, times: int = 1) -> date:
    """day + `times` × the policy time limit `key` (calendar/working days, months or years)."""
    limit = time_limit(key)
    n = limit.value * times
    if limit.unit in ("months", "years"):
        months = n * (12 if limit.unit == "years" else 1)
        y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
        for d in (day.day, 30, 29, 28):  # 29 Feb + 1 year → 28 Feb
            try:
                return date(y, m + 1, d)
            except ValueError:
                continue
    return add_days(day, n, limit.unit)


def reminder_days() -> int:
    """How many days before a deadline reminders go out (policy reminder_days_before)."""
    return time_limit("reminder_days_before").value


class NotifyOnce:
    """Send notices of one kind, each (link, key) at most once, ever.

    Load it with the links a run may notify about (one query per 500 links); `send` then skips a
    (link, key) already present, including ones sent earlier in the same run.
    """

    def __init__(self, session: Session, kind: str, links: Iterable[str]):
        self.session = session
        self.kind = kind
        self.sent: dict[str, list[str]] = defaultdict(list)
        wanted = sorted(set(links))
        for i in range(0, len(wanted), _IN_CHUNK):
            rows = session.execute(
                select(Notification.link, Notification.title)
                .where(Notification.kind == kind, Notification.link.in_(wanted[i : i + _IN_CHUNK]))
                .distinct()
            )
            for link, title in rows:
                if link is not None:
                    self.sent[link].append(title)

    def was_sent(self, link: str, key: str) -> bool:
        return any(key in title for title in self.sent.get(link, ()))

    def send(
        self,
        *,
        key: str,
        link: str,
        user_ids: Iterable[int],
        title: str,
        body: str,
        enterprise_id: int | None = None,
    ) -> bool:
        """True when notices were written now; False when already sent or nobody to tell."""
        if key not in title:
            raise ValueError(f"the title must contain the key {key!r}: it is how a repeat is recognised")
        if self.was_sent(link, key):
            return False
        notes = notifications.notify(
            self.session,
            user_ids=user_ids,
            kind=self.kind,
            title=title,
            body=body,
            link=link,
            enterprise_id=enterprise_id,
        )
        if notes:
            self.sent[link].append(notes[0].title)
        return bool(notes)
