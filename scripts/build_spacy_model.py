"""Build Balie's Dutch spaCy pipeline and install it into the virtual environment.

No pretrained Dutch spaCy model can be downloaded on our build machines, and Rasa's
SpacyNLP resolves a relative model path against the working directory. So we build a
blank Dutch pipeline with the lookup lemmatizer from spacy-lookups-data, package it
as `nl_balie` and pip-install it: SpacyNLP then loads it by name from anywhere.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import spacy
from spacy.cli.package import package

NAME = "balie"
VERSION = "1.0.0"


def build(target: Path) -> None:
    """Create the blank Dutch pipeline with a lookup lemmatizer and save it to target."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = NAME
    nlp.meta["version"] = VERSION
    nlp.meta["description"] = "Blank Dutch pipeline with lookup lemmatizer for Balie"
    nlp.to_disk(target)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        dist = Path(tmp) / "dist"
        dist.mkdir()
        build(source)
        # Called as a function: spaCy 3.4's typer-based CLI breaks on the click
        # version Rasa's dependency set resolves to.
        package(source, dist, create_wheel=True, create_sdist=False, force=True, silent=True)
        wheels = list(dist.rglob("*.whl"))
        if not wheels:
            sys.exit("spacy package produced no wheel")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--force-reinstall",
             "--quiet", str(wheels[0])],
            check=True,
        )
    check = spacy.load(f"nl_{NAME}")
    lemmas = [t.lemma_ for t in check("vuilnisbakken verhuisd")]
    print(f"installed nl_{NAME} {VERSION}: lemmas {lemmas}")


if __name__ == "__main__":
    main()
