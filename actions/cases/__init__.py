"""Open a case (zaak) from the chat, and look one up: one module per job.

- form.py: start the form, and ask each field as the case type says (data/catalogue/case_types.yml)
- categories.py: the Signalen category of a report, as buttons that fit the citizen's words
- validators.py: check every answer, with a clear Dutch message when it is wrong
- submit.py: the summary, sending the case to the bot service, and stopping
- status.py: look up a case's status after verification

One form (`case_form`) serves every case type; which fields it asks, their questions and the
texts around them are data, so a maintainer changes a question without touching Python.
"""
