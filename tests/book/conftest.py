"""Fixtures for the tests of the built book: they need ``_build/html`` (``make book``)."""

import pytest
from sitecheck import SITE


@pytest.fixture(scope="session")
def site():
    """The built site; the tests skip when it was not built (``make test`` builds it)."""
    if not (SITE / "index.html").is_file():
        pytest.skip(f"{SITE} does not exist: build the book first ('make book'; 'make test' does)")
    return SITE
