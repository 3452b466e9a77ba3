"""A separate scheduler process for the exactly-once tests.

python -m tests.scheduler.worker DB_URL MODE GO_AT [FROZEN_ISO]
MODE tick: the frozen clock says a daily job is due; run whatever is due (as a scheduler would).
MODE manual: run the job by hand now (different due times: only the per-job lock keeps them apart).
GO_AT: a time.time() value at which all workers start together.
"""

import json
import os
import sys
import time
from datetime import datetime
from typing import Any

JOB = "test.side_effect"


def main() -> None:
    url, mode, go_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    os.environ["SHUANGKONG_DATABASE_URL"] = url
    os.environ.setdefault("SHUANGKONG_MODE", "test")
    import app.models  # noqa: F401
    from app import timeutil
    from app.audit import service as audit
    from app.auth.principal import SYSTEM
    from app.scheduler import registry, runner

    def side_effect(session: Any, ctx: registry.RunContext) -> dict[str, Any]:
        start = time.time()
        audit.record(session, SYSTEM, "side_effect", "test", os.getpid())
        session.flush()
        time.sleep(0.8)  # long enough for the other workers to arrive while this one runs
        return {"pid": os.getpid(), "start": start, "end": time.time()}

    registry.register(JOB, side_effect, trigger="0 1 * * *", description="exactly-once test")
    if mode == "tick":
        timeutil.freeze(datetime.fromisoformat(sys.argv[4]))
    while time.time() < go_at:
        time.sleep(0.002)
    runs = runner.tick(names=[JOB]) if mode == "tick" else [runner.run_job(JOB)]
    print(json.dumps([r.status for r in runs]))


if __name__ == "__main__":
    main()
