"""Custom Rasa NLU components: they run inside the Rasa server, as part of the trained model."""
