"""Setup check: a speed test, a workspace checklist and a readiness report for remote work."""
