"""Header anomalies worth a second look: facts in an email's headers that contradict each other.

None of these proves tampering (mail software is messy), so they are warnings stored beside the dispatch
(`dispatch.details["header_warnings"]`), never errors.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from leakdesk.intake.headers import parse_datetime

Header = tuple[str, str, str | None]  # name, raw value, decoded value

DESKTOP_CLIENTS = re.compile(r"outlook|thunderbird|the bat|apple mail|evolution|kmail|mutt|claws", re.I)
WEBMAIL_HOP = re.compile(r"\bwith\s+(?:HTTPS?|webmail)\b|roundcube|squirrelmail|horde|rainloop", re.I)
MAX_CLOCK_SKEW = timedelta(hours=12)


def _values(headers: list[Header], lowered: list[str], name: str) -> list[str]:
    """The values (decoded where possible) of the headers called `name` (lower-case), in order (`lowered`: every
    header's name, lower-cased). Most names are counted in `lowered` (in C) and found at most once."""
    count = lowered.count(name)
    if count <= 1:
        if not count:
            return []
        _n, raw, decoded = headers[lowered.index(name)]
        return [decoded if decoded is not None else raw]
    return [decoded if decoded is not None else raw
            for n, (_n, raw, decoded) in zip(lowered, headers, strict=True) if n == name]


def _received_times(received: list[str]) -> list[datetime]:
    """The dates at the end of Received hops (after their last ";"), where they can be read."""
    times = []
    for value in received:
        # what re.search(r";\s*([^;]+?)\s*$", joined, re.S) finds: the joined text ends in no white space, so the
        # date is what follows its last ";", the one space after it taken off
        _head, semicolon, date = " ".join(value.split()).rpartition(";")
        if semicolon and date:
            try:
                times.append(parse_datetime(date.lstrip()))
            except (TypeError, ValueError):
                continue
    return times


def header_warnings(headers: list[Header], date_utc: datetime | None, lowered: list[str] | None = None) -> list[str]:
    """Plain-word warnings about contradictions between the headers of one message."""
    warnings: list[str] = []
    if lowered is None:
        lowered = [n.lower() for n, _r, _d in headers]
    received = _values(headers, lowered, "received")
    mailer = " ".join(_values(headers, lowered, "x-mailer") + _values(headers, lowered, "user-agent"))
    origin_hop = received[-1] if received else ""  # the oldest hop is written last
    if mailer and DESKTOP_CLIENTS.search(mailer) and WEBMAIL_HOP.search(origin_hop):
        warnings.append(
            f"the mail program named in the headers ({mailer.strip()}) is a desktop client, but the first "
            "Received hop says the message was submitted through webmail"
        )
    times = _received_times(received)
    if date_utc is not None and times:
        first_hop = min(t for t in times if t.tzinfo is not None) if any(t.tzinfo for t in times) else None
        if first_hop is not None and abs(first_hop - date_utc) > MAX_CLOCK_SKEW:
            hours = abs(first_hop - date_utc).total_seconds() / 3600
            warnings.append(
                f"the Date header is {hours:.0f} hours away from the time the first server received the message"
            )
    if lowered.count("message-id") > 1:
        warnings.append("the message has more than one Message-ID header")
    if lowered.count("date") > 1:
        warnings.append("the message has more than one Date header")
    return warnings
