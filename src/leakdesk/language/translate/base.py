"""The engine interface every machine translator implements."""

from __future__ import annotations

from typing import Protocol


class Engine(Protocol):
    """Translates sentences from one language into another; order in = order out."""

    name: str  # "local", "libretranslate"
    model: str  # what is recorded with the draft: the model's name, or the server's address
    source_language: str
    target_language: str

    def translate(self, sentences: list[str]) -> list[str]: ...
