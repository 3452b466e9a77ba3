"""In-app notifications (站内消息) with optional outbound delivery (webhook, email).

Public API for other domains (all take the caller's session; nothing commits):
    notify(session, *, user_ids, kind, title, body, link=None, enterprise_id=None) -> list[Notification]
    inspectors_for(session, region_code, industry=None) -> list[int]
    enterprise_users(session, enterprise_id) -> list[int]
"""

from app.notifications.service import enterprise_users, inspectors_for, notify

__all__ = ["enterprise_users", "inspectors_for", "notify"]
