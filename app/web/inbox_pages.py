"""The notification inbox: the caller's own message groups (one per kind, enterprise and day), the group
with the newest message first, each with its messages in a <details> list, and read marks."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.deps import DbSession
from app.notifications import service as notifications
from app.web.common import Form, PageRoute, PageUser, check_csrf, page, redirect

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 30


@router.get("/inbox")
def inbox(
    request: Request, session: DbSession, user: PageUser, unread: bool = False, cursor: int | None = None
) -> Response:
    groups = notifications.list_inbox(session, user, unread_only=unread, before_id=cursor, limit=PAGE_SIZE)
    return page(
        request,
        session,
        "inbox.html",
        user,
        groups=groups,
        unread_only=unread,
        next_cursor=groups[-1].group.last_item_id if len(groups) == PAGE_SIZE else None,
    )


def _own_link(link: str | None) -> bool:
    # Only our own relative links are followed (a link is data written by other modules).
    return bool(link and link.startswith("/") and not link.startswith("//"))


@router.post("/inbox/{group_id:int}/read")
def read_one(request: Request, session: DbSession, user: PageUser, form: Form, group_id: int) -> Response:
    """Marks the group read; a group of one opens its message's page, a larger one stays in the inbox."""
    check_csrf(request, form)
    entry = notifications.mark_read(session, user, group_id)
    link = entry.items[0].link if len(entry.items) == 1 else None
    return redirect(link if link and _own_link(link) else f"/inbox#g{group_id}")


@router.post("/inbox/read-all")
def read_all(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    notifications.mark_all_read(session, user)
    return redirect("/inbox")
