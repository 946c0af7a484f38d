"""The clerk console: clerk accounts and sessions, the handover queue, live chat."""
