import pytest

from app.enterprises.credit_code import check_digit, validate

# Published example codes: the check digit is computed by GB 32100-2015 and so must verify.
VALID = "91350100M000100Y43"


def test_known_code_verifies():
    assert check_digit(VALID[:17]) == VALID[17]
    assert validate(VALID) == (VALID, [])


def test_wrong_check_digit_names_expected_digit():
    bad = VALID[:17] + "2"
    with pytest.raises(ValueError, match="第18位应为 3"):
        validate(bad)


def test_wrong_length():
    with pytest.raises(ValueError, match="应为18位，实际为17位"):
        validate(VALID[:17])


def test_lower_case_and_full_width_are_normalised_and_reported():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID.lower())
    code, notes = validate(f" {full_width} ")
    assert code == VALID
    assert "已将全角字符转换为半角" in notes
    assert "已将小写字母转换为大写" in notes


def test_forbidden_letters_rejected():
    with pytest.raises(ValueError, match="非法字符：O"):
        validate("91350100O000100Y43")
