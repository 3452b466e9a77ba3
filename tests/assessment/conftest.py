from collections.abc import Iterator
from datetime import datetime

import pytest

from app.timeutil import SHANGHAI, freeze, unfreeze


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Thursday 5 March 2026: the scorecards below are for February 2026 (and January as the period before).
    freeze(datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI))
    yield
    unfreeze()
