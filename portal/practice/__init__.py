"""Practice: graded annotation exercises (the engine arrives with the practice issue)."""
