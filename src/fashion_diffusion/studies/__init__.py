"""One module per study: each answers one question of the report for one stage, built on `evaluation`."""
