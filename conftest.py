"""Standing personas and helpers shared by every test (tests/ and each app's tests/)."""

from __future__ import annotations

import pytest

from tests.factories import Personas, make_personas


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()
