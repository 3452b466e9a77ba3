"""发文字号 (秦应急督〔2026〕3号): a prefix, the year and a per-sequence number — for every 文书.

One counter row per sequence (issuing region + prefix) and year, bumped with one UPDATE … RETURNING, so
concurrent issuers of one sequence serialise on that row and never share a number; the row is created on
first use with ON CONFLICT DO NOTHING (a concurrent creator simply wins and we bump its row).
"""

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.documents.models import DocumentSequence


@dataclass(frozen=True)
class Number:
    """One given 发文字号: its sequence, year and number, and the text printed on the document."""

    key: str
    year: int
    no: int
    prefix: str

    @property
    def text(self) -> str:
        return format_number(self.prefix, self.year, self.no)


def format_number(prefix: str, year: int, no: int) -> str:
    return f"{prefix}〔{year}〕{no}号"


def sequence_key(region_code: str, prefix: str) -> str:
    """One sequence per issuing region and prefix, so (issuing region, number) is unique by construction."""
    return f"{region_code}:{prefix}"


def next_number(session: Session, key: str, year: int) -> int:
    """The next number of this sequence for the year (atomic on both databases)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(DocumentSequence).values(sequence_key=key, year=year, last_no=0).on_conflict_do_nothing()
    )
    return int(
        session.execute(
            update(DocumentSequence)
            .where(DocumentSequence.sequence_key == key, DocumentSequence.year == year)
            .values(last_no=DocumentSequence.last_no + 1)
            .returning(DocumentSequence.last_no)
        ).scalar_one()
    )


def allocate(session: Session, region_code: str, prefix: str, year: int) -> Number:
    """Give the next number of the issuing region's `prefix` sequence for `year`."""
    key = sequence_key(region_code, prefix)
    return Number(key=key, year=year, no=next_number(session, key, year), prefix=prefix)
