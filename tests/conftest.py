"""Suite-wide settings."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tests (real compilations, minutes each) first.

    With pytest-xdist's work stealing (``--dist worksteal``, as ``make test`` runs it) the
    workers start on the long tests and share out the many short ones, instead of one
    worker ending the run alone on long tests queued to it. The order within each group is
    the collection order, the same on every worker.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
