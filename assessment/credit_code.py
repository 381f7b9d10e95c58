"""The unified social credit code of an organisation (统一社会信用代码, GB 32100-2015): 18 characters whose last is a
check character computed from the other 17. Plain functions, no app."""

from __future__ import annotations

import re

# GB 32100-2015, 4.2: the code's characters are the digits and the capital letters without I, O, Z, S and V (which
# are easily taken for 1, 0, 2, 5 and U); each stands for its position in this string, 0 to 30.
CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
# GB 32100-2015, 5.2: the weight of position i (from 0) is 3^i mod 31; the check character is the one worth
# 31 - (weighted sum mod 31), 0 when that is 31.
WEIGHTS = tuple(pow(3, position, 31) for position in range(LENGTH - 1))
MODULUS = len(CHARACTERS)
# Positions 3 to 8 hold the GB/T 2260 code of the registering administration: six digits.
_SHAPE = re.compile(rf"[{CHARACTERS}]{{2}}[0-9]{{6}}[{CHARACTERS}]{{10}}")


def check_character(first17: str) -> str:
    """The check character of the first 17 characters of a code."""
    total = sum(CHARACTERS.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARACTERS[(MODULUS - total % MODULUS) % MODULUS]


def normalise(code: str) -> str:
    """A code as written on a licence: capitals, without spaces."""
    return "".join(code.split()).upper()


def credit_code_problem(code: str) -> str | None:
    """What is wrong with a unified social credit code (already normalised), or None when it is valid."""
    if len(code) != LENGTH:
        return f"has {len(code)} characters; a unified social credit code has {LENGTH}"
    wrong = sorted({char for char in code if char not in CHARACTERS})
    if wrong:
        return f"holds {', '.join(wrong)}, which no unified social credit code holds (I, O, Z, S, V are never used)"
    if not _SHAPE.fullmatch(code):
        return "characters 3 to 8 must be the six digits of a region code"
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return f"the check character (the last) should be {expected} for the 17 before it: a character is mistyped"
    return None


def is_valid(code: str) -> bool:
    """Whether a (normalised) code passes GB 32100-2015's shape and check character."""
    return credit_code_problem(code) is None
