from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every .po file of OpenLTC into .mo, in pure Python (no gettext tools needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.PACKAGE_DIR)
        count = 0
        for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
            try:
                po = polib.pofile(str(po_path))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: {exc}") from None
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
        self.stdout.write(f"compiled {count} translation catalogue(s)")
