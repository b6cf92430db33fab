"""Learn: the guides library, its search, and reading progress."""
