"""Bounded fuzzing of every operation (schemathesis): no 5xx and responses that match the OpenAPI document.

Runs on a fresh migrated SQLite database, as an admin and as an enterprise user, a few examples per operation.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session, sessionmaker

from app.attachments.config import get_attachment_settings
from app.db import get_read_session, get_session, make_engine
from app.main import create_app
from tests.conftest import alembic_config
from tests.factories import PASSWORD, make_enterprise, make_tree, make_user


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    from alembic import command

    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        make_tree(s)
        ent = make_enterprise(s)
        names = {"admin": make_user(s, "admin").username}
        names["enterprise"] = make_user(s, "enterprise", enterprise_id=ent.id).username
        s.commit()
    app = create_app()

    def _session() -> Iterator[Session]:
        with factory() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_read_session] = _session
    settings_ = get_attachment_settings()
    old_dir, settings_.uploads_dir = settings_.uploads_dir, folder / "uploads"
    tokens = {}
    with TestClient(app) as client:
        for role, name in names.items():
            res = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            tokens[role] = res.json()["access_token"]
    yield app, tokens
    settings_.uploads_dir = old_dir
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: tuple[Any, dict[str, str]]) -> Any:
    # Logging out would end the fuzzing session's token.
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app[0]).exclude(path="/api/auth/logout")


FUZZ = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("role", ["admin", "enterprise"])
def test_every_operation_without_server_error(api_schema: Any, fuzz_app: Any, role: str) -> None:
    headers = {"Authorization": f"Bearer {fuzz_app[1][role]}"}
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
