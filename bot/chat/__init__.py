"""The citizen chat channel: conversations, stored messages, forwarding to Rasa."""
