"""统一社会信用代码 (GB 32100-2015): normalisation and the check digit."""

import unicodedata

# GB 32100-2015 代码字符集: digits and capitals without I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def check_digit(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(raw: str) -> tuple[str, list[str]]:
    """Make safe corrections (full-width → half-width, lower → upper case, blanks) and say which."""
    notes: list[str] = []
    text = raw.strip()
    half = unicodedata.normalize("NFKC", text)
    if half != text:
        notes.append("已将全角字符转换为半角")
    no_space = "".join(half.split())
    if no_space != half:
        notes.append("已去除空格")
    upper = no_space.upper()
    if upper != no_space:
        notes.append("已将小写字母转换为大写")
    return upper, notes


def validate(raw: str) -> tuple[str, list[str]]:
    """Return the normalised code and the corrections made, or raise ValueError with a Chinese reason."""
    code, notes = normalise(raw)
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise ValueError(f"统一社会信用代码含非法字符：{''.join(bad)}（不使用 I、O、Z、S、V）")
    expected = check_digit(code[:17])
    if code[17] != expected:
        raise ValueError(f"统一社会信用代码校验位错误：第18位应为 {expected}，实际为 {code[17]}")
    return code, notes
