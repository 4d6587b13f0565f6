"""Authorship verification of every dispatch against its series: features, methods, calibration, evaluation."""
