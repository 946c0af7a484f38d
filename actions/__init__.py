"""Custom actions of Balie, run by the rasa-sdk action server.

One module per capability: routing (who handles this), fallback, handover.
Actions own no data: they read the tracker and the catalogue and call the bot service.
"""
