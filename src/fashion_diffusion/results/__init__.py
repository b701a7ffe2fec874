"""What each study concludes, as typed, frozen records: the numbers and the verdicts drawn from them.

A study's stage builds one of these (`studies/`), writes it as JSON under reports/metrics/, and the
report (`report/`) reads it back by type and only formats it. Nothing here computes: the classes
hold values and say what they mean.
"""
