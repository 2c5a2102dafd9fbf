"""Where the web workers and the speech workers meet in Redis, and how long things live there."""

from __future__ import annotations

from typing import Final

STREAM: Final = "bot:speech:jobs"  # the jobs, bounded with MAXLEN ~
GROUP: Final = "speech-workers"  # one consumer group: each job goes to one worker
WORKERS: Final = "bot:speech:workers"  # sorted set: worker slot -> time of its last heartbeat
SECONDS: Final = "bot:speech:seconds"  # hash: recent mean seconds per job ("any", "recognise-rtf", "synthesise")
COUNTS: Final = "bot:speech:counts"  # hash: jobs done, done twice (never stored twice), expired, failed
MAXLEN: Final = 1000  # about this many jobs are kept (trimmed approximately, whole nodes at a time)
HEARTBEAT_SECONDS: Final = 1.0
ALIVE_SECONDS: Final = 5.0  # a worker slot not heard from for this long is not counted as live
FORGET_SECONDS: Final = 300.0  # and after this long it is removed from the set


def result_key(job_id: str) -> str:
    """A list holding the sealed result until the web worker takes it (or it expires)."""
    return f"bot:speech:result:{job_id}"


def done_key(job_id: str) -> str:
    """Set once, by the first worker to finish the job: a second finish stores nothing."""
    return f"bot:speech:done:{job_id}"
