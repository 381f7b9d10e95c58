"""`python -m questionnaires check [PATH...]`: check questionnaire files with no app, database or settings.

This works while a malformed file stops the app (and so `flask questionnaires check`) from starting."""

from __future__ import annotations

import sys

from questionnaires.loader import DIRECTORY, check_report

USAGE = "usage: python -m questionnaires check [PATH...]   (default: every *.yaml in questionnaires/)"


def main(arguments: list[str]) -> int:
    """Print every problem of the files named (or of the shipped folder); 1 when there is one, 2 on bad usage."""
    if not arguments or arguments[0] != "check":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        lines, failed = check_report(arguments[1:], DIRECTORY)
    except FileNotFoundError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
