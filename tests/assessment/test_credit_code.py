"""GB 32100-2015's check character, on codes of real enterprises as printed on their business licences."""

from __future__ import annotations

import pytest

from assessment.credit_code import WEIGHTS, check_character, credit_code_problem, is_valid, normalise

# Published codes (business licences shown on the companies' own sites and in the national enterprise credit
# information system): Huawei Technologies, Alibaba (China), Tencent (Shenzhen), and the standard's own example.
REAL = ["914403001922038216", "91330100716105852F", "9144030071526726XG", "91350100M000100Y43"]


def test_the_weights_are_powers_of_three_modulo_31():
    # 3^0..3^16 mod 31: 1, 3, 9, 27, 81-62=19, 57-31=26, 78-62=16, 48-31=17, 51-31=20, 60-31=29, 87-62=25, ...
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code):
    assert is_valid(code) and credit_code_problem(code) is None


def test_the_check_character_by_hand():
    # 91350100M000100Y4: 9·1 + 1·3 + 3·9 + 5·27 + 0 + 1·26 + 0 + 0 + M(21)·20 + 0 + 0 + 0 + 1·8 + 0 + 0 + Y(30)·30
    # + 4·28 = 9+3+27+135+26+420+8+900+112 = 1640; 1640 mod 31 = 28 (31·52 = 1612); 31 - 28 = 3.
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(("code", "words"), [
    ("914403001922038217", "check character (the last) should be 6"),  # the last digit mistyped
    ("914403001922083216", "should be"),  # two digits swapped
    ("91440300192203821", "has 17 characters"),
    ("91440300I92203821G", "holds I"),
    ("9144O300192203821G", "holds O"),
    ("91A40300192203821G", "six digits of a region code"),
])
def test_mistyped_codes_are_refused_with_the_reason(code, words):
    assert words in credit_code_problem(code)


def test_codes_are_read_as_written_on_a_licence():
    assert normalise(" 9133 0100 7161 0585 2f ") == "91330100716105852F"
