"""README "Production on PostgreSQL", run as written: every ```bash block of the section, in order, as
subprocesses on a fresh PostgreSQL database; `shuangkong serve` and `shuangkong scheduler` are started as the
long-running processes they are. Then the first calls of each role's journey over HTTP, a backup and a
restore whose copy holds the same rows and files, and the upgrade step.

Only names that would touch a real deployment are changed: the database, the role, the two folders under
/var and the port (and the PostgreSQL address when SHUANGKONG_TEST_PG points elsewhere)."""

import io
import os
import re
import shlex
import socket
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from PIL import Image
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_DSN

ROOT = Path(__file__).resolve().parent.parent
LONG_RUNNING = ("shuangkong serve", "shuangkong scheduler")


def readme_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production on PostgreSQL", 1)[1].split("\n## ", 1)[0]
    return [textwrap.dedent(b) for b in re.findall(r"^ *```bash\n(.*?)^ *```", section, re.S | re.M)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_readme_walkthrough_has_the_steps_the_issue_names() -> None:
    text = "\n".join(readme_blocks())
    for step in (
        "createdb",
        "SHUANGKONG_SECRET_KEY",
        "SHUANGKONG_DATA_DIR",
        "shuangkong db upgrade",
        "shuangkong regions import",
        "--crs gcj02",
        "shuangkong enterprises import",
        "--role inspector",
        "--role township",
        "--role enterprise",
        "shuangkong serve",
        "--workers",
        "shuangkong scheduler",
        "pg_dump",
        "pg_restore",
        "tar -czf",
    ):
        assert step in text, step
    # Boundaries before enterprises, enterprises before the users bound to them.
    assert text.index("regions import") < text.index("enterprises import") < text.index("users create")


class Walk:
    """Runs README blocks one after another, carrying the environment the blocks export."""

    def __init__(self, tmp: Path, replacements: dict[str, str]) -> None:
        self.tmp = tmp
        self.replacements = replacements
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SHUANGKONG_")}
        self.background: list[tuple[str, subprocess.Popen[str], Path]] = []
        self.outputs: list[str] = []

    def adapt(self, block: str) -> str:
        for old, new in self.replacements.items():
            block = block.replace(old, new)
        return block

    def run(self, block: str) -> None:
        lines = [line for line in self.adapt(block).splitlines() if line.strip()]
        now = [line for line in lines if not line.startswith(LONG_RUNNING)]
        later = [line for line in lines if line.startswith(LONG_RUNNING)]
        if now:
            env_file = self.tmp / "env"
            script = "set -euo pipefail\n" + "\n".join(now) + f"\nenv -0 > {shlex.quote(str(env_file))}\n"
            res = subprocess.run(
                ["bash", "-c", script], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
            )
            self.outputs.append(res.stdout + res.stderr)
            assert "Traceback" not in res.stderr, res.stderr
            assert res.returncode == 0, f"{script}\n{res.stdout}\n{res.stderr}"
            pairs = env_file.read_text(encoding="utf-8").split("\0")
            self.env = dict(p.split("=", 1) for p in pairs if "=" in p)
        for line in later:
            log = self.tmp / f"{len(self.background)}.log"
            with log.open("w") as out:
                proc = subprocess.Popen(
                    ["bash", "-c", f"exec {line}"], cwd=ROOT, env=self.env, stdout=out, stderr=out, text=True
                )
            self.background.append((line, proc, log))

    def wait_for(self, index: int, ready: str, timeout: float = 90) -> None:
        line, proc, log = self.background[index]
        deadline = time.monotonic() + timeout
        while ready not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None, f"{line} exited:\n{log.read_text(encoding='utf-8')}"
            assert time.monotonic() < deadline, f"{line} not ready:\n{log.read_text(encoding='utf-8')}"
            time.sleep(0.3)

    def stop_background(self) -> None:
        for line, proc, log in self.background:
            proc.terminate()
            proc.wait(timeout=60)
            output = log.read_text(encoding="utf-8")
            assert "Traceback" not in output, f"{line}:\n{output}"
        self.background = []


def _rows(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        return {
            table: conn.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
            for table in ("regions", "enterprises", "users", "hazards", "attachments", "audit_log")
        }


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _login(base: str, username: str, password: str) -> dict[str, str]:
    res = httpx.post(f"{base}/api/auth/login", json={"username": username, "password": password}, timeout=30)
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def test_production_walkthrough_as_written(pg_url: str, tmp_path: Path) -> None:
    pg = make_url(PG_ADMIN_DSN)
    host, port, user = pg.host or "127.0.0.1", str(pg.port or 5432), pg.username or "postgres"
    tag = f"sk_walk_{uuid.uuid4().hex[:8]}"
    db, restored, role = tag, f"{tag}_restored", f"{tag}_app"
    http_port = free_port()
    data, backups = tmp_path / "data", tmp_path / "backups"
    walk = Walk(
        tmp_path,
        {
            "shuangkong_restored": restored,
            "shuangkong_prod": db,
            "shuangkong_app": role,
            "/var/lib/shuangkong-restored": str(tmp_path / "data-restored"),
            "/var/lib/shuangkong": str(data),
            "/var/backups/shuangkong": str(backups),
            "--port 8000": f"--port {http_port}",
            "--host 127.0.0.1 --username postgres": f"--host {host} --port {port} --username {user}",
            "@127.0.0.1:5432/": f"@{host}:{port}/",
        },
    )
    blocks = readme_blocks()
    admin = f"postgresql://{user}@{host}:{port}/postgres"
    try:
        # Steps 1–7: install, database, settings, tables, boundaries, enterprises, users.
        for block in blocks[:7]:
            walk.run(block)
        assert "(head)" in walk.outputs[3]
        assert walk.env["SHUANGKONG_DATA_DIR"] == str(data)
        assert len(walk.env["SHUANGKONG_SECRET_KEY"]) >= 32

        # Steps 8–9: the server with two workers and the scheduler, each its own process.
        walk.run(blocks[7])
        walk.run(blocks[8])
        walk.wait_for(0, "Application startup complete")
        walk.wait_for(1, "scheduler starting")
        base = f"http://127.0.0.1:{http_port}"

        # 企业用户: reports a hazard with a photo and sees it in its own register.
        ent = _login(base, "enterprise1", "Enterprise-Passw0rd-2026")
        png = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(png, format="PNG")
        photo = httpx.post(
            f"{base}/api/attachments", files={"file": ("现场.png", png.getvalue(), "image/png")}, headers=ent
        )
        assert photo.status_code == 201, photo.text
        hazard = httpx.post(
            f"{base}/api/hazards",
            json={
                "source": "routine",
                "description": "二号车间配电箱门未关闭，柜内线缆裸露",
                "place": "二号车间",
                "category": "site",
                "photos": [photo.json()["id"]],
            },
            headers=ent,
        )
        assert hazard.status_code == 201, hazard.text
        own = httpx.get(f"{base}/api/hazards", headers=ent).json()["items"]
        assert [h["id"] for h in own] == [hazard.json()["id"]]
        assert [e["name"] for e in httpx.get(f"{base}/api/enterprises", headers=ent).json()["items"]] == [
            "秦皇岛示例机械制造有限公司（示例）"
        ]

        # 监管人员 of the city: every imported enterprise, and the new hazard in the ledger.
        insp = _login(base, "inspector1", "Inspector-Passw0rd-2026")
        assert len(httpx.get(f"{base}/api/enterprises", headers=insp).json()["items"]) == 4
        ledger = httpx.get(f"{base}/api/hazards", headers=insp).json()["items"]
        assert hazard.json()["id"] in [h["id"] for h in ledger]

        # 乡镇用户 of 海港区: only its area, and its four-colour map served from this service.
        town = _login(base, "township1", "Township-Passw0rd-2026")
        assert len(httpx.get(f"{base}/api/enterprises", headers=town).json()["items"]) == 1
        page = httpx.get(f"{base}/maps/region/130302/map.html", headers=town)
        assert page.status_code == 200 and "海港区" in page.text

        # 管理员: the four users of step 7.
        users = httpx.get(f"{base}/api/users", headers=_login(base, "admin1", "Admin-Passw0rd-2026")).json()
        assert {u["username"] for u in users} == {"admin1", "inspector1", "township1", "enterprise1"}

        # The scheduler's first start runs every job once (catch-up); all of them succeed.
        walk.wait_for(1, "catch-up ran")
        catch_up = walk.background[1][2].read_text(encoding="utf-8")
        assert "=ok" in catch_up and "=failed" not in catch_up, catch_up

        # Step 10: backup while running, restore into a second database and folder.
        walk.run(blocks[9])
        walk.run(blocks[10])
        rows = _rows(f"postgresql://{user}@{host}:{port}/{restored}")
        assert rows.pop("audit_log") >= 10  # imports, users, the upload, the hazard
        assert rows == {"regions": 8, "enterprises": 4, "users": 4, "hazards": 1, "attachments": 1}
        assert _files(tmp_path / "data-restored") == _files(data) != set()

        # Step 11: stop both processes, install, migrate.
        walk.stop_background()
        walk.run(blocks[11])
        assert "(head)" in walk.outputs[-1]
        assert len(blocks) == 12, "a new README block needs a place in this test"
    finally:
        walk.stop_background()
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (db, restored):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
