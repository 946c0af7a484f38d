"""HTTP API of the statistics (team lead, beheerder) and of the citizen's CSAT answer (docs/api.md).

Thin: checks who asks and what, calls bot/insights/stats.py and csat.py, translates their errors.
"""
from __future__ import annotations

import io
from datetime import datetime

from sanic import Blueprint, Request
from sanic.response import json, raw

from ..chat.api import authorise_conversation
from ..desk.sessions import LEAD, MAINTAINER
from ..edge.auth import require_role
from ..edge.errors import ClientError, json_body, text_arg
from . import csat, stats
from .events import LOCAL_ZONE

bp = Blueprint("insights")

# Who may see the statistics: the team lead, and the beheerder who looks after Balie's knowledge.
STATS_ROLES = (LEAD, MAINTAINER)
ALREADY_ANSWERED_NL = "Je hebt al laten weten of dit gesprek je hielp. Bedankt!"


def _period(request: Request):
    today = datetime.now(LOCAL_ZONE).date()
    try:
        return stats.period(text_arg(request, "from", limit=10), text_arg(request, "to", limit=10), today)
    except stats.InvalidPeriod as exc:
        raise ClientError(400, str(exc), exc.message_nl, code="invalid_period")


def labels(catalogue, result: dict) -> dict:
    """Dutch names for the ids in the result (departments, case types, products), for the console."""
    case_types = {key for day in [result, *result["days"]] for key in day["cases"]["by_type"]}
    products = {}
    for item in result["top_products"]:
        product = catalogue.product(item["product"])
        if product:
            products[item["product"]] = product.title
    return {
        "departments": {d.id: d.name for d in catalogue.departments.values()},
        "case_types": {key: catalogue.case_types[key].title for key in sorted(case_types)
                       if key in catalogue.case_types},
        "products": products,
    }


@bp.get("/api/desk/stats")
async def statistics(request: Request):
    """Numbers for ?from=&to= (YYYY-MM-DD, both included; default the last 30 days), with a list per day."""
    require_role(request, *STATS_ROLES)
    first, last = _period(request)
    result = stats.statistics_for(request.app.ctx.engine, first, last)
    result["labels"] = labels(request.app.ctx.catalogue, result)
    return json(result)


@bp.get("/api/desk/stats.csv")
async def statistics_csv(request: Request):
    """The same numbers as CSV: a row per day and a `total` row (spreadsheet-safe cells)."""
    require_role(request, *STATS_ROLES)
    first, last = _period(request)
    out = io.StringIO(newline="")
    stats.write_csv(stats.statistics_for(request.app.ctx.engine, first, last), out)
    filename = f"balie-cijfers-{first.isoformat()}-{last.isoformat()}.csv"
    return raw(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
               headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/api/conversations/<conversation_id>/csat")
async def answer_csat(request: Request, conversation_id: str):
    """The citizen's answer to "Heeft dit je geholpen?": {score: 1-5, comment?: text}. One per conversation."""
    authorise_conversation(request, conversation_id)
    body = json_body(request)
    try:
        answer = csat.answer(request.app.ctx.engine, conversation_id, body.get("score"), body.get("comment"))
    except csat.InvalidAnswer as exc:
        raise ClientError(400, str(exc), exc.message_nl)
    except csat.AlreadyAnswered:
        raise ClientError(409, "this conversation has a CSAT answer already", ALREADY_ANSWERED_NL,
                          code="already_answered")
    return json({"score": answer.score, "created_at": answer.created_at.isoformat()}, status=201)
