"""Weighting schemes: the data model and the scoring of cases."""
