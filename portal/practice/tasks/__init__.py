"""Task types: pure generators, validators, scorers and feedback (no Flask, no database)."""
