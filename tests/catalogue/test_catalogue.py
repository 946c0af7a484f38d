"""Schema and coverage checks of data/catalogue/ and data/nlu/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.catalogue import CatalogueError, load_catalogue, slug
from bot.catalogue import checks
from bot.catalogue.loader import load_catalogue as uncached_loader

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "data" / "catalogue"
NLU = ROOT / "data" / "nlu"

# Products the municipality is asked about most; the issue names them explicitly.
REQUIRED = """paspoort|identiteitskaart|rijbewijs|verhuismelding|brp-uittreksel|geboorteaangifte|
overlijdensaangifte|huwelijksaangifte|geregistreerd partnerschapaangifte|verklaring omtrent gedrag (vog)|
naturalisatieverzoek|erkenning kind|briefadres|stempas|gevonden of verloren voorwerp|
huishoudelijk afvalinzameling|afvalinzameling grofvuil|afvalcontainer|afvalkalender|afvalinzamelstation|
afvalstoffenheffing|onroerendezaakbelasting (ozb)|woz-beschikking|belastingaanslag bezwaar|
belastingkwijtschelding|belastingbetalingsregeling|hondenbelasting|parkeervergunning|
gehandicaptenparkeerkaart|parkeerontheffing|wegsleepregeling|laadpaalverzoek|omgevingsvergunning bouw|
omgevingsvergunning kap|evenementenvergunning|standplaatsvergunning|bijstand|bijzonderebijstandsuitkering|
schuldhulpverlening|wmo-voorziening|huishoudelijke hulp|rolstoel en scootmobiel|woningaanpassing|jeugdhulp|
mantelzorgondersteuning|leerlingenvervoer|individuele inkomenstoeslag|melding openbare ruimte (algemeen)|
melding openbare ruimte (straatverlichting)|melding openbare ruimte (straatmeubilair)|
melding openbare ruimte (groenvoorziening)|ongediertebestrijding|handhavingsverzoek|klacht|bezwaar|
bezoekafspraak|aansprakelijkstelling overheid|verstrekking overheidsinformatie"""
REQUIRED_PRODUCTS = [p.strip() for p in REQUIRED.replace("\n", "").split("|")]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE)


def nlu_examples():
    """(intent, example, file) for every example in data/nlu/, read as `make validate` reads them."""
    return [(e.intent, e.text, e.file) for e in checks.nlu_examples(NLU, [])]


def test_departments_have_contact_details_and_hours(catalogue):
    assert len(catalogue.departments) >= 10
    for department in catalogue.departments.values():
        assert department.phone and "@" in department.email and department.address
        assert department.hours, department.id


def test_at_least_100_products_keyed_by_exact_upl_names(catalogue):
    upl = set((CATALOGUE / "upl_names.txt").read_text(encoding="utf-8").splitlines())
    assert len(catalogue.products) >= 100
    assert set(catalogue.products) <= upl


def test_required_products_are_present(catalogue):
    missing = [p for p in REQUIRED_PRODUCTS if p not in catalogue.products]
    assert missing == []


def test_cases_have_legal_terms(catalogue):
    assert catalogue.products["klacht"].case.type == "complaint"
    assert catalogue.products["klacht"].case.handling_term_days == 42  # Awb 9:11: six weeks
    reports = [p for p in catalogue.products.values() if p.case and p.case.type == "report"]
    assert reports and all(p.case.signalen in catalogue.signalen for p in reports)


def test_other_organisations_include_the_safety_lines(catalogue):
    for org in ("belastingdienst", "toeslagen", "uwv", "svb", "duo", "rdw", "politie", "cjib",
                "ind", "kadaster", "juridisch_loket", "veilig_thuis", "zelfmoordpreventie"):
        assert org in catalogue.organisations
    assert "0800 2000" in catalogue.organisations["veilig_thuis"].phone


def test_held_out_questions_are_not_in_the_training_data(catalogue):
    questions = yaml.safe_load((ROOT / "tests" / "nlu" / "test_questions.yml").read_text(encoding="utf-8"))["questions"]
    assert len([q for q in questions if q.get("product")]) >= 300
    training = {checks.plain(example) for _, example, _ in nlu_examples()}
    leaked = [q["text"] for q in questions if checks.plain(q["text"]) in training]
    assert leaked == []
    assert {q["product"] for q in questions if q.get("product")} <= set(catalogue.products)


def test_slug_turns_upl_names_into_intent_keys():
    assert slug("melding openbare ruimte (straatverlichting)") == "melding_openbare_ruimte_straatverlichting"
    assert slug("brp-uittreksel") == "brp_uittreksel"


def test_a_broken_entry_names_file_product_and_field(tmp_path):
    for name in ("departments.yml", "organisations.yml", "holidays.yml", "upl_names.txt",
                 "signalen_categories.csv", "topics.yml", "case_types.yml"):
        (tmp_path / name).write_bytes((CATALOGUE / name).read_bytes())
    (tmp_path / "products").mkdir()
    (tmp_path / "topics.yml").write_text("topics: {}\n")
    (tmp_path / "products" / "x.yml").write_text(
        "products:\n  - upl_name: paspoort\n    title: Paspoort\n    department: nergens\n"
        "    answer: a\n    how: online\n    page: /p\n")
    with pytest.raises(CatalogueError, match='product "paspoort": afdeling "nergens" bestaat niet'):
        uncached_loader.__wrapped__(tmp_path)
    (tmp_path / "products" / "x.yml").write_text(
        "products:\n  - upl_name: paspoorten\n    title: P\n    department: burgerzaken\n"
        "    answer: a\n    how: online\n    page: /p\n")
    with pytest.raises(CatalogueError, match="staat niet in de Uniforme Productnamenlijst"):
        uncached_loader.__wrapped__(tmp_path)


@pytest.mark.parametrize("page, reason", [
    ("afval/grofvuil", "is geen goed pad"),
    ("/Afval/Grofvuil", "is geen goed pad"),
    ("/afval/grof vuil", "is geen goed pad"),
    ("/api/route", "gebruikt Balie zelf"),
    ("/desk", "gebruikt Balie zelf"),
    ("/burgerzaken", 'is ook de pagina van afdeling "burgerzaken"'),
])
def test_a_bad_or_taken_page_is_refused(tmp_path, page, reason):
    for name in ("departments.yml", "organisations.yml", "holidays.yml", "upl_names.txt",
                 "signalen_categories.csv", "case_types.yml"):
        (tmp_path / name).write_bytes((CATALOGUE / name).read_bytes())
    (tmp_path / "products").mkdir()
    (tmp_path / "topics.yml").write_text("topics: {}\n")
    (tmp_path / "products" / "x.yml").write_text(
        "products:\n  - upl_name: paspoort\n    title: Paspoort\n    department: burgerzaken\n"
        f"    answer: a\n    how: online\n    page: '{page}'\n")
    with pytest.raises(CatalogueError, match=re.escape(reason)):
        uncached_loader.__wrapped__(tmp_path)


def test_every_page_is_unique(catalogue):
    pages = [p.page for p in catalogue.products.values()] + [d.page for d in catalogue.departments.values()]
    assert len(pages) == len(set(pages))


def copy_catalogue(tmp_path) -> Path:
    """A writable copy of the whole catalogue, to break on purpose."""
    import shutil

    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE, target)
    return target


def test_every_municipal_upl_product_is_in_the_catalogue_or_excluded_with_a_reason(catalogue):
    from bot.catalogue.loader import missing_upl_products

    assert missing_upl_products(catalogue, CATALOGUE) == []
    assert len(catalogue.products) + len(catalogue.excluded) == len(
        [line for line in (CATALOGUE / "upl_names.txt").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")])
    assert all(e.reason for e in catalogue.excluded.values())


def break_file(tmp_path, name: str, change) -> Path:
    """A copy of the catalogue with one YAML file changed by `change(doc)`."""
    directory = copy_catalogue(tmp_path)
    path = directory / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return directory


def test_a_missing_product_is_named(tmp_path):
    from bot.catalogue.loader import missing_upl_products

    def drop(doc):
        doc["products"] = [p for p in doc["products"] if p["upl_name"] != "bedrijfsafvalinzameling"]

    directory = break_file(tmp_path, "products/afval.yml", drop)
    assert missing_upl_products(uncached_loader.__wrapped__(directory), directory) == ["bedrijfsafvalinzameling"]


@pytest.mark.parametrize("change, message", [
    (lambda doc: doc["excluded"].append({"upl_name": "paspoort", "reason": "x"}), "staat hier en ook als product in de catalogus"),
    (lambda doc: doc["excluded"].append({"upl_name": "bestaat niet", "reason": "x"}), "niet in de Uniforme Productnamenlijst"),
    (lambda doc: doc["excluded"][0].pop("reason"), 'het veld "reason" ontbreekt'),
    (lambda doc: doc["excluded"][0].update(organisation="nergens"), 'organisatie "nergens" bestaat niet'),
])
def test_a_bad_exclusion_is_refused(tmp_path, change, message):
    directory = break_file(tmp_path, "upl_excluded.yml", change)
    with pytest.raises(CatalogueError, match=re.escape(message)):
        uncached_loader.__wrapped__(directory)


def test_case_types_come_from_the_data_with_the_legal_complaint_term(catalogue):
    complaint = catalogue.case_types["complaint"]
    assert complaint.handling_term_days == 42 and "9:11" in complaint.basis
    assert complaint.department == "klachten" and complaint.field("case_name") is not None
    assert catalogue.case_types["report"].field("case_contact").optional
    assert catalogue.contact_centre.phone == catalogue.departments["kcc"].phone


@pytest.mark.parametrize("change, message", [
    (lambda doc: doc["case_types"]["report"].update(department="nergens"), 'afdeling "nergens" bestaat niet'),
    (lambda doc: doc["case_types"]["report"]["fields"].append({"slot": "case_shoe", "label": "x", "question": "x"}),
     'slot "case_shoe" bestaat niet'),
    (lambda doc: doc["case_types"]["report"]["words"].append("(unclosed"), "is geen geldige reguliere expressie"),
    (lambda doc: doc["case_types"].pop("callback"), 'de soort zaak "callback" ontbreekt'),
    (lambda doc: doc["case_types"]["complaint"]["fields"][2].pop("skip_title"), "heeft skip_title en skip_value nodig"),
])
def test_a_bad_case_type_is_refused(tmp_path, change, message):
    directory = break_file(tmp_path, "case_types.yml", change)
    with pytest.raises(CatalogueError, match=re.escape(message)):
        uncached_loader.__wrapped__(directory)


def test_synonyms_are_lower_case_everyday_words(catalogue):
    assert "kliko" in catalogue.products["afvalcontainer"].synonyms or any(
        "kliko" in p.synonyms for p in catalogue.products.values())
    assert all(s == s.lower() for p in catalogue.products.values() for s in p.synonyms)
