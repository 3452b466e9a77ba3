"""A separate scheduler process for the exactly-once tests.

python -m tests.scheduler.worker DB_URL MODE WORKERS [FROZEN_ISO]
MODE tick: the frozen clock says a daily job is due; run whatever is due (as a scheduler would).
MODE manual: run the job by hand now (different due times: only the per-job lock keeps them apart).
WORKERS: how many workers the test started. Each prints "ready" once it has imported the app and
waits for "go" on stdin, so all of them start together however slow the machine is. Last line out:
JSON [[status, ran_here], …] of the runs this worker's call returned.
"""

import json
import os
import sys
import time
from datetime import datetime
from typing import Any

JOB = "test.side_effect"
DEADLINE_SECONDS = 60


def main() -> None:
    url, mode, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.environ["SHUANGKONG_DATABASE_URL"] = url
    os.environ.setdefault("SHUANGKONG_MODE", "test")
    from sqlalchemy import func, select

    import app.models  # noqa: F401
    from app import timeutil
    from app.audit import service as audit
    from app.auth.principal import SYSTEM
    from app.db import session_scope
    from app.scheduler import registry, runner
    from app.scheduler.models import JobRun

    def others_skipped() -> bool:
        with session_scope() as s:
            stmt = select(func.count()).where(JobRun.job_name == JOB, JobRun.status == "skipped")
            return s.scalar(stmt) == workers - 1

    def side_effect(session: Any, ctx: registry.RunContext) -> dict[str, Any]:
        start = time.monotonic()  # one clock for every process on the machine, never set back
        audit.record(session, SYSTEM, "side_effect", "test", os.getpid())
        session.flush()
        if mode == "manual" and url.startswith("postgresql"):
            # Hold the job's advisory lock until every other worker has tried to take it and recorded
            # a skip, however late it arrives. (SQLite's other workers wait for this writer instead.)
            deadline = time.monotonic() + DEADLINE_SECONDS
            while not others_skipped() and time.monotonic() < deadline:
                time.sleep(0.05)
        else:
            time.sleep(0.5)  # lets the other workers arrive while this one runs; nothing depends on it
        return {"pid": os.getpid(), "start": start, "end": time.monotonic()}

    registry.register(JOB, side_effect, trigger="0 1 * * *", description="exactly-once test")
    if mode == "tick":
        timeutil.freeze(datetime.fromisoformat(sys.argv[4]))
    print("ready", flush=True)
    sys.stdin.readline()
    runs = runner.tick(names=[JOB]) if mode == "tick" else [runner.run_job(JOB)]
    print(json.dumps([[r.status, r.ran_here] for r in runs]))


if __name__ == "__main__":
    main()
