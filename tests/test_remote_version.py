"""The remote index's content digest: read in the background, never waited for, kept through outages."""

from __future__ import annotations

import gevent

from app.errors import RetrievalUnavailable
from app.retrieval.remote_version import REFRESH_SECONDS, RemoteIndexVersion


def test_the_digest_is_read_in_the_background_at_most_every_refresh_period_and_kept_through_an_outage():
    now = [0.0]
    answers: list[object] = ["first", "second", RetrievalUnavailable(), None]
    reads = []

    def read() -> str | None:
        reads.append(now[0])
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    version = RemoteIndexVersion(read, timer=lambda: now[0])

    assert version.current() == ""  # never waited for: the read runs in its own greenlet
    gevent.sleep(0)
    assert version.current() == "first"
    now[0] += REFRESH_SECONDS / 2
    gevent.sleep(0)
    assert (version.current(), len(reads)) == ("first", 1)  # not read again yet
    for expected in ("second", "second", ""):  # a read, an outage (kept), a file without the card
        now[0] += REFRESH_SECONDS
        version.current()
        gevent.sleep(0)
        assert version.current() == expected
    assert len(reads) == 4
