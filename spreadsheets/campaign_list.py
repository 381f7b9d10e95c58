"""A campaign's list of enterprises, from CSV or XLSX: one row per enterprise with its name, unified social credit
code, region, industry division, size class and contact e-mail. Every bad cell is named by row, column and reason,
and the list is taken whole or not at all: a campaign's list is a population, and a list missing some of its rows
would give response rates of the wrong population (and leave the owner to find which rows to send again).

Lists are not imports of assessments: they are long and narrow, so they have their own limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from assessment.classifications import load_industries, load_regions
from assessment.credit_code import credit_code_problem, normalise
from assessment.profile import NAME_MAX_LENGTH
from questionnaires.vocabulary import SIZES
from spreadsheets.cells import cell_code, cell_text, is_filled
from spreadsheets.reading import Limits, Problem, UnusableFile, read_table
from storage.access import within_jurisdiction
from storage.accounts import EMAIL, normalise_email
from storage.campaigns import ListedEnterprise

COLUMNS = ("name", "credit_code", "region_code", "industry_code", "size_class", "email")
MAX_LIST_ROWS = 50_000  # enterprises on one list: a province's manufacturers above the statistical threshold
MAX_LIST_CELLS = 1_000_000  # cells read, blank ones included: 50,000 rows of 6 columns with room for a few more
LIST_READ_SECONDS = 120  # reading and checking a list stops after this long (50,000 XLSX rows take about 10 s)
MAX_LIST_UNPACKED_BYTES = 64 * 1024 * 1024  # a 50,000-row workbook unpacks to about 21 MB
MAX_LIST_BYTES = 16 * 1024 * 1024  # an uploaded list: 50,000 rows of CSV are about 6 MB
LIST_LIMITS = Limits(MAX_LIST_ROWS, MAX_LIST_CELLS, LIST_READ_SECONDS, MAX_LIST_UNPACKED_BYTES, "enterprises")
MAX_PROBLEMS = 1000  # problems kept for the page: beyond them the count is enough to say the file needs work


@dataclass
class MemberList:
    """What a list holds: the rows to add when there is no problem, and every problem found."""

    rows: list[ListedEnterprise] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # found beyond MAX_PROBLEMS
    stopped: bool = False  # the file as a whole could not be used

    @property
    def ok(self) -> bool:
        """Whether the whole list can be added."""
        return bool(self.rows) and not self.problems and not self.stopped


def read_member_list(data: bytes, filename: str, *, jurisdiction: str | None, known_codes: set[str] = frozenset(),
                     known_emails: set[str] = frozenset()) -> MemberList:  # fmt: skip
    """Read and check a list; `jurisdiction`: the region every enterprise must lie in (None: anywhere), `known_*`:
    what the campaign's list already holds."""
    result = MemberList()
    try:
        _fmt, table = read_table(data, filename, LIST_LIMITS)
        header = next(table, None)
        if header is None or not any(is_filled(value) for value in header[1]):
            raise UnusableFile(Problem(1, "", "the file is empty; row 1 must name the columns: " + ", ".join(COLUMNS)))
        positions = _positions(header[1])
        _check_rows(table, positions, result, jurisdiction, set(known_codes), set(known_emails))
    except UnusableFile as error:
        result.stopped = True
        result.problems = sorted(error.problems)
        result.rows = []
    if not result.problems and not result.rows:
        result.problems.append(Problem(0, "", "the file lists no enterprise below its header"))
    return result


def _positions(header: list) -> dict[str, int]:
    """Where each column is, read from the header; `UnusableFile` naming every column missing or repeated."""
    names = [cell_text(value).strip().lower() for value in header]
    problems = [Problem(1, column, "the column is missing from row 1") for column in COLUMNS if column not in names]
    problems += [Problem(1, name, "the column appears twice", get_column_letter(index + 1))
                 for index, name in enumerate(names) if name in COLUMNS and names.index(name) != index]
    if problems:
        raise UnusableFile(*problems)
    return {column: names.index(column) for column in COLUMNS}


def _check_rows(table: Iterator[tuple[int, list]], positions: dict[str, int], result: MemberList,
                jurisdiction: str | None, codes: set[str], emails: set[str]) -> None:  # fmt: skip
    regions, industries = load_regions(), load_industries()
    code_rows: dict[str, int] = {}
    email_rows: dict[str, int] = {}
    for number, values in table:
        if not any(map(is_filled, values)):
            continue
        cells = {column: values[index] if index < len(values) else None for column, index in positions.items()}
        problems: list[tuple[str, str]] = []
        name = cell_text(cells["name"])
        if not name:
            problems.append(("name", "the enterprise's name is empty"))
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(("name", f"the name is longer than {NAME_MAX_LENGTH} characters"))
        code = normalise(cell_text(cells["credit_code"]))
        reason = credit_code_problem(code) if code else "the unified social credit code is empty"
        if reason is None and code in codes:
            reason = "this credit code is already on the campaign's list"
        elif reason is None and code in code_rows:
            reason = f"the same credit code as row {code_rows[code]}"
        if reason:
            problems.append(("credit_code", reason))
        region = cell_code(cells["region_code"])
        if region not in regions or region == regions.country.code:
            problems.append(("region_code", f"unknown region code {region!r}; use a GB/T 2260 province or city code"
                             if region else "the region code is empty"))
        elif not within_jurisdiction(region, jurisdiction):
            problems.append(("region_code", f"{region} ({regions.get(region).name_en}) lies outside your "
                                            f"jurisdiction ({jurisdiction})"))
        industry = cell_code(cells["industry_code"])
        if industry not in industries:
            problems.append(("industry_code", f"unknown industry division {industry!r}; use a GB/T 4754 "
                                              "manufacturing division, 13 to 43"))
        size = cell_text(cells["size_class"]).lower()
        if size not in SIZES:
            problems.append(("size_class", f"{size!r} is not a size class; use one of {', '.join(SIZES)}"))
        email = normalise_email(cell_text(cells["email"]))
        if not EMAIL.match(email) or len(email) > 254:
            problems.append(("email", f"{email!r} is not an e-mail address" if email else "the e-mail is empty"))
        elif email in emails:
            problems.append(("email", "this address is already on the campaign's list"))
        elif email in email_rows:
            problems.append(("email", f"the same address as row {email_rows[email]}"))
        code_rows.setdefault(code, number)
        email_rows.setdefault(email, number)
        for column, reason in problems:
            _problem(result, Problem(number, column, reason, get_column_letter(positions[column] + 1)))
        if not problems and not result.problems:
            result.rows.append(ListedEnterprise(number, name, code, region, industry, industries[industry].type,
                                                size, email))  # fmt: skip
    if result.problems:
        result.rows = []


def _problem(result: MemberList, problem: Problem) -> None:
    if len(result.problems) < MAX_PROBLEMS:
        result.problems.append(problem)
    else:
        result.more_problems += 1
