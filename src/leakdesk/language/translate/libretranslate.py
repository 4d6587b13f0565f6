"""A client for a LibreTranslate server the desk runs itself (URL + API key); the key is never logged or printed."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from leakdesk.errors import TranslationError
from leakdesk.secrets import redact_url

URL_ENV = "LEAKDESK_LIBRETRANSLATE_URL"
KEY_ENV = "LEAKDESK_LIBRETRANSLATE_KEY"


class LibreTranslateEngine:
    name = "libretranslate"

    def __init__(
        self,
        url: str,
        source_language: str,
        target_language: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        batch_size: int = 25,
    ) -> None:
        if not url:
            raise TranslationError(
                "No LibreTranslate server given: pass --url (or set LEAKDESK_LIBRETRANSLATE_URL) to your desk's server."
            )
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise TranslationError(
                f"{redact_url(url)!r} is not a web address of a LibreTranslate server (http://host:port)."
            )
        self.url = url.rstrip("/")
        self.shown_url = redact_url(self.url)  # for messages and model names: credentials removed
        self.model = f"libretranslate@{urlsplit(self.shown_url).netloc.rsplit('@', 1)[-1]}"
        self.source_language = source_language
        self.target_language = target_language
        self._api_key = api_key
        self._timeout = timeout
        self._batch = batch_size

    def translate(self, sentences: list[str]) -> list[str]:
        out: list[str] = []
        with httpx.Client(timeout=self._timeout, trust_env=False) as client:
            for start in range(0, len(sentences), self._batch):
                out.extend(self._request(client, sentences[start : start + self._batch]))
        return out

    def _request(self, client: httpx.Client, batch: list[str]) -> list[str]:
        body: dict[str, object] = {
            "q": batch,
            "source": self.source_language,
            "target": self.target_language,
            "format": "text",
        }
        if self._api_key:
            body["api_key"] = self._api_key
        try:
            response = client.post(f"{self.url}/translate", json=body)
        except httpx.HTTPError as exc:
            raise TranslationError(
                f"Could not reach the LibreTranslate server at {self.shown_url} ({type(exc).__name__}); "
                "check the address and that the server is running."
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200:
            reason = data.get("error") if isinstance(data, dict) else None
            raise TranslationError(
                f"The LibreTranslate server at {self.shown_url} refused the request (HTTP {response.status_code}"
                f"{': ' + str(reason) if reason else ''})."
            )
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(batch) == 1:
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(batch):
            raise TranslationError(
                f"The LibreTranslate server at {self.shown_url} sent an answer leakdesk does not understand "
                f"(expected {len(batch)} translations)."
            )
        return [str(t) for t in translated]
