"""Balie's web service: citizen chat channel, clerk console, cases and handover.

Kept import-light on purpose: the action server imports `bot.catalogue` too.
"""
