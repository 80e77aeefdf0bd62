"""Analysis of runs and experiments: tables with confidence intervals, figures and the report."""
