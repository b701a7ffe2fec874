"""Figures: the saving and grid helpers (`figures`) and one drawing function per figure of the pipeline
(`plots`). Stages draw with them; the report only links what they wrote."""
