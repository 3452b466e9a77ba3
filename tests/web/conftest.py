import pytest

from tests.factories import make_tree
from tests.web.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    make_tree(db)
    return make_world(db, "1375", "w")
