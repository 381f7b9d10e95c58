"""The limits of an enterprise's profile, one definition for the table, the form, the API and the imports."""

from __future__ import annotations

NAME_MAX_LENGTH = 200
EMPLOYEES_MAX = 5_000_000
REVENUE_MAX = 10_000_000.0  # million yuan a year
