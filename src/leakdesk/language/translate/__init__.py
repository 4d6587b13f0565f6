"""Machine translation engines behind one small interface: local CTranslate2 models and a LibreTranslate server."""

from leakdesk.language.translate.base import Engine

__all__ = ["Engine"]
