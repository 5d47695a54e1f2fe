"""法人番号: 13 digits, the first a check digit = 9 − (Σ P_n·Q_n mod 9) over the 12-digit base,
P_n the n-th digit from the right, Q_n = 1 for odd n and 2 for even n (法人番号の指定等に関する省令 第2条)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.domain.corporate_number import check_digit, validate

BASES = st.text(alphabet="0123456789", min_size=12, max_size=12)


# Worked by hand (digits of the base read from the right, weights 1,2,1,2,…):
#   1180301018771 (トヨタ自動車): base 180301018771 → 1·1+7·2+7·1+8·2+1·1+0·2+1·1+0·2+3·1+0·2+8·1+1·2
#                 = 53; 53 mod 9 = 8; 9 − 8 = 1 ✓
#   7010001008844: base 010001008844 → 4+8+8+16+0+0+1+0+0+0+1+0 = 38; 38 mod 9 = 2; 9 − 2 = 7 ✓
#   7000012050002 (国税庁): base 000012050002 → 2+0+0+0+5+0+2+2+0+0+0+0 = 11; 11 mod 9 = 2; 7 ✓
#   9180301018772: base 180301018772 → 53 − 1 + 2 = 54; 54 mod 9 = 0; 9 − 0 = 9 ✓ (the digit 9 case)
VALID = ["1180301018771", "7010001008844", "7000012050002", "9180301018772"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass_and_come_back_normalised(number: str) -> None:
    assert validate(number) == number


@pytest.mark.parametrize(("base", "expected"), [(n[1:], int(n[0])) for n in VALID])
def test_check_digit_of_the_hand_worked_bases(base: str, expected: int) -> None:
    assert check_digit(base) == expected


@pytest.mark.parametrize(
    ("number", "expected", "got"),
    [
        ("2180301018771", 1, 2),
        ("1180301018772", 9, 1),  # last digit changed: the base's check digit becomes 9
        ("7010001008845", 6, 7),  # 38 − 4 + 5 = 39; 39 mod 9 = 3; 9 − 3 = 6
        ("0000012050002", 7, 0),
    ],
)
def test_wrong_check_digit_is_rejected_naming_both_digits(number: str, expected: int, got: int) -> None:
    with pytest.raises(ValueError) as info:
        validate(number)
    message = str(info.value)
    assert "check digit" in message
    assert f"expected {expected}" in message
    assert f"got {got}" in message


def test_full_width_and_hyphenated_numbers_read_as_typed_in_offices() -> None:
    assert validate("１１８０３０１０１８７７１") == "1180301018771"
    assert validate("1-1803-0101-8771") == validate("１－１８０３－０１０１－８７７１") == "1180301018771"


@pytest.mark.parametrize(
    "number",
    [
        "180301018771",  # 12 digits
        "11803010187710",  # 14 digits
        "",
        "118030101877a",
        "1180301O18771",  # letter O for zero
        "1180301018771１",  # 14 digits once NFKC makes the full-width one ASCII
        "١١٨٠٣٠١٠١٨٧٧١",  # Arabic-Indic digits: only ASCII digits count
        "118030101877.1",
        "+180301018771",
    ],
)
def test_malformed_numbers_are_rejected(number: str) -> None:
    with pytest.raises(ValueError) as info:
        validate(number)
    assert "13 digits" in str(info.value)


@pytest.mark.parametrize("base", ["", "18030101877", "1803010187711", "18030101877a"])
def test_check_digit_needs_a_12_digit_base(base: str) -> None:
    with pytest.raises(ValueError):
        check_digit(base)


@given(BASES)
def test_check_digit_satisfies_the_weighted_sum_rule(base: str) -> None:
    # independent formulation: the base's digit i (0-based, from the left) sits at position 12 − i
    # from the right, so its weight is 2 when i is even and 1 when i is odd
    total = sum(int(ch) * (2 if i % 2 == 0 else 1) for i, ch in enumerate(base))
    digit = check_digit(base)
    assert 1 <= digit <= 9
    assert (total + digit) % 9 == 0


@given(BASES)
def test_only_the_check_digit_prefix_validates(base: str) -> None:
    digit = check_digit(base)
    assert validate(f"{digit}{base}") == f"{digit}{base}"
    for other in range(10):
        if other == digit:
            continue
        with pytest.raises(ValueError):
            validate(f"{other}{base}")
