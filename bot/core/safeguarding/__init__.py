"""Safeguarding: spot possible disclosures in every message and say what to do."""

from __future__ import annotations

from bot.core.safeguarding.detector import Detection, Rules, detect, load_rules, reply_text

__all__ = ["Detection", "Rules", "detect", "load_rules", "reply_text"]
