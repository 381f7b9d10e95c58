"""Questionnaire files and the code that reads, checks and exports them."""
