"""Assessments collected offline, imported from CSV or XLSX files: one row per enterprise, one column per question."""
