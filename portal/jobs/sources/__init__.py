"""Source adapters: one module per kind, each registering a parser of raw responses."""
