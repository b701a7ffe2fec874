"""The assessment report: a markdown template filled with the numbers and verdicts of one run."""
