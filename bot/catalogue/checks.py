"""`make validate`: everything a maintainer can break in `data/` and `domain.yml`, in seconds.

The catalogue's checks are the loader's (`check_catalogue`); this module adds the checks
across files that Rasa's own `rasa data validate` does not make, or makes only after a
minute and in English: every product has enough NLU examples, no example is in two
places, rules and stories name only what exists, and the case types ask slots the form
has. Each problem names the file, the entry and what to do, in Dutch (B1).
No Rasa model and no TensorFlow: `rasa.shared.core.constants` is plain Python.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Tuple

from rasa.shared.core.constants import DEFAULT_ACTION_NAMES, DEFAULT_INTENTS, DEFAULT_SLOT_NAMES

from .loader import CatalogueReport, Where, check_catalogue, missing_upl_products, read_document, section, suggest
from .model import CatalogueError, Problem, shown_path, slug

# docs/beheer.md asks maintainers for at least 25 examples per product: the product choice
# (nlu_components/linear_selector.py) is learnt from them.
MIN_EXAMPLES = 25
# The retrieval intents whose sub-intents are catalogue entries (rasa_importer.py).
PRODUCT_INTENT = "ask_product"
ORGANISATION_INTENT = "ask_organisation"
# The one form that asks the fields of every case type (domain.yml, actions/cases/form.py).
CASE_FORM = "case_form"
# An entity annotation in an example: [kliko](product) or [kliko]{"entity": "product"}.
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
# "Paspoort kwijt?!" and "paspoort kwijt" are the same example.
PUNCTUATION = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class Example:
    """One NLU example as written in data/nlu/."""

    intent: str
    text: str
    file: str


@dataclass(frozen=True)
class DomainNames:
    """What rules and stories may name: the intents, slots, forms and actions of domain.yml."""

    file: str
    intents: frozenset
    slots: frozenset
    forms: Mapping[str, Tuple[str, ...]]
    actions: frozenset  # responses, custom actions, forms and Rasa's own actions


@dataclass(frozen=True)
class Result:
    """The problems found, and how much was checked (for the summary)."""

    problems: Tuple[Problem, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def plain(example: str) -> str:
    """An example as Balie compares it: without entity annotations and punctuation, lower case, single spaces."""
    text = ANNOTATION.sub(r"\1", example) if "[" in example else example
    return " ".join(PUNCTUATION.sub("", text.lower()).split())


def nlu_examples(nlu_dir: Path, problems: List[Problem]) -> List[Example]:
    """Every intent example in data/nlu/ (both the `examples: |` text and the list form)."""
    result = []
    for path in sorted(Path(nlu_dir).rglob("*.yml")):
        file = shown_path(path)
        for block in section(read_document(path, problems), "nlu", path, problems):
            if not isinstance(block, dict) or "intent" not in block:
                continue
            raw = block.get("examples") or ""
            if isinstance(raw, str):
                lines = [line.strip()[2:].strip() for line in raw.splitlines() if line.strip().startswith("- ")]
            else:
                lines = [item.get("text", "") if isinstance(item, dict) else str(item) for item in raw]
            result += [Example(str(block["intent"]), line, file) for line in lines if line]
    return result


def read_domain(path: Path, problems: List[Problem]) -> DomainNames:
    """The names domain.yml declares."""
    doc = read_document(path, problems)

    def names(key: str) -> list:
        value = doc.get(key) or []
        items = value.keys() if isinstance(value, dict) else value
        # An intent may carry options: `- greet: {use_entities: []}`.
        return [next(iter(i)) if isinstance(i, dict) else str(i) for i in items]

    forms = {name: tuple(spec.get("required_slots") or []) if isinstance(spec, dict) else ()
             for name, spec in (doc.get("forms") or {}).items()}
    actions = set(names("responses")) | set(names("actions")) | set(forms) | set(DEFAULT_ACTION_NAMES)
    return DomainNames(shown_path(path), frozenset(names("intents")), frozenset(names("slots")),
                       forms, frozenset(actions))


def example_problems(examples: List[Example], report: CatalogueReport) -> List[Problem]:
    """Every product has enough examples; every ask_product/ask_organisation intent names a catalogue entry."""
    problems = []
    keys = {slug(name): name for name in report.product_files}
    counts = Counter(e.intent for e in examples)
    files = {e.intent: e.file for e in examples}
    for intent in sorted(counts):
        base, _, key = intent.partition("/")
        if base == PRODUCT_INTENT and key not in keys:
            fix = (f'Controleer de sleutel (bijvoorbeeld "{base}/{suggest(key, keys)}"). De sleutel is de '
                   "UPL-naam van het product met _ in plaats van spaties, streepjes en haakjes.")
            problems.append(Where(files[intent], f'intent "{intent}"').problem(
                f'er is geen product met de sleutel "{key}".', fix))
        if base == ORGANISATION_INTENT and key not in report.organisation_ids:
            fix = (f'Gebruik een id uit data/catalogue/organisations.yml '
                   f'(bijvoorbeeld "{base}/{suggest(key, report.organisation_ids)}").')
            problems.append(Where(files[intent], f'intent "{intent}"').problem(
                f'er is geen organisatie met het id "{key}".', fix))
    for name, file in sorted(report.product_files.items(), key=lambda item: (item[1], item[0])):
        intent = f"{PRODUCT_INTENT}/{slug(name)}"
        if counts[intent] < MIN_EXAMPLES:
            problems.append(Where(file, f'product "{name}"').problem(
                f"dit product heeft {counts[intent]} voorbeeldzinnen in data/nlu/; Balie heeft er minstens {MIN_EXAMPLES} nodig.",
                f'Zet er meer onder "- intent: {intent}" in {files.get(intent, "data/nlu/products/<thema>.yml")}.'
            ))
    return problems


def duplicate_problems(examples: Iterable[Example]) -> List[Problem]:
    """No example twice: not under two intents or products, and not twice under one."""
    problems = []
    first: Dict[str, Example] = {}
    for example in examples:
        key = plain(example.text)
        if key not in first:
            first[key] = example
            continue
        earlier = first[key]
        where = Where(example.file, f'intent "{example.intent}"')
        if earlier.intent == example.intent:
            problems.append(where.problem(f'de zin "{example.text}" staat twee keer onder deze intent.',
                                        "Haal er een weg."))
        else:
            problems.append(where.problem(
                f'de zin "{example.text}" staat ook onder "{earlier.intent}" in {earlier.file}.',
                "Haal hem op een van de twee plekken weg: een zin kan maar één betekenis hebben."))
    return problems


def _step_problems(step: dict, where: Where, domain: DomainNames, intents: set) -> List[Problem]:
    problems = []
    if "intent" in step and step["intent"] not in intents:
        problems.append(where.problem(f'intent "{step["intent"]}" bestaat niet.',
                                    f'Kies een intent uit domain.yml (bijvoorbeeld "{suggest(step["intent"], intents)}").'))
    action = step.get("action")
    if action is not None and action not in domain.actions:
        if str(action).startswith("utter_"):
            fix = (f'Zet het antwoord onder responses: in {domain.file}, of kies een bestaand antwoord '
                   f'(bijvoorbeeld "{suggest(action, [a for a in domain.actions if a.startswith("utter_")])}").')
        else:
            fix = (f'Kies een actie of formulier uit {domain.file} (bijvoorbeeld "{suggest(action, domain.actions)}"). '
                   "Een nieuwe actie is Python-code in actions/: vraag dat aan een ontwikkelaar.")
        problems.append(where.problem(f'"{action}" staat niet in {domain.file}.', fix))
    if "active_loop" in step and step["active_loop"] is not None and step["active_loop"] not in domain.forms:
        problems.append(where.problem(f'formulier "{step["active_loop"]}" bestaat niet.',
                                    f'Kies een formulier uit forms: in {domain.file} ({", ".join(sorted(domain.forms))}).'))
    for item in step.get("slot_was_set") or []:
        slot = next(iter(item)) if isinstance(item, dict) else str(item)
        if slot not in domain.slots and slot not in DEFAULT_SLOT_NAMES:
            problems.append(where.problem(f'slot "{slot}" bestaat niet.',
                                        f'Kies een slot uit slots: in {domain.file} (bijvoorbeeld "{suggest(slot, domain.slots)}").'))
    for alternative in step.get("or") or []:
        if isinstance(alternative, dict):
            problems += _step_problems(alternative, where, domain, intents)
    return problems


@dataclass(frozen=True)
class DialogueEntry:
    """A rule or a story: where it is and its steps (the condition first)."""

    kind: str  # "rules" or "stories"
    where: Where
    steps: Tuple[dict, ...]


def dialogue_entries(paths: Iterable[Path], problems: List[Problem]) -> List[DialogueEntry]:
    """Every rule and story in the given files."""
    result = []
    for path in paths:
        doc = read_document(path, problems)
        for key, kind, name_key in (("rules", "regel", "rule"), ("stories", "verhaal", "story")):
            for entry in section(doc, key, path, problems):
                if isinstance(entry, dict):
                    steps = [s for s in (entry.get("condition") or []) + (entry.get("steps") or []) if isinstance(s, dict)]
                    where = Where(shown_path(path), f'{kind} "{entry.get(name_key, "?")}"')
                    result.append(DialogueEntry(key, where, tuple(steps)))
    return result


def dialogue_problems(entries: Iterable[DialogueEntry], domain: DomainNames, examples: List[Example]) -> List[Problem]:
    """Rules and stories name only intents, responses, actions, forms and slots that exist.

    Retrieval intents (ask_product) come from data/nlu/ and their responses from the
    catalogue (rasa_importer.py), so `utter_ask_product` exists without a line in domain.yml.
    """
    retrieval = {e.intent.split("/")[0] for e in examples if "/" in e.intent}
    domain = DomainNames(domain.file, domain.intents, domain.slots, domain.forms,
                         domain.actions | {f"utter_{name}" for name in retrieval})
    intents = set(domain.intents) | retrieval | set(DEFAULT_INTENTS)
    return [problem for entry in entries for step in entry.steps
            for problem in _step_problems(step, entry.where, domain, intents)]


def intent_problems(examples: List[Example], domain: DomainNames) -> List[Problem]:
    """NLU intents are in domain.yml and every intent of domain.yml has examples."""
    problems = []
    used = {e.intent: e.file for e in examples if "/" not in e.intent}
    retrieval = {e.intent.split("/")[0] for e in examples if "/" in e.intent}
    for intent, file in sorted(used.items()):
        if intent not in domain.intents:
            problems.append(Where(file, f'intent "{intent}"').problem(
                f"deze intent staat niet in {domain.file}.",
                f"Zet hem onder intents: in {domain.file}, of gebruik een intent die er al staat "
                f'(bijvoorbeeld "{suggest(intent, domain.intents)}").'))
    for intent in sorted(domain.intents - set(used) - retrieval - set(DEFAULT_INTENTS)):
        problems.append(Where(domain.file, f'intent "{intent}"').problem(
            "deze intent heeft geen voorbeeldzinnen in data/nlu/.",
            "Zet voorbeeldzinnen onder \"- intent: " + intent + "\" in data/nlu/, of haal de intent weg."))
    for form, slots in sorted(domain.forms.items()):
        for slot in slots:
            if slot not in domain.slots:
                problems.append(Where(domain.file, f'formulier "{form}"').problem(
                    f'slot "{slot}" staat niet onder slots:.', f"Zet het slot onder slots: in {domain.file}."))
    return problems


def case_type_problems(report: CatalogueReport, domain: DomainNames, catalogue_dir: Path) -> List[Problem]:
    """The case types ask slots of the case form, and their journey words name intents that exist."""
    problems = []
    file = shown_path(Path(catalogue_dir) / "case_types.yml")
    form_slots = domain.forms.get(CASE_FORM, ())
    for case_type in report.catalogue.case_types.values():
        for number, case_field in enumerate(case_type.fields, start=1):
            where = Where(file, f'soort zaak "{case_type.id}", vraag {number}')
            if case_field.slot not in domain.slots:
                problems.append(where.problem(f'slot "{case_field.slot}" staat niet in {domain.file}.',
                                            f"Zet het slot onder slots: in {domain.file}, of kies een bestaand slot."))
            elif case_field.slot not in form_slots:
                problems.append(where.problem(f'slot "{case_field.slot}" hoort niet bij het formulier {CASE_FORM}.',
                                            f"Zet het onder forms: {CASE_FORM}: required_slots: in {domain.file}."))
    catalogue = report.catalogue
    for key, words in (("journeys", catalogue.journey_words), ("follow_ups", catalogue.follow_up_words)):
        for intent in words:
            if intent not in domain.intents:
                problems.append(Where(file, f'{key} "{intent}"').problem(
                    f"er is geen intent {intent} in {domain.file}.",
                    f'Gebruik de naam van een intent uit {domain.file} (bijvoorbeeld "{suggest(intent, domain.intents)}").'))
    return problems


def upl_problems(report: CatalogueReport, catalogue_dir: Path) -> List[Problem]:
    """Every municipal UPL product is in the catalogue, or in upl_excluded.yml with a reason."""
    try:
        missing = missing_upl_products(report.catalogue, catalogue_dir)
    except CatalogueError:
        return []  # upl_names.txt cannot be read: check_catalogue said so already
    where = shown_path(Path(catalogue_dir) / "upl_names.txt")
    return [Where(where, f'UPL-product "{name}"').problem(
                "dit gemeentelijke product staat niet in de catalogus en niet in upl_excluded.yml.",
                "Zet het als product in data/catalogue/products/, of met een reden in data/catalogue/upl_excluded.yml."
            )
            for name in missing if name not in report.product_files and name not in report.excluded_names]


def validate(root: str | Path) -> Result:
    """Run every check on the data under `root` (the folder with domain.yml and data/)."""
    started = time.monotonic()
    root = Path(root)
    catalogue_dir = root / "data" / "catalogue"
    report = check_catalogue(catalogue_dir)
    problems: List[Problem] = list(report.problems) + upl_problems(report, catalogue_dir)
    examples = nlu_examples(root / "data" / "nlu", problems)
    domain = read_domain(root / "domain.yml", problems)
    dialogue = dialogue_entries(sorted((root / "data" / "rules").rglob("*.yml"))
                                + sorted((root / "data" / "stories").rglob("*.yml")), problems)
    problems += example_problems(examples, report)
    problems += duplicate_problems(examples)
    problems += intent_problems(examples, domain)
    problems += dialogue_problems(dialogue, domain, examples)
    problems += case_type_problems(report, domain, catalogue_dir)
    catalogue = report.catalogue
    counts = {
        "producten": len(catalogue.products),
        "afdelingen": len(catalogue.departments),
        "organisaties": len(catalogue.organisations),
        "soorten zaken": len(catalogue.case_types),
        "voorbeeldzinnen": len(examples),
        "regels": sum(e.kind == "rules" for e in dialogue),
        "verhalen": sum(e.kind == "stories" for e in dialogue),
    }
    return Result(tuple(problems), counts, time.monotonic() - started)
