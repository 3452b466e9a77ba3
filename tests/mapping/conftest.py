from collections.abc import Iterator

import pytest

from app.regions import lookup


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    lookup.invalidate()
    yield
    lookup.invalidate()
