"""What the actions report for the statistics (actions/outcome.py), from trackers, without servers."""
from __future__ import annotations

from actions.cases.submit import ActionSubmitCase
from actions.fallback import ActionFallback
from actions.handover import ActionRequestHuman
from actions.routing import ALTERNATIVES_TEXT, ActionAnswerQuestion, ActionChooseProduct, ActionProductFollowup
from tests.actions.test_cases import REPORT, Desk as CaseDesk, tracker as case_tracker, user
from tests.actions.test_routing import Desk, parsed, run_with_outcome, tracker, user_events


class HandoverDesk:
    """The bot service's handover API at the edge: a clerk is free."""

    def request_handover(self, *args):
        return {"status": "queued", "position": 1, "wait_minutes": 2}


def test_a_clear_answer_reports_product_department_and_confidence():
    _, _, outcome = run_with_outcome(ActionAnswerQuestion(), tracker(parsed("ask_product", [("paspoort", 0.97)])))
    assert outcome["decision"] == "answer" and outcome["intent"] == "ask_product"
    assert outcome["product"] == "paspoort" and outcome["department"] == "burgerzaken"
    assert 0.9 < outcome["confidence"] <= 1.0


def test_a_question_back_reports_the_best_guess_but_no_department():
    _, _, outcome = run_with_outcome(ActionAnswerQuestion(), tracker(parsed(
        "ask_product", [("afvalinzameling_grofvuil", 0.5), ("afvalinzamelstation", 0.4)])))
    assert outcome["decision"] == "clarify" and outcome["product"] == "afvalinzameling grofvuil"
    assert "department" not in outcome


def test_not_understood_reports_a_fallback():
    message = parsed("nlu_fallback")
    message["scope"] = {"known_share": 0.1, "language": "unknown", "in_scope": False}
    messages, _, outcome = run_with_outcome(ActionFallback(Desk("open")), tracker(message, events=user_events(1)))
    assert outcome == {"decision": "fallback", "intent": "nlu_fallback", "confidence": 0.0}
    assert len(messages) == 1  # the citizen's reply is unchanged


def test_a_follow_up_names_the_department_again():
    _, _, outcome = run_with_outcome(ActionProductFollowup(), tracker(parsed("ask_cost"), slots={"product": "paspoort"}))
    assert outcome == {"decision": "answer", "intent": "ask_cost", "product": "paspoort", "department": "burgerzaken"}


def picked(product: str, after_alternatives: bool, slot: str = "paspoort"):
    """A choose_product message, after an answer with (or without) the 'Bedoelde je iets anders?' list."""
    bot = [{"event": "bot", "text": "Dit regelt Burgerzaken."}]
    if after_alternatives:
        bot.append({"event": "bot", "text": ALTERNATIVES_TEXT, "data": {"buttons": []}})
    events = [{"event": "user", "text": "paspoort kwijt"}, *bot, {"event": "bot", "data": {"custom": {}}},
              {"event": "action", "name": "action_listen"}, {"event": "user", "text": "/choose_product"}]
    return tracker(parsed("choose_product", entities=[("product", product)]), slots={"product": slot}, events=events)


def test_another_product_picked_from_the_alternatives_is_a_correction():
    _, _, outcome = run_with_outcome(ActionChooseProduct(), picked("identiteitskaart", True))
    assert outcome["decision"] == "answer" and outcome["product"] == "identiteitskaart" and outcome["corrected"]


def test_no_correction_for_the_same_product_or_without_the_alternatives():
    assert "corrected" not in run_with_outcome(ActionChooseProduct(), picked("paspoort", True))[2]
    assert "corrected" not in run_with_outcome(ActionChooseProduct(), picked("identiteitskaart", False))[2]


def test_asking_for_a_person_reports_a_handover():
    t = tracker(parsed("request_human"), slots={"product": "paspoort"}, events=user_events(1))
    _, _, outcome = run_with_outcome(ActionRequestHuman(HandoverDesk()), t)
    assert outcome == {"decision": "handover", "intent": "request_human", "product": "paspoort"}


def test_an_opened_case_reports_its_type_and_department():
    _, _, outcome = run_with_outcome(ActionSubmitCase(CaseDesk()), case_tracker([user("ja versturen", "inform")], REPORT))
    assert outcome == {"decision": "journey", "intent": "inform", "case_type": "report",
                       "department": "openbare_ruimte"}


def test_a_failed_submission_is_a_journey_step_without_a_department():
    from actions.desk_client import BotServiceUnavailable

    _, _, outcome = run_with_outcome(ActionSubmitCase(CaseDesk(BotServiceUnavailable("down"))),
                                     case_tracker([user("ja versturen", "inform")], REPORT))
    assert outcome == {"decision": "journey", "intent": "inform", "case_type": "report"}


def test_danger_reports_the_safety_organisation():
    message = parsed("ask_product", [("schuldhulpverlening", 0.95)], confidence=0.6)
    message["intent_ranking"] = [{"name": "ask_product", "confidence": 0.6}, {"name": "suicide_risk", "confidence": 0.35}]
    _, _, outcome = run_with_outcome(ActionAnswerQuestion(), tracker(message))
    assert outcome["decision"] == "safety" and outcome["organisation"] == "zelfmoordpreventie"
