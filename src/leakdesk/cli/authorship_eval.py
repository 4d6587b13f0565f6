"""`leakdesk eval authorship` and `leakdesk eval authorship-score`: PAN-style measurement of authorship verification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leakdesk.authorship import evaluation
from leakdesk.cli.common import JsonOpt, console, handle_errors, print_json

MEASURES = [
    ("auc", "AUC"),
    ("c_at_1", "c@1"),
    ("f1", "F1"),
    ("f_05_u", "F0.5u"),
    ("brier", "Brier (1 - loss)"),
    ("overall", "overall"),
    ("auc_c_at_1", "AUC·c@1"),
]


def print_scores(scores: dict[str, float | int], title: str) -> None:
    console.print(title, highlight=False)
    for key, label in MEASURES:
        console.print(f"  {label:<17} {scores[key]:.4f}", highlight=False)
    console.print(f"  {'problems':<17} {scores['problems']} ({scores['answered']} answered)", highlight=False)
    if "seconds" in scores:
        console.print(f"  {'seconds':<17} {scores['seconds']:.1f}", highlight=False)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""

    @eval_app.command("authorship-score")
    @handle_errors
    def authorship_score(
        truth: Annotated[Path, typer.Argument(help="PAN 2020-style truth file (JSON lines: id, same, authors).")],
        answers: Annotated[Path, typer.Argument(help="Answers to score (JSON lines: id, value in 0..1).")],
        f05u_2020: Annotated[
            bool,
            typer.Option("--f05u-2020", help="Use the F0.5u of the official PAN 2020 table (0.5 counted as 'same')."),
        ] = False,
        json_out: JsonOpt = False,
    ) -> None:
        """Score a verifier's answers with PAN's measures (a score of exactly 0.5 means 'cannot tell')."""
        scores = evaluation.score_answer_files(truth, answers, f05u_2020=f05u_2020).to_dict()
        if json_out:
            print_json(scores)
        else:
            print_scores(scores, f"Scores of {answers}")
