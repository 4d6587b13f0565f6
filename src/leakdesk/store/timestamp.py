"""RFC 3161 timestamps for checkpoints: asked of a time-stamping authority (TSA) once, verified offline later.

A timestamp proves that the checkpoint existed at the TSA's time, so even the holder of the desk key cannot later
make an older-looking checkpoint. Verifying needs only the token and the TSA's root certificate.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import httpx
from cryptography import x509
from rfc3161_client import TimestampRequestBuilder, VerificationError, VerifierBuilder, decode_timestamp_response

from leakdesk.errors import StoreError
from leakdesk.secrets import redact_url

TIMEOUT = 30.0


def request_timestamp(data: bytes, tsa_url: str) -> tuple[str, datetime]:
    """Ask the TSA to timestamp `data` (sha512 imprint, with a nonce); returns (token as base64, the TSA's time)."""
    request = TimestampRequestBuilder().data(data).build()
    shown = redact_url(tsa_url)
    try:
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
            answer = client.post(
                tsa_url, content=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
            )
    except httpx.HTTPError as exc:
        raise StoreError(
            f"Could not reach the time-stamping authority at {shown} ({type(exc).__name__}); no checkpoint written."
        ) from exc
    try:
        if answer.status_code != 200:
            raise ValueError(f"HTTP {answer.status_code}")
        response = decode_timestamp_response(answer.content)
        if response.status not in (0, 1):  # granted, granted with modifications
            raise ValueError(f"status {response.status}")
        imprint = response.tst_info.message_imprint.message
        if response.tst_info.nonce != request.nonce or imprint != request.message_imprint.message:
            raise ValueError("it answers another request")
    except ValueError as exc:
        raise StoreError(
            f"The time-stamping authority at {shown} refused or garbled the request ({exc}); no checkpoint written."
        ) from exc
    return base64.b64encode(answer.content).decode("ascii"), response.tst_info.gen_time


def verify_timestamp(token_b64: str, data: bytes, roots: list[Path]) -> datetime:
    """The TSA's time for `data` when the token is valid under one of `roots` (PEM files); raises StoreError."""
    try:
        response = decode_timestamp_response(base64.b64decode(token_b64, validate=True))
    except ValueError as exc:
        raise StoreError("The checkpoint's timestamp is not a valid RFC 3161 token.") from exc
    builder = VerifierBuilder()
    for root in roots:
        try:
            for cert in x509.load_pem_x509_certificates(root.read_bytes()):
                builder = builder.add_root_certificate(cert)
        except (OSError, ValueError) as exc:
            raise StoreError(f"{root} is not a PEM certificate file of a time-stamping authority.") from exc
    try:
        builder.build().verify_message(response, data)
    except VerificationError as exc:
        raise StoreError(f"The checkpoint's timestamp does not verify ({exc}).") from exc
    return response.tst_info.gen_time
