"""`make validate` (bot/catalogue/checks.py, scripts/validate_data.py): each mistake a maintainer
can make is found and named with its file, entry and what to do.

Every test copies data/ and domain.yml to a temporary folder, breaks one thing the way a
maintainer would (a text edit, so comments and layout stay), and runs the checks on it.
No Rasa model, no TensorFlow: the whole file runs in seconds.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalogue import CatalogueError
from bot.catalogue.checks import MIN_EXAMPLES, validate
from bot.catalogue.loader import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "validate_data.py"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A writable copy of everything a maintainer edits."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def edit(repo: Path, name: str, old: str, new: str, count: int = 1) -> None:
    """Change the text of one file, as a maintainer would in an editor."""
    path = repo / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}: the test data changed"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def drop_intent(repo: Path, intent: str) -> None:
    """Remove every block of examples of one intent from data/nlu/."""
    block = re.compile(rf"^- intent: {re.escape(intent)}\n(?:(?!- ).*\n|\n)*", re.MULTILINE)
    for path in (repo / "data" / "nlu").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(block.sub("", text), encoding="utf-8")


def problems_about(repo: Path, *texts: str) -> list:
    """Run the checks once; for each text, the problems whose message or advice contains it."""
    problems = validate(repo).problems
    found = []
    for text in texts:
        about = [p for p in problems if text in p.message or text in p.fix]
        assert about, f"no problem mentions {text!r}; found: {[str(p) for p in problems]}"
        found += about
    return found


def test_the_real_data_passes():
    result = validate(ROOT)
    assert result.problems == ()
    assert result.counts["producten"] >= 100 and result.counts["voorbeeldzinnen"] > 10_000
    assert result.seconds < 10


def test_the_command_line_says_all_is_well_on_the_real_data():
    run = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("Alles in orde.") and "producten" in run.stdout


def test_the_command_line_names_file_entry_and_fix_and_exits_1(repo):
    edit(repo, "data/catalogue/products/afval.yml", "    department: afval\n", "    department: afvall\n")
    run = subprocess.run([sys.executable, str(SCRIPT), "--root", str(repo), "--rasa"],
                         cwd=repo, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert ('data/catalogue/products/afval.yml, product "huishoudelijk afvalinzameling": '
            'afdeling "afvall" bestaat niet.') in run.stdout
    assert 'Wat je doet: Kies een afdeling uit data/catalogue/departments.yml (bijvoorbeeld "afval").' in run.stdout
    assert "1 probleem gevonden" in run.stdout
    # Balie's own checks failed, so Rasa's slow validation is not started.
    assert "rasa data validate" not in run.stdout


# --- the catalogue -----------------------------------------------------------------------

def test_a_product_with_a_department_that_does_not_exist(repo):
    edit(repo, "data/catalogue/products/afval.yml", "    department: afval\n", "    department: afvall\n")
    [problem] = problems_about(repo, 'afdeling "afvall" bestaat niet')
    assert problem.file.endswith("data/catalogue/products/afval.yml")
    assert problem.entry == 'product "huishoudelijk afvalinzameling"'
    assert "departments.yml" in problem.fix and '"afval"' in problem.fix


def test_a_product_name_that_is_not_in_the_upl(repo):
    edit(repo, "data/catalogue/products/afval.yml", "upl_name: afvalkalender", "upl_name: afvalkalendar")
    # The real product is now missing, and its NLU examples belong to no product: all three said.
    problem, *_ = problems_about(repo, "staat niet in de Uniforme Productnamenlijst",
                                 "staat niet in de catalogus en niet in upl_excluded.yml",
                                 'er is geen product met de sleutel "afvalkalender"')
    assert problem.file.endswith("products/afval.yml") and problem.entry == 'product "afvalkalendar"'
    assert "upl_names.txt" in problem.fix and '"afvalkalender"' in problem.fix


def test_a_product_listed_twice(repo):
    edit(repo, "data/catalogue/products/afval.yml", "upl_name: afvalkalender", "upl_name: afvalinzameling grofvuil")
    [problem] = problems_about(repo, "staat twee keer in de catalogus")
    assert problem.entry == 'product "afvalinzameling grofvuil"' and "afval.yml" in problem.message


def test_two_products_with_the_same_page(repo):
    edit(repo, "data/catalogue/products/afval.yml", "page: /afval/afvalkalender", "page: /afval/grofvuil")
    [problem] = problems_about(repo, 'pagina "/afval/grofvuil" is ook de pagina van product "afvalinzameling grofvuil"')
    assert problem.entry == 'product "afvalkalender"' and "eigen pagina" in problem.fix


@pytest.mark.parametrize("hours, message", [
    ('"9-16.30"', 'de openingstijd "9-16.30" op monday klopt niet'),
    ('"17:00-09:00"', "op monday gaat de afdeling dicht (09:00) voordat ze opengaat (17:00)"),
])
def test_opening_hours_that_do_not_parse(repo, hours, message):
    edit(repo, "data/catalogue/departments.yml", 'monday: "09:00-16:30"', f"monday: {hours}")
    [problem] = problems_about(repo, message)
    assert problem.file.endswith("data/catalogue/departments.yml") and problem.entry == 'afdeling "burgerzaken"'


def test_an_unknown_weekday(repo):
    edit(repo, "data/catalogue/departments.yml", 'monday: "09:00-16:30"', 'maandag: "09:00-16:30"')
    [problem] = problems_about(repo, 'onbekende dag "maandag"')
    assert "monday" in problem.fix


def test_a_website_that_is_not_a_web_address(repo):
    edit(repo, "data/catalogue/organisations.yml", "website: https://www.uwv.nl", "website: www.uwv.nl")
    [problem] = problems_about(repo, 'de website "www.uwv.nl" is geen goed webadres')
    assert problem.file.endswith("organisations.yml") and problem.entry == 'organisatie "uwv"'
    assert "https://" in problem.fix


@pytest.mark.parametrize("phone", ["14 09999", "06 123", "bel ons"])
def test_a_phone_number_that_is_wrong(repo, phone):
    edit(repo, "data/catalogue/departments.yml", 'phone: "14 0999"', f'phone: "{phone}"')
    [problem] = problems_about(repo, f'het telefoonnummer "{phone}" klopt niet')
    assert problem.entry == 'afdeling "kcc"'


def test_phone_numbers_as_the_catalogue_writes_them_pass(repo):
    # The municipal 14-number, a label in brackets, two numbers with "of", short numbers, international.
    phones = {"088 898 92 94": "14 020", "050 599 77 55": "0800 0543 (BelastingTelefoon)",
              "0900 0739": "113 of 0800 0113", "0900 8844": "112", "088 043 04 30": "+31 20 123 4567"}
    for old, new in phones.items():
        edit(repo, "data/catalogue/organisations.yml", f'phone: "{old}"', f'phone: "{new}"')
    assert validate(repo).problems == ()


def test_an_email_address_that_is_wrong(repo):
    edit(repo, "data/catalogue/departments.yml", "email: burgerzaken@voorbeeld.example", "email: burgerzaken@@voorbeeld")
    [problem] = problems_about(repo, 'het e-mailadres "burgerzaken@@voorbeeld" klopt niet')
    assert problem.entry == 'afdeling "burgerzaken"'


def test_all_mistakes_in_one_entry_are_named_at_once(repo):
    edit(repo, "data/catalogue/departments.yml", "email: burgerzaken@voorbeeld.example", "email: geen-adres")
    edit(repo, "data/catalogue/departments.yml", 'monday: "09:00-16:30"', 'monday: "negen uur"')
    problems = [p for p in validate(repo).problems if p.entry == 'afdeling "burgerzaken"']
    assert len(problems) == 2


def test_a_yaml_mistake_names_the_line(repo):
    edit(repo, "data/catalogue/products/afval.yml", "    department: afval\n", "    department: [afval\n")
    [problem] = problems_about(repo, "geen geldige YAML (regel")
    assert problem.file.endswith("products/afval.yml")


def test_the_loader_stops_at_the_first_problem_and_says_how_many_more(repo):
    edit(repo, "data/catalogue/products/afval.yml", "    department: afval\n", "    department: afvall\n", count=2)
    with pytest.raises(CatalogueError, match="afdeling \"afvall\" bestaat niet.*nog 1 andere problemen"):
        load_catalogue.__wrapped__(repo / "data" / "catalogue")


# --- NLU examples ------------------------------------------------------------------------

def test_a_product_without_examples(repo):
    drop_intent(repo, "ask_product/afvalkalender")
    [problem] = problems_about(repo, f"dit product heeft 0 voorbeeldzinnen in data/nlu/; Balie heeft er minstens {MIN_EXAMPLES} nodig")
    assert problem.file.endswith("products/afval.yml") and problem.entry == 'product "afvalkalender"'
    assert "ask_product/afvalkalender" in problem.fix


def test_an_intent_for_a_product_that_does_not_exist(repo):
    edit(repo, "data/nlu/products/burgerzaken.yml", "- intent: ask_product/paspoort\n", "- intent: ask_product/paspoorten\n")
    [problem] = problems_about(repo, 'er is geen product met de sleutel "paspoorten"')
    assert problem.file.endswith("data/nlu/products/burgerzaken.yml")
    assert problem.entry == 'intent "ask_product/paspoorten"' and "ask_product/paspoort" in problem.fix


def test_an_example_under_two_products(repo):
    edit(repo, "data/nlu/products/citizen_register.yml",
         "    - grijze bak al 2x niet geleegd wat moet ik nu doen, het past er niet meer in\n",
         "    - grijze bak al 2x niet geleegd wat moet ik nu doen, het past er niet meer in\n"
         "    - Oude  bank weg, hoe regel ik dat ze hem komen halen?\n")
    [problem] = problems_about(repo, "staat ook onder")
    assert problem.file.endswith("data/nlu/products/citizen_register.yml")
    assert "oude bank weg hoe regel ik dat ze hem komen halen" in problem.message.lower().replace(",", "").replace("  ", " ")


def test_an_example_under_two_intents(repo):
    edit(repo, "data/nlu/conversation.yml", "    - hallo\n", "    - hallo\n    - Bedankt!\n")
    [problem] = problems_about(repo, 'de zin "bedankt" staat ook onder "greet"')
    assert problem.entry == 'intent "thank"' and problem.file.endswith("data/nlu/conversation.yml")


def test_an_example_twice_under_one_intent(repo):
    edit(repo, "data/nlu/conversation.yml", "    - hallo\n", "    - hallo\n    - HALLO \n")
    [problem] = problems_about(repo, "staat twee keer onder deze intent")
    assert problem.entry == 'intent "greet"'


def test_an_intent_missing_from_the_domain(repo):
    edit(repo, "data/nlu/conversation.yml", "- intent: greet\n", "- intent: groet\n")
    # groet is not in domain.yml, and greet (still in domain.yml) has no examples now.
    problems_about(repo, "deze intent staat niet in", "deze intent heeft geen voorbeeldzinnen")


# --- rules and stories -------------------------------------------------------------------

@pytest.mark.parametrize("name, old, new, message", [
    ("data/rules/conversation.yml", "action: utter_greet", "action: utter_greeet", '"utter_greeet" staat niet in'),
    ("data/rules/handover.yml", "action: action_request_human", "action: action_call_human", '"action_call_human" staat niet in'),
    ("data/rules/cases.yml", "      - action: status_form\n      - active_loop: status_form\n",
     "      - action: status_form\n      - active_loop: status_formulier\n", 'formulier "status_formulier" bestaat niet'),
    ("data/rules/safety.yml", "intent: emergency", "intent: emergengy", 'intent "emergengy" bestaat niet'),
    ("data/rules/cases.yml", "requested_slot: null", "requested_slott: null", 'slot "requested_slott" bestaat niet'),
    ("data/stories/product_followups.yml", "action: utter_thank", "action: utter_thanks", '"utter_thanks" staat niet in'),
])
def test_rules_and_stories_name_only_what_exists(repo, name, old, new, message):
    edit(repo, name, old, new)
    [problem] = problems_about(repo, message)
    assert problem.file.endswith(name)
    assert problem.entry.startswith("regel \"" if "rules" in name else "verhaal \"")


def test_retrieval_responses_come_from_the_catalogue(repo):
    # utter_ask_product is made by the importer from the catalogue, not listed in domain.yml.
    edit(repo, "data/rules/routing.yml", "      - action: action_answer_question\n",
         "      - action: utter_ask_product\n")
    assert validate(repo).problems == ()


# --- case types --------------------------------------------------------------------------

def test_a_case_type_with_a_department_that_does_not_exist(repo):
    edit(repo, "data/catalogue/case_types.yml", "    department: openbare_ruimte\n", "    department: openbare-ruimte\n")
    [problem] = problems_about(repo, 'afdeling "openbare-ruimte" bestaat niet')
    assert problem.file.endswith("case_types.yml") and problem.entry == 'soort zaak "report"'
    assert '"openbare_ruimte"' in problem.fix


def test_a_case_field_with_an_unknown_slot(repo):
    edit(repo, "data/catalogue/case_types.yml", "slot: case_location", "slot: case_locatie")
    [problem] = problems_about(repo, 'slot "case_locatie" bestaat niet')
    assert problem.entry == 'soort zaak "report", vraag 2' and '"case_location"' in problem.fix


def test_a_case_field_whose_slot_is_not_in_the_domain(repo):
    edit(repo, "domain.yml", "      - case_wish\n", "")
    [problem] = problems_about(repo, 'slot "case_wish" hoort niet bij het formulier case_form')
    assert problem.file.endswith("case_types.yml") and problem.entry.startswith('soort zaak "complaint", vraag')


def test_a_question_asked_twice(repo):
    edit(repo, "data/catalogue/case_types.yml", "slot: case_location", "slot: case_category")
    problems_about(repo, 'slot "case_category" wordt twee keer gevraagd')


def test_a_product_with_a_case_type_that_does_not_exist(repo):
    edit(repo, "data/catalogue/products/afval.yml", "      type: report\n", "      type: melding\n")
    [problem] = problems_about(repo, 'de soort zaak "melding" bestaat niet')
    assert problem.entry == 'product "huishoudelijk afvalinzameling", case' and "case_types.yml" in problem.fix


def test_a_missing_case_type(repo):
    edit(repo, "data/catalogue/case_types.yml", "  callback:\n", "  terugbellen:\n")
    problems_about(repo, 'de soort zaak "callback" ontbreekt', 'de soort zaak "terugbellen" bestaat niet')


def test_journey_words_for_an_intent_that_does_not_exist(repo):
    edit(repo, "data/catalogue/case_types.yml", "  request_human:\n", "  request_person:\n")
    [problem] = problems_about(repo, "er is geen intent request_person")
    assert problem.entry == 'journeys "request_person"'
