"""manage.py import_pubmed FILE [FILE ...]: load NLM baseline/update files or efetch replies."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jobs.library import delete_papers, import_records, rebuild_index
from jobs.research import ParseReport, PubMedXMLError, read_pubmed


class Command(BaseCommand):
    help = (
        "Import PubMed XML files (.xml or .xml.gz) into the paper library, each file all or "
        "nothing, then rebuild the search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", type=Path, help="PubMed XML files, plain or gzipped"
        )
        parser.add_argument(
            "--no-index", action="store_true", help="skip rebuilding the search index afterwards"
        )

    def handle(self, *args, files: list[Path], no_index: bool, **options) -> None:
        failures = []
        imported = 0
        for path in files:
            try:
                self._import_file(path)
                imported += 1
            except CommandError as exc:
                self.stderr.write(f"  {exc}")
                failures.append(str(exc))
        if imported and not no_index:
            started = time.perf_counter()
            index = rebuild_index()
            seconds = time.perf_counter() - started
            self.stdout.write(f"Search index rebuilt: {len(index):,} papers in {seconds:.1f} s")
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} files were not imported.")

    def _import_file(self, path: Path) -> None:
        """Import one file in one transaction, so a failure leaves the library as it was."""
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        started = time.perf_counter()
        report = ParseReport()
        self.stdout.write(f"{path.name}:")
        try:
            with transaction.atomic():
                created, updated = import_records(
                    read_pubmed(path, report), report=None, on_batch=self._progress
                )
                removed = delete_papers(report.deleted)
        except PubMedXMLError as exc:
            self.stdout.write("")
            raise CommandError(f"{exc} Nothing from this file was imported.") from None
        except OSError as exc:
            self.stdout.write("")
            raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        self.stdout.write("")
        self.stdout.write(
            f"  parsed {report.parsed:,}, created {created:,}, updated {updated:,}, "
            f"bad {report.bad:,}, deleted {removed:,} (of {len(report.deleted):,} listed), "
            f"{time.perf_counter() - started:.1f} s"
        )
        for message in report.errors:
            self.stdout.write(f"  skipped {message}")

    def _progress(self, total: int) -> None:
        """Rewrite one terminal line with the running count."""
        self.stdout.write(f"\r  {total:,} records…", ending="")
        self.stdout.flush()
