"""An answer that changes an earlier one, read before it is stored as the current one.

"oui jai le rsa" to "Pouvez-vous commencer à travailler bientôt ?", from a person who answered
"Aucun des deux" to the RSA question: the "oui" alone would be stored as "Oui, tout de suite",
while the person is most likely correcting the RSA answer. Neither is stored on that guess: one
short message asks whether they change the earlier answer (1 Oui 2 Non), and the current
question stays pending.

Kept narrow on purpose, because people mention things in passing: the current answer is a
bare yes or no (an option that means yes or no), the message names an earlier option by its
exact label ("RSA", "CAP", "Interim") that the person did not choose, and it contradicts that
answer: another option of a single choice, or a list answered "none of these". Any word of an
option's list, or an addition to a list, would catch answers that merely mention something.
"""

from __future__ import annotations

from .reading.normalising import normalise, plain_words
from .reading.parsed import Parsed
from .schema import Option, Question
from .view import View


def _label(option: Option) -> str:
    return normalise(option.sms)


def _nameable(option: Option) -> bool:
    """An option a message can name in passing: a thing ("RSA", "CAP", "Bus, train"), not a
    degree ("Beaucoup", "Un peu": "merci beaucoup" names nothing), a yes or a no, "Autre" or
    "Voir avec conseiller"."""
    return (
        option.means is None
        and option.impact is None
        and not option.other
        and option.key not in ("autre", "conseiller")
        and len(_label(option)) >= 3
        # "Non, jamais", "Oui, à temps partiel": the label's own yes or no is the current
        # answer's ("non jamais tout seul" to another question names nothing).
        and _label(option).split()[0] not in ("oui", "non")
    )


def earlier_change(
    view: View, question: Question, options: list[Option], parsed: Parsed, raw: str
) -> tuple[Question, list[Option]] | None:
    """(the earlier question, its answer as changed) when ``raw`` reads as a change to it."""
    if parsed.kind != "answer" or question.type not in ("single", "multi") or not parsed.value:
        return None
    meaning = {o.key: o.means for o in options}
    if any(meaning.get(key) not in ("yes", "no") for key in parsed.value):
        return None
    words = f" {' '.join(plain_words(raw))} "
    current = {_label(o) for o in options}
    for earlier, _row in reversed(view.given()):
        if earlier.key == question.key or not earlier.has_options:
            continue
        named = [
            o
            for o in view.options(earlier)
            if _nameable(o) and _label(o) not in current and f" {_label(o)} " in words
        ]
        if not named:
            continue
        stored = view.selected_options(earlier)
        if all(o in stored for o in named):
            return None  # it says again what was answered: nothing to change
        if earlier.type == "multi":
            # Only against "none of these": a topic named beside a list that has others ("je
            # fais beaucoup de papiers" after "Logement, Santé") is not a new answer to it.
            if any(o.means is None and not o.exclusive for o in stored):
                return None
            return earlier, named
        return (earlier, named) if len(named) == 1 else None
    return None
