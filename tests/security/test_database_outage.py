"""PostgreSQL going away: 503 with Retry-After while it is gone, back to normal by itself, nothing lost."""

import contextlib
import socket
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.hazards.models import Hazard
from tests.conftest import _create_pg_database, _drop_pg_database, alembic_config
from tests.factories import PASSWORD, make_enterprise, make_tree, make_user
from tests.security.conftest import Served, free_port, serve


class TcpProxy:
    """Forwards a local port to PostgreSQL; stop() is the outage (refused connections, dropped ones)."""

    def __init__(self, port: int, upstream: tuple[str, int]):
        self.port, self.upstream = port, upstream
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self.listener.close()
            self.listener = None
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def _wait_for(check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.3)


def test_outage_answers_503_then_recovers_without_losing_acknowledged_writes(pg_url, tmp_path: Path):
    name, direct_url = _create_pg_database()
    try:
        from alembic import command

        command.upgrade(alembic_config(direct_url), "head")
        engine = make_engine(direct_url)
        direct = make_url(direct_url)
        proxy = TcpProxy(free_port(), (direct.host or "127.0.0.1", direct.port or 5432))
        proxy.start()
        proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        served = Served("", engine)
        with served.session() as s:
            make_tree(s)
            ent = make_enterprise(s, "139101001")
            make_user(s, "enterprise", username="worker", enterprise_id=ent.id)
        with serve(proxied, tmp_path) as base, httpx.Client(base_url=base, timeout=60) as c:
            token = c.post("/api/auth/login", json={"username": "worker", "password": PASSWORD})
            c.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            body = {"source": "routine", "description": "消防通道堵塞", "place": "仓库", "category": "site"}
            acknowledged = []

            def create() -> httpx.Response:
                res = c.post("/api/hazards", json=body)
                if res.status_code == 201:
                    acknowledged.append(res.json()["id"])
                return res

            assert create().status_code == 201
            proxy.stop()
            for res in (c.get("/api/hazards"), create(), c.get("/hazards")):
                assert res.status_code == 503, res.text
                assert res.headers["retry-after"].isdigit()
                assert res.json()["detail"] == "数据库暂时不可用，请稍后重试"
            proxy.start()
            _wait_for(lambda: c.get("/api/hazards").status_code == 200)
            assert create().status_code == 201
            listed = {h["id"] for h in c.get("/api/hazards").json()["items"]}
            assert set(acknowledged) <= listed and len(acknowledged) == 2
        with served.session() as s:
            assert s.scalar(select(func.count()).select_from(Hazard)) == len(acknowledged)
        proxy.stop()
        engine.dispose()
    finally:
        _drop_pg_database(name)
