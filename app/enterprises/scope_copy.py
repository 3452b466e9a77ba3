"""Rows that keep a copy of their enterprise's place and industry, so a scoped list is one index range.

Reading "hazards of the enterprises a township inspector may see" through the enterprise table means an
IN over the township's enterprises and a sort of all their rows before the page can be cut. A row that
carries the codes of its enterprise's region path by depth (region_l1 = province … region_l4 = township)
and its industry can be scoped with one equality, and an index (region_lN, found_on, id) stops after the
page. The copy is the same rule as `enterprises.service.readable`, only on copied columns; it is kept
right here: filled on insert, re-synced when an enterprise or a region moves.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, event, select, update
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from app.auth.principal import Principal
from app.enterprises.models import Enterprise
from app.regions.models import Region

DEPTHS = 4  # province, city, county, township; deeper scopes (villages) fall back to the path prefix


def values(region_path: str | None, industry: str) -> dict[str, Any]:
    """The copied columns for an enterprise with this region path and industry."""
    codes = [c for c in (region_path or "").split("/") if c]
    out: dict[str, Any] = {"region_path": region_path, "industry": industry}
    for depth in range(1, DEPTHS + 1):
        out[f"region_l{depth}"] = codes[depth - 1] if len(codes) >= depth else None
    return out


class ScopeCopy:
    """Mixin for rows with an enterprise_id that are listed by scope (hazards)."""

    @declared_attr
    def region_path(cls) -> Mapped[str | None]:
        return mapped_column(String(200))

    @declared_attr
    def industry(cls) -> Mapped[str | None]:
        return mapped_column(String(40))

    @declared_attr
    def region_l1(cls) -> Mapped[str | None]:
        return mapped_column(String(12))

    @declared_attr
    def region_l2(cls) -> Mapped[str | None]:
        return mapped_column(String(12))

    @declared_attr
    def region_l3(cls) -> Mapped[str | None]:
        return mapped_column(String(12))

    @declared_attr
    def region_l4(cls) -> Mapped[str | None]:
        return mapped_column(String(12))


def readable(stmt: Any, model: Any, user: Principal) -> Any:
    """`enterprises.service.readable` on the copied columns of `model`."""
    if user.is_admin:
        return stmt
    if user.role == "enterprise":
        return stmt.where(model.enterprise_id == user.enterprise_id)
    stmt = in_region(stmt, model, user.region_path)
    if user.role == "inspector" and user.industries:
        stmt = stmt.where(model.industry.in_(user.industries))
    return stmt


def in_region(stmt: Any, model: Any, path: str) -> Any:
    """Rows whose enterprise lies in the region with this path (or below it)."""
    codes = [c for c in path.split("/") if c]
    if not codes:
        # No region: like the enterprise rule, every enterprise that has a region.
        return stmt.where(model.region_path.is_not(None))
    if len(codes) <= DEPTHS:
        return stmt.where(getattr(model, f"region_l{len(codes)}") == codes[-1])
    return stmt.where(model.region_path.like(f"{path}%"))


def _models() -> list[Any]:
    return [m for m in ScopeCopy.__subclasses__() if hasattr(m, "__table__")]


def sync_enterprises(session: Session, enterprise_ids: Iterable[int]) -> None:
    """After enterprises changed region or industry: their rows follow."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return
    current = session.execute(
        select(Enterprise.id, Enterprise.industry, Region.path)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(Enterprise.id.in_(ids))
    ).all()
    for model in _models():
        for ent_id, industry, path in current:
            session.execute(
                update(model)
                .where(model.enterprise_id == ent_id)
                .values(**values(path, industry))
                .execution_options(synchronize_session=False)
            )


def sync_region_subtree(session: Session, path: str) -> None:
    """After a region moved (its path changed): the rows of every enterprise below it follow."""
    ids = session.scalars(
        select(Enterprise.id)
        .join(Region, Region.code == Enterprise.region_code)
        .where(Region.path.like(f"{path}%"))
    ).all()
    sync_enterprises(session, ids)


@event.listens_for(ScopeCopy, "before_insert", propagate=True)
def _fill_on_insert(mapper: Any, connection: Any, target: Any) -> None:
    """A row inserted without its copy (tests, future code) gets it from its enterprise."""
    if target.industry is not None:
        return
    row = connection.execute(
        select(Enterprise.industry, Region.path)
        .outerjoin(Region, Region.code == Enterprise.region_code)
        .where(Enterprise.id == target.enterprise_id)
    ).first()
    if row is not None:
        for key, value in values(row.path, row.industry).items():
            setattr(target, key, value)
