"""manage.py import_pubmed FILE [FILE ...]: load NLM baseline/update files or efetch replies."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobs.library import (
    build_shared_index,
    delete_papers,
    get_library,
    import_records,
    search_cluster,
)
from research import PaperRecord, ParseReport, PubMedXMLError, read_pubmed


class Command(BaseCommand):
    help = (
        "Import PubMed XML files (.xml or .xml.gz) into the shared paper library, then rebuild "
        "the search index. A file that cannot be read whole imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", type=Path, help="PubMed XML files, plain or gzipped"
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="leave the search index to the workers' background build",
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
        # A search cluster has had every paper as it was written: nothing to build here.
        if imported and not no_index and search_cluster() is None:
            started = time.perf_counter()
            if build_shared_index():
                seconds = time.perf_counter() - started
                papers = len(get_library())
                self.stdout.write(f"Search index rebuilt: {papers:,} papers in {seconds:.1f} s")
            else:
                self.stdout.write("Search index: up to date, or another process is building it.")
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} files were not imported.")

    def _import_file(self, path: Path) -> None:
        """Read the whole file first, so a bad file writes nothing; then write it in short
        transactions, so running jobs never wait long for the database (on SQLite its write
        lock). Importing is idempotent: an interrupted write is finished by running it again."""
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        started = time.perf_counter()
        report = ParseReport()
        self.stdout.write(f"{path.name}:")
        with tempfile.TemporaryFile("w+", encoding="utf-8", dir=settings.DATA_DIR) as staged:
            try:
                for record in read_pubmed(path, report):
                    staged.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            except PubMedXMLError as exc:
                raise CommandError(f"{exc} Nothing from this file was imported.") from None
            except OSError as exc:
                raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from None
            staged.seek(0)
            records = (PaperRecord.from_dict(json.loads(line)) for line in staged)
            created, updated = import_records(records, on_batch=self._progress)
        removed = delete_papers(report.deleted)
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
