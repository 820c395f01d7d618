"""Analyses built on :func:`jbp_analysis.estimate.impact`: balance, attrition, DiD tables, heterogeneity, dynamics and cost-effectiveness."""
