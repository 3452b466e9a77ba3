"""督办通知书 numbers: 秦应急督〔2026〕3号 — a department prefix, the year and a per-department sequence.

The counter itself is app/documents/numbering.py (one per issuing region, prefix and year, shared by
every 文书); this module only makes the 督办 prefix.
"""

from app.documents import numbering as documents_numbering

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


# The counter and the number format are the documents module's, shared by every 文书 (no fork here).
format_number = documents_numbering.format_number
sequence_key = documents_numbering.sequence_key
next_number = documents_numbering.next_number
