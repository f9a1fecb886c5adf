"""Bring the shared library's search index up to date: this host's embedded index, built once
whoever else asks, or every paper sent to the search cluster (SEARCH_BACKEND=opensearch)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.library import build_shared_index, get_library, search_cluster, send_library_to_cluster
from research.opensearch import SearchUnavailable


class Command(BaseCommand):
    help = (
        "Builds the shared search index now (embedded backend), or sends every shared paper "
        "to the search cluster (opensearch backend), e.g. when switching to it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--recreate",
            action="store_true",
            help="opensearch backend: delete the cluster's index and create it afresh first",
        )

    def handle(self, *args, recreate: bool, **options) -> None:
        started = time.perf_counter()
        cluster = search_cluster()
        if cluster is None:
            built = build_shared_index(wait=True)
            papers = len(get_library())
            took = time.perf_counter() - started
            if built:
                self.stdout.write(f"Search index built: {papers:,} papers in {took:.1f} s")
            else:
                self.stdout.write(f"Search index up to date: {papers:,} papers")
            return
        try:
            if recreate:
                cluster.drop()
            cluster.create()
            sent = send_library_to_cluster(
                cluster, on_batch=lambda n: self.stdout.write(f"  {n:,} papers sent…")
            )
            held = len(cluster)
        except SearchUnavailable as exc:
            raise CommandError(str(exc)) from None
        took = time.perf_counter() - started
        self.stdout.write(
            f"{sent:,} papers sent to {settings.OPENSEARCH_URL} "
            f"(index {settings.OPENSEARCH_INDEX}, now {held:,} papers) in {took:.1f} s"
        )
