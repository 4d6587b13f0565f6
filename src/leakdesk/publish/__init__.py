"""Publication: reports, redacted and scrubbed copies, exports. Never touches an original."""
