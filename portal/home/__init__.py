"""The home page, the health check and robots.txt."""
