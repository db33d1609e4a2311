"""The parts of reading a free-text answer; ``parser.parse_answer`` puts them together.

Each module imports only those listed before it:
parsed, normalising, keywords, numbers, negation, whose, names, finding, matching, durations,
numbered, choices; questions and confirmation (is it a question? yes or no to a confirmation)
stand apart.
"""
