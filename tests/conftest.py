"""Shared fixtures: the small real policy tree the core tests use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import kb

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
DOS = date(2026, 3, 2)


@pytest.fixture(scope="session")
def mini() -> kb.KnowledgeBase:
    """The mini tree (medicare + commercial-cpt-midpoint), compiled once."""
    return kb.load(MINI)


@pytest.fixture(scope="session")
def medicare(mini: kb.KnowledgeBase) -> kb.PayerView:
    return mini.payer("medicare", as_of=DOS)
