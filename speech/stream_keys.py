"""Where the web workers and the speech workers meet in Redis, and how long things live there."""

from __future__ import annotations

from typing import Final

# One stream per kind, so that a recognition (the resident waits for the reply) never queues behind spoken
# answers (the text has gone already); workers take recognitions first. Each is bounded with MAXLEN ~.
RECOGNITION_STREAM: Final = "bot:speech:recognise"
SYNTHESIS_STREAM: Final = "bot:speech:synthesise"
# The single stream of both kinds used before, still drained (after the other two) so that jobs added by
# web workers not yet upgraded are done during a rolling upgrade; nothing new is added to it.
LEGACY_STREAM: Final = "bot:speech:jobs"
STREAMS: Final = (RECOGNITION_STREAM, SYNTHESIS_STREAM, LEGACY_STREAM)  # in the order workers serve them
GROUP: Final = "speech-workers"  # one consumer group per stream: each job goes to one worker
WORKERS: Final = "bot:speech:workers"  # sorted set: worker slot -> time of its last heartbeat
SECONDS: Final = "bot:speech:seconds"  # hash: recent mean seconds per job ("recognise", "synthesise", "recognise-rtf")
COUNTS: Final = "bot:speech:counts"  # hash: jobs done, done twice (never stored twice), expired, failed
MAXLEN: Final = 1000  # about this many jobs are kept per stream (trimmed approximately, whole nodes at a time)
HEARTBEAT_SECONDS: Final = 1.0
ALIVE_SECONDS: Final = 5.0  # a worker slot not heard from for this long is not counted as live
FORGET_SECONDS: Final = 300.0  # and after this long it is removed from the set


def stream_of(kind: str) -> str:
    """The stream a job of this kind is added to."""
    return RECOGNITION_STREAM if kind == "recognise" else SYNTHESIS_STREAM


def result_key(job_id: str) -> str:
    """A list holding the sealed result until the web worker takes it (or it expires)."""
    return f"bot:speech:result:{job_id}"


def done_key(job_id: str) -> str:
    """Set once, by the first worker to finish the job: a second finish stores nothing."""
    return f"bot:speech:done:{job_id}"
