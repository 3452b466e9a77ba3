from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, with what scoping needs already resolved."""

    id: int
    username: str
    display_name: str
    role: str
    enterprise_id: int | None = None
    region_code: str | None = None
    # Materialised path of region_code; "" for admin and enterprise users.
    region_path: str = ""
    department: str | None = None
    industries: tuple[str, ...] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# Actor for CLI imports, the demo loader and scheduled jobs.
SYSTEM = Principal(id=0, username="system", display_name="系统", role="admin")
