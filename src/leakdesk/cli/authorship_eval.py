"""`leakdesk eval authorship` and `leakdesk eval authorship-score`: PAN-style measurement of authorship verification."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import JsonOpt, console, err_console, handle_errors, print_json

MEASURES = [
    ("auc", "AUC"),
    ("c_at_1", "c@1"),
    ("f1", "F1"),
    ("f_05_u", "F0.5u"),
    ("brier", "Brier (1 - loss)"),
    ("overall", "overall"),
    ("auc_c_at_1", "AUC·c@1"),
]


def print_scores(scores: dict, title: str) -> None:
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
        from leakdesk.authorship import evaluation

        scores = evaluation.score_answer_files(truth, answers, f05u_2020=f05u_2020).to_dict()
        if json_out:
            print_json(scores)
        else:
            print_scores(scores, f"Scores of {answers}")

    @eval_app.command("authorship")
    @handle_errors
    def authorship(
        test_dir: Annotated[Path, typer.Argument(help="PAN 2013-2015 test folder (problem folders + truth.txt).")],
        train: Annotated[Path, typer.Option("--train", help="PAN training folder; the verifier is fitted on it only.")],
        answers: Annotated[
            Path | None,
            typer.Option("--answers", help="Write the answers here (PAN 'ID score' lines; JSON lines if .jsonl)."),
        ] = None,
        f05u_2020: Annotated[
            bool, typer.Option("--f05u-2020", help="Use the F0.5u of the official PAN 2020 table.")
        ] = False,
        json_out: JsonOpt = False,
    ) -> None:
        """Fit the verifier on a PAN training folder, answer the test folder and print PAN's measures."""
        with stage_progress(enabled=not json_out) as on_stage:
            from leakdesk.authorship import evaluation

            run = evaluation.run_pan_evaluation(
                test_dir, train, answers_path=answers, f05u_2020=f05u_2020, on_stage=on_stage
            )
        scores = run.to_dict()
        if json_out:
            print_json(scores)
            return
        print_scores(
            scores, f"Authorship verification on {test_dir} (fitted on {run.train_problems} problems of {train})"
        )
        if answers is not None:
            console.print(f"Answers written to {answers}", highlight=False)
        for note in run.notes:
            err_console.print(f"Note: {note}", highlight=False)


@contextlib.contextmanager
def stage_progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A Rich spinner on stderr naming the current stage (reading, fitting, answering); silent when not a terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    labels = {"reading": "Reading problems", "fitting": "Fitting on the training problems", "answering": "Answering"}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not (enabled and err_console.is_terminal),
    ) as progress:  # fmt: skip
        task = progress.add_task("Starting", total=None)
        yield lambda name: progress.update(task, description=labels.get(name, name))
