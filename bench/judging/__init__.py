"""Measurements of the evaluators' verdicts (what they pay for), not of speed."""
