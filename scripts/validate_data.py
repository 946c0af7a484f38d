"""Check what maintainers edit (data/, domain.yml) and say in Dutch what to fix: `make validate`.

    .venv/bin/python scripts/validate_data.py           # Balie's own checks, in seconds
    .venv/bin/python scripts/validate_data.py --rasa    # then also `rasa data validate --fail-on-warnings`

Balie's checks (bot/catalogue/checks.py) come first, so a maintainer sees a mistake in
seconds; Rasa's own validation takes half a minute or more and speaks English.
Exit status 1 when anything is wrong.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalogue.checks import Result, validate  # noqa: E402

RASA_COMMAND = ["-m", "rasa", "data", "validate", "--fail-on-warnings"]


def report(result: Result) -> str:
    """Each problem with what to do, or the "Alles in orde" summary (Dutch, B1)."""
    if not result.problems:
        # Dutch notation: 15.513 voorbeeldzinnen, 0,5 seconde.
        counted = [f"{n:,} {what}".replace(",", ".") for what, n in result.counts.items()]
        listed = ", ".join(counted[:-1]) + " en " + counted[-1]
        seconds = f"{result.seconds:.1f}".replace(".", ",")
        return f"Alles in orde. Gecontroleerd: {listed} (in {seconds} seconde)."
    lines = []
    for number, problem in enumerate(result.problems, start=1):
        where = f"{problem.file}, {problem.entry}" if problem.entry else problem.file
        lines.append(f"{number}. {where}: {problem.message}")
        if problem.fix:
            lines.append(f"   Wat je doet: {problem.fix}")
    count = len(result.problems)
    lines.append("")
    lines.append(f"{count} probleem gevonden. Los het op" if count == 1 else f"{count} problemen gevonden. Los ze op")
    lines[-1] += " en draai `make validate` opnieuw."
    return "\n".join(lines)


def run_rasa(root: Path) -> int:
    """Rasa's own validation of domain, NLU, rules and stories; its output stays visible."""
    print("Nu de controle van Rasa zelf (rasa data validate). Dat duurt een halve tot een hele minuut...", flush=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    return subprocess.run([sys.executable, *RASA_COMMAND], cwd=root, env=env).returncode


def main(argv=None) -> int:
    """Run the checks; 0 when all is well, 1 when something must be fixed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="folder with domain.yml and data/ (default: this repo)")
    parser.add_argument("--rasa", action="store_true", help="also run `rasa data validate --fail-on-warnings`")
    args = parser.parse_args(argv)
    result = validate(args.root)
    print(report(result), flush=True)
    if result.problems:
        return 1
    if args.rasa:
        if run_rasa(args.root) != 0:
            print("\nRasa vond een probleem (de melding hierboven is in het Engels). "
                  "Zie docs/beheer.md, 'Controleren voor je iets aanpast'.")
            return 1
        print("\nAlles in orde: de controles van Balie en van Rasa.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
