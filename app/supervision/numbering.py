"""督办通知书 numbers: 秦应急督〔2026〕3号 — a department prefix, the year and a per-department sequence.

The counter row is bumped with one UPDATE … RETURNING, so concurrent listings by one department
serialise on that row and never share a number; the row is created on first use with ON CONFLICT
DO NOTHING (a concurrent creator simply wins and we bump its row).
"""

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.supervision.models import NoticeSequence

# Short names for provinces (by the first two digits of the adcode), as used in document numbers.
PROVINCE_SHORT = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


def notice_prefix(region_code: str, region_name: str, level: str, department: str) -> str:
    """A short 发文字号 prefix: region short name + department short name + 督 (e.g. 秦应急督)."""
    if level == "province" and region_code[:2] in PROVINCE_SHORT:
        place = PROVINCE_SHORT[region_code[:2]]
    elif level == "county":
        # 海港区 → 海港, 青龙满族自治县 → 青龙: two characters keep counties of one city apart.
        place = region_name[:2]
    else:
        place = region_name[:1]
    if "应急" in department:
        dept = "应急"
    elif "安委" in department:
        dept = "安委"
    else:
        # The department name without the region's own name, first two characters.
        dept = department.replace(region_name, "")[:2] or "安"
    return f"{place}{dept}督"


def format_number(prefix: str, year: int, no: int) -> str:
    return f"{prefix}〔{year}〕{no}号"


def sequence_key(region_code: str, prefix: str) -> str:
    """One sequence per region and prefix, so (issuing region, number) is unique by construction."""
    return f"{region_code}:{prefix}"


def next_number(session: Session, key: str, year: int) -> int:
    """The next number of this department's sequence for the year (atomic on both databases)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NoticeSequence).values(sequence_key=key, year=year, last_no=0).on_conflict_do_nothing()
    )
    return int(
        session.execute(
            update(NoticeSequence)
            .where(NoticeSequence.sequence_key == key, NoticeSequence.year == year)
            .values(last_no=NoticeSequence.last_no + 1)
            .returning(NoticeSequence.last_no)
        ).scalar_one()
    )
