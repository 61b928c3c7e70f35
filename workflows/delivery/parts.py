"""How large a message is as a mail server counts it, and pieces put in numbered parts that
each fit under a mailbox's limit. Pure functions of sizes."""
from __future__ import annotations

import math

from .letter import Letter, build_message

# What a part's attachments may take of its message: base64 makes 4 bytes of every 3, and
# every 76 of them a line (78 with its CRLF). A message of N bytes carries N * 57 / 78.
ENCODED_PER_BYTE = 78 / 57
# The From header of a sent message, as long as any a deployment is likely to set.
LONG_SENDER = "MIP member forms on behalf of a member <no-reply@forms.example.organisation.org>"


def encoded_size(size: int) -> int:
    """Bytes of `size` bytes in a base64 MIME part, line breaks included."""
    chars = 4 * math.ceil(size / 3)
    return chars + 2 * math.ceil(chars / 76)


def message_size(letter: Letter, sender: str = LONG_SENDER) -> int:
    """The letter's size as SMTP carries it: headers, body and every attachment encoded."""
    return len(build_message(letter, sender).as_bytes())


def room(limit: int, overhead: int) -> int:
    """Bytes of attachments (before encoding) that fit in a message of at most `limit` bytes
    whose headers, body and part headers take `overhead`."""
    return max(0, math.floor((limit - overhead) / ENCODED_PER_BYTE))


def consecutive(sizes: list[int], space: int) -> list[list[int]]:
    """The indexes of `sizes`, in order, in as few runs as fit `space` each (taking each as
    long as it fits is the fewest, for runs in order). A size larger than `space` is a run of
    its own: the caller has made it as small as it can be."""
    runs: list[list[int]] = []
    used = space + 1
    for index, size in enumerate(sizes):
        if runs and used + size <= space:
            runs[-1].append(index)
            used += size
        else:
            runs.append([index])
            used = size
    return runs
