"""Pure modules must import without Flask, so they can be tested and reused alone."""

import subprocess
import sys

import pytest

PURE_MODULES = [
    "portal.config", "portal.guides.loader", "portal.guides.search", "portal.practice.catalog",
    "portal.jobs.posting", "portal.jobs.config", "portal.jobs.fetch", "portal.jobs.normalise",
    "portal.jobs.relevance", "portal.jobs.flags", "portal.jobs.dedup", "portal.jobs.sources.registry",
    "portal.jobs.sources.common", "portal.jobs.sources.greenhouse", "portal.jobs.sources.lever",
    "portal.jobs.sources.ashby", "portal.jobs.sources.workable", "portal.jobs.sources.recruitee",
    "portal.jobs.sources.rss", "portal.jobs.sources.remotive", "portal.jobs.sources.jsonld",
    "portal.setup.speedtest", "portal.setup.readiness",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_does_not_import_flask(module):
    code = f"import sys, {module}; sys.exit(1 if 'flask' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"{module} pulled in Flask: {result.stderr}"
