"""The texts reader lives in the shared library (`bot/core/texts.py`): the portal speaks too."""

from bot.core.texts import (
    TEXTS_FILE,
    Button,
    button,
    buttons,
    catalogue,
    choice_buttons,
    choose,
    fill,
    heading,
    house_buttons,
    question,
    say,
    scale_buttons,
)

__all__ = ["TEXTS_FILE", "Button", "button", "buttons", "catalogue", "choice_buttons", "choose",
           "fill", "heading", "house_buttons", "question", "say", "scale_buttons"]
