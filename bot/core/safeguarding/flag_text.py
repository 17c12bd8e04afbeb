"""What a flag keeps of a message too long to take.

A message refused as too long is still checked and flagged (a disclosure is never
dropped), but a flag keeps at most `limit` characters of it, so that nobody can fill the
store or the board with one link. What is kept says that it was cut, and keeps the words
the rules matched even when they came after the cut.
"""

from __future__ import annotations

CONTEXT = 200  # characters kept either side of matched words found after the cut


def capped(text: str, limit: int, matched: str = "") -> str:
    """The text as a flag keeps it: whole when it fits, else its start (and the matched
    words with some context around them), then a note saying it was cut."""
    if len(text) <= limit:
        return text
    note = (f"\n[MapBot kept only part of this message: it was {len(text)} characters "
            f"long, too long to take in one go.]")
    at = text.find(matched) if matched else -1
    if at < 0 or at + len(matched) <= limit:
        return text[:limit] + note
    start = max(0, at - CONTEXT)
    window = text[start:at + len(matched) + CONTEXT]
    head = text[:max(0, limit - len(window))]
    return f"{head} […] {window}{note}"
