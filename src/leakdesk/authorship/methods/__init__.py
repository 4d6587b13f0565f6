"""Verification methods; each turns a batch of problems into a few scores per problem."""

from leakdesk.authorship.methods.base import Batch, Method
from leakdesk.authorship.methods.char_lm import CharLanguageModel
from leakdesk.authorship.methods.compression import CompressionDistance
from leakdesk.authorship.methods.delta import CosineDelta
from leakdesk.authorship.methods.grammar import GrammarModelRatio
from leakdesk.authorship.methods.impostors import GeneralImpostors
from leakdesk.authorship.methods.ppm import PPMCompression
from leakdesk.authorship.methods.spectrum import CharSpectrum
from leakdesk.authorship.methods.style_gaps import StyleGaps
from leakdesk.authorship.methods.typography import TypographyHabits
from leakdesk.authorship.methods.unmasking import Unmasking

__all__ = [
    "Batch",
    "Method",
    "CharLanguageModel",
    "CharSpectrum",
    "CompressionDistance",
    "CosineDelta",
    "GeneralImpostors",
    "GrammarModelRatio",
    "PPMCompression",
    "StyleGaps",
    "TypographyHabits",
    "Unmasking",
]
