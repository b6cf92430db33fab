"""Jobs: an aggregator of real annotation openings, de-duplicated and checked for scam signs."""
