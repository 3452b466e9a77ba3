from collections.abc import Iterator
from datetime import datetime

import pytest

from app.timeutil import SHANGHAI, freeze, unfreeze


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Monday 2 March 2026, inside the holiday calendar's data.
    freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    yield
    unfreeze()
