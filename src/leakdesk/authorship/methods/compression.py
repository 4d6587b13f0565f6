"""Compression distance against many impostors (Cilibrasi & Vitányi 2005; Halvani et al. 2017's CBC): a text
compresses better after a text by the same writer. For each problem the compression dissimilarity of the
questioned and known texts is set against the questioned-to-impostor and known-to-impostor dissimilarities (a
z-score and the share of impostors beaten, averaged over both ways round), so a genre where every pair compresses
well together does not read as "same author". Raw text and topic-masked text (`TextProfile.distorted`) each give
their own two scores. zlib (raw DEFLATE, level 9) keeps it fast: its 32 KB window covers the texts cut to
`max_chars`.
"""

from __future__ import annotations

import zlib

import numpy as np

from leakdesk.authorship.features import TextProfile
from leakdesk.authorship.methods.base import Batch, Method


def compressed_size(data: bytes) -> int:
    """Bytes of raw DEFLATE at level 9 (no header, so short texts are not dominated by framing)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return len(c.compress(data) + c.flush())


def cdm(a: bytes, b: bytes, size_a: int, size_b: int) -> float:
    """Compression dissimilarity measure (Keogh et al. 2004): C(ab) / (C(a) + C(b)), near 0.5 for near copies."""
    return compressed_size(a + b) / max(size_a + size_b, 1)


class CompressionDistance(Method):
    """Scores `cdm_z` / `cdm_rank` (raw text) and `cdmx_z` / `cdmx_rank` (topic-masked text); 0 and 0.5 mean no
    evidence either way. Higher means "more likely the same writer" (the dissimilarity is negated)."""

    columns = ("cdm_z", "cdm_rank", "cdmx_z", "cdmx_rank")
    version = "1"

    def __init__(self, max_chars: int = 12000) -> None:
        self.max_chars = max_chars

    def score_batch(self, batch: Batch) -> np.ndarray:
        out = np.tile(np.array([0.0, 0.5, 0.0, 0.5]), (len(batch.problems), 1))
        encoded: dict[tuple[str, bool], tuple[bytes, int]] = {}

        def enc(p: TextProfile, masked: bool) -> tuple[bytes, int]:
            found = encoded.get((p.key, masked))
            if found is None:
                text = " ".join((p.distorted if masked else p.text).split())
                data = text.encode("utf-8", "surrogatepass")[: self.max_chars]
                found = (data, compressed_size(data))
                encoded[(p.key, masked)] = found
            return found

        for i in range(len(batch.problems)):
            imps = batch.impostors(i)
            if len(imps) < 2 or not batch.known[i]:
                continue
            for col, masked in ((0, False), (2, True)):
                u = enc(batch.unknown[i], masked)
                joined = b"\n".join(enc(p, masked)[0] for p in batch.known[i])[: self.max_chars]
                k = (joined, compressed_size(joined))
                s = -cdm(u[0], k[0], u[1], k[1])
                z, beaten = 0.0, 0.0
                for a in (u, k):  # the questioned text and the known texts, each against the impostors
                    others = np.array([-cdm(a[0], b[0], a[1], b[1]) for b in (enc(p, masked) for p in imps)])
                    z += (s - float(others.mean())) / max(float(others.std()), 1e-4)
                    beaten += float(np.mean(others < s))
                out[i, col] = float(np.clip(z / 2, -10, 10))
                out[i, col + 1] = beaten / 2
        return out
