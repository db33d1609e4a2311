"""Custom Rasa NLU components (text normalization for messages typed on a phone)."""
