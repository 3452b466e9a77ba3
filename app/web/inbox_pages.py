"""The notification inbox: the caller's own messages, newest first, with read marks."""

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
    items = notifications.list_inbox(session, user, unread_only=unread, before_id=cursor, limit=PAGE_SIZE)
    return page(
        request,
        session,
        "inbox.html",
        user,
        items=items,
        unread_only=unread,
        next_cursor=items[-1].id if len(items) == PAGE_SIZE else None,
    )


@router.post("/inbox/{notification_id:int}/read")
def read_one(
    request: Request, session: DbSession, user: PageUser, form: Form, notification_id: int
) -> Response:
    check_csrf(request, form)
    note = notifications.mark_read(session, user, notification_id)
    # Only our own relative links are followed (a link is data written by other modules).
    target = (
        note.link if note.link and note.link.startswith("/") and not note.link.startswith("//") else "/inbox"
    )
    return redirect(target)


@router.post("/inbox/read-all")
def read_all(request: Request, session: DbSession, user: PageUser, form: Form) -> Response:
    check_csrf(request, form)
    notifications.mark_all_read(session, user)
    return redirect("/inbox")
