"""Suggested parcours from a sent pre-diagnostic, by rules a coordinator can read and edit
(backend/data/orientation_rules.yml). A suggestion for the referent, never a decision, and never
shown to the person."""
