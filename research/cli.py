"""The command line: `python -m research review …` and `python -m research deep-dive …`
(and train-roles / train-design, which build the shipped models).

Prints a readable report, or the result's JSON (the schema of research.schema) with --json.
Progress goes to stderr with --verbose. A refusal (a file that is not what it claims, a PMID
not in the library) prints its message to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from research import design_model
from research.deepdive import DeepDiveRequest, deep_dive
from research.errors import UserFacingError
from research.fulltext import FullTextError, text_from_jats, text_from_pdf
from research.library import InMemoryLibrary, open_library
from research.progress import ProgressCallback, ignore_progress
from research.pubmed_xml import PubMedXMLError, read_pubmed
from research.review import ReviewRequest, generate_review
from research.roles import (
    DEFAULT_FEATURES,
    DEFAULT_SEED,
    MODEL_PATH,
    evaluate,
    save_model,
    split_abstracts,
    train,
)
from research.schema import DeepDiveResult, ReviewResult

WIDTH = 100
EXIT_REFUSED = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status is 0, or 2 for input the engine refuses."""
    args = _parser().parse_args(argv)
    result: ReviewResult | DeepDiveResult
    try:
        if args.command == "train-roles":
            return _train_roles(args)
        if args.command == "train-design":
            return _train_design(args)
        result = _review(args) if args.command == "review" else _deep_dive(args)
    except UserFacingError as exc:
        print(f"research: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif isinstance(result, ReviewResult):
        _print_review(result, sys.stdout)
    else:
        _print_deep_dive(result, sys.stdout)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m research",
        description="Literature reviews and deep dives from PubMed files, on your own machine.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    review = commands.add_parser(
        "review", help="review a library for a research objective", description=_REVIEW_HELP
    )
    review.add_argument(
        "--library",
        required=True,
        type=Path,
        help="PubMed XML (.xml or .xml.gz), MEDLINE/.nbib, RIS, BibTeX or CSV file",
    )
    review.add_argument("--objective", required=True, help="what the review looks for")
    review.add_argument("--molecule", default="", help="a molecule the papers should name")
    review.add_argument(
        "--preference",
        choices=("precision", "recall"),
        default="precision",
        help="fewer, closer papers (precision, the default) or a broader search (recall)",
    )
    review.add_argument(
        "--full-text-only", action="store_true", help="only papers with free full text in PMC"
    )
    _common(review)

    dive = commands.add_parser(
        "deep-dive", help="analyse one paper in depth", description=_DEEP_DIVE_HELP
    )
    paper = dive.add_mutually_exclusive_group(required=True)
    paper.add_argument("--pmid", help="a paper of --library, by its PMID")
    paper.add_argument(
        "--file", type=Path, help="the paper itself: a PDF, or PMC JATS XML (.nxml or .xml)"
    )
    dive.add_argument("--library", type=Path, help="the library holding --pmid")
    dive.add_argument("--objective", default="", help="what you want to know from the paper")
    _common(dive)

    _training_parser(
        commands.add_parser(
            "train-roles",
            help="build the sentence-role model from a library's structured abstracts",
            description=_TRAIN_ROLES_HELP,
        ),
        out=MODEL_PATH,
        features=DEFAULT_FEATURES,
        seed=DEFAULT_SEED,
    )
    _training_parser(
        commands.add_parser(
            "train-design",
            help="build the study-design model from a library's publication types",
            description=_TRAIN_DESIGN_HELP,
        ),
        out=design_model.MODEL_PATH,
        features=design_model.DEFAULT_FEATURES,
        seed=design_model.DEFAULT_SEED,
    )
    return parser


def _training_parser(
    command: argparse.ArgumentParser, *, out: Path, features: int, seed: int
) -> None:
    """The options every model-training command takes, with that model's defaults."""
    command.add_argument("--library", required=True, type=Path, help="PubMed XML (.xml or .xml.gz)")
    command.add_argument(
        "--out", type=Path, default=out, help=f"where to write the model (default {out})"
    )
    command.add_argument(
        "--features", type=int, default=features, help="how many features the model keeps"
    )
    command.add_argument("--seed", type=int, default=seed, help="seed of the held-out split")


_REVIEW_HELP = (
    "Search a library file for the objective, rank and analyse the best papers, and print a "
    "report: summary, key findings with their quotes and PMIDs, and the papers."
)
_DEEP_DIVE_HELP = (
    "Read one paper's design, methods, results and limitations, each backed by a quote: a "
    "paper of a library by PMID, or a PDF or PMC XML file."
)


_TRAIN_ROLES_HELP = (
    "Train the sentence-role classifier (BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS) "
    "on the structured abstracts of a PubMed XML file, holding out 10 % of them by PMID, print "
    "its accuracy on those and write the model."
)


def _train_roles(args: argparse.Namespace) -> int:
    """Train, evaluate on the held-out abstracts, and write the role model."""
    path = _existing(args.library)
    try:
        training, testing = split_abstracts(read_pubmed(path), args.seed)
    except PubMedXMLError as exc:
        raise UserFacingError(f"{path}: {exc}") from exc
    if not training:
        raise UserFacingError(f"{path} holds no structured abstracts to learn from.")
    model = train(training, max_features=args.features)
    save_model(model, args.out)
    print(f"trained on {len(training):,} abstracts; {len(model.weights):,} features kept")
    if testing:
        print(evaluate(model, testing).report())
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


_TRAIN_DESIGN_HELP = (
    "Train the study-design classifier on the titles and abstracts of a PubMed XML file's "
    "publication-typed records, holding out "
    f"{design_model.HELD_OUT_PERCENT} % of them by PMID, print its accuracy on those and write "
    "the model."
)


def _train_design(args: argparse.Namespace) -> int:
    """Train, evaluate on the held-out records, and write the study-design model."""
    path = _existing(args.library)
    try:
        training, testing = design_model.split_examples(read_pubmed(path), args.seed)
    except PubMedXMLError as exc:
        raise UserFacingError(f"{path}: {exc}") from exc
    try:
        model = design_model.train(training, max_features=args.features)
    except ValueError as exc:
        raise UserFacingError(f"{path} has too few publication-typed abstracts: {exc}.") from exc
    design_model.save_model(model, args.out)
    print(f"trained on {len(training):,} records; {len(model.weights):,} features kept")
    if testing:
        print(design_model.evaluate(model, testing).report())
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result's JSON instead")
    parser.add_argument("--verbose", action="store_true", help="report progress on stderr")


def _review(args: argparse.Namespace) -> ReviewResult:
    progress = _progress(args.verbose)
    library = _library(args.library, args.verbose)
    request = ReviewRequest(
        objective=args.objective,
        molecule=args.molecule,
        preference=args.preference,
        full_text_only=args.full_text_only,
    )
    return generate_review(request, library, progress)


def _deep_dive(args: argparse.Namespace) -> DeepDiveResult:
    progress = _progress(args.verbose)
    if args.pmid is not None:
        if args.library is None:
            raise UserFacingError("--pmid needs --library, the file that holds the paper.")
        library = _library(args.library, args.verbose)
        record = library.get_many([args.pmid]).get(args.pmid)
        if record is None:
            raise UserFacingError(f"PMID {args.pmid} is not in {args.library}.")
        return deep_dive(DeepDiveRequest(objective=args.objective, record=record), progress)
    path = _existing(args.file)
    data = path.read_bytes()
    try:
        full = text_from_pdf(data) if data.lstrip()[:5] == b"%PDF-" else text_from_jats(data)
    except FullTextError as exc:
        raise UserFacingError(f"{path}: {exc}") from exc
    return deep_dive(DeepDiveRequest.from_full_text(full, objective=args.objective), progress)


def _existing(path: Path) -> Path:
    """The path, if it names a readable file."""
    if not path.is_file():
        raise UserFacingError(f"{path}: no such file.")
    return path


def _library(path: Path, verbose: bool) -> InMemoryLibrary:
    """The library of a file, saying on stderr how long it took to read with --verbose."""
    started = time.perf_counter()
    library = open_library(_existing(path))
    if verbose:
        seconds = time.perf_counter() - started
        print(f"read {len(library):,} papers from {path} in {seconds:.1f} s", file=sys.stderr)
    return library


def _progress(verbose: bool) -> ProgressCallback:
    """A progress callback printing each new stage to stderr, or one that stays quiet."""
    if not verbose:
        return ignore_progress
    shown: list[str] = []

    def report(stage: str, percent: int) -> None:
        if not shown or shown[-1] != stage:
            shown.append(stage)
            print(f"[{percent:3d}%] {stage}", file=sys.stderr)

    return report


def _print_review(review: ReviewResult, out: TextIO) -> None:
    """A readable report of a review."""
    diagnostics = review.diagnostics
    _heading(out, f"Literature review: {review.objective}")
    facts = [f"preference {review.preference}"]
    if review.molecule:
        facts.insert(0, f"molecule {review.molecule}")
    facts.append(
        f"{diagnostics.analysed} papers analysed of {diagnostics.pool_size:,} candidates "
        f"in a library of {diagnostics.library_size:,}"
    )
    out.write(_wrap("; ".join(facts) + ".") + "\n\n")
    _heading(out, "Summary", level=2)
    summary = review.executive_summary.split(" Key findings: ")[0]
    out.write(_wrap(summary) + "\n\n")
    if review.executive_summary_anchors:
        _heading(out, "Key findings", level=2)
        for anchor in review.executive_summary_anchors:
            out.write(_wrap(f"“{anchor.quote}” [PMID {anchor.pmid}]", bullet="- ") + "\n")
        out.write("\n")
    if review.papers:
        _heading(out, "Papers", level=2)
    for paper in review.papers:
        where = ", ".join(str(part) for part in (paper.journal, paper.year) if part)
        out.write(_wrap(paper.title, bullet=f"{paper.rank}. ") + "\n")
        details = [where, f"PMID {paper.pmid}", paper.evidence_label]
        details.append(f"score {paper.scores.overall:.2f}")
        out.write(_wrap(" · ".join(d for d in details if d), indent="   ") + "\n")
        if paper.url:
            out.write(f"   {paper.url}\n")
        out.write("\n")


def _print_deep_dive(dive: DeepDiveResult, out: TextIO) -> None:
    """A readable report of a deep dive."""
    model = dive.scientific_model
    _heading(out, dive.title or "Deep dive")
    source = dive.diagnostics.source.replace("_", " ")
    out.write(_wrap(f"Read from {source} ({dive.diagnostics.characters:,} characters).") + "\n\n")
    _heading(out, "Study", level=2)
    for label, value in (
        ("Design", model.study_design),
        ("Model", model.model_type),
        ("Population", model.population),
        ("Sample size", "" if model.sample_size is None else str(model.sample_size)),
        ("Arms", "; ".join(model.arms)),
        ("Randomisation", model.randomisation),
        ("Blinding", model.blinding),
        ("Control", model.control_type),
    ):
        out.write(_wrap(f"{label}: {value or 'not stated'}", bullet="- ") + "\n")
    out.write("\n")
    sections: list[tuple[str, list[str]]] = [
        ("Strengths", list(model.strengths)),
        (
            "Methods",
            [f"{m.technique} ({m.category}): “{m.quote}”" for m in dive.experimental_methods],
        ),
        (
            "Key results",
            [
                f"{r.kind} {r.value}{f' ({r.direction})' if r.direction else ''}: “{r.quote}”"
                for r in dive.results_interpretation.key_results
            ],
        ),
        (
            "Limitations and possible biases",
            [f"{n.text}: “{n.quote}”" for n in dive.results_interpretation.limitations_biases],
        ),
    ]
    for title, items in sections:
        if items:
            _heading(out, title, level=2)
            out.writelines(_wrap(item, bullet="- ") + "\n" for item in items)
            out.write("\n")
    relevance = dive.results_interpretation.relevance_to_objective
    if relevance:
        _heading(out, "Relevance", level=2)
        out.write(_wrap(relevance) + "\n")


def _heading(out: TextIO, text: str, *, level: int = 1) -> None:
    underline = "=" if level == 1 else "-"
    out.write(f"{text}\n{underline * min(len(text), WIDTH)}\n")


def _wrap(text: str, *, bullet: str = "", indent: str = "") -> str:
    """Text wrapped to the report's width, a bullet's continuation lines indented under it."""
    return textwrap.fill(
        " ".join(text.split()),
        width=WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
    )
