"""The questionnaire file (bot/questionnaire.yml): its schema, and a loader whose errors name the
file, the line and what is wrong, so a coordinator can fix a typo without a developer."""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backend.core.yaml_lines import YamlSyntaxError, load_lined
from backend.services import referential

ROOT = Path(__file__).resolve().parents[3]
QUESTIONNAIRE_PATH = ROOT / "bot" / "questionnaire.yml"

KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
PROJECT_FIELDS = ("job_label", "mobility_radius_km", "contract_types", "employment_type")
IMPACTS = ("FORT", "MOYEN", "AUCUNE")
POUVOIR_D_AGIR = ["OUI", "NON", "NE_SAIT_PAS"]


class QuestionnaireError(ValueError):
    """The questionnaire file is wrong; the message says where and why."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    question: str
    includes: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def one_test(self) -> Condition:
        if not self.includes and not self.excludes:
            raise ValueError("a condition needs 'includes' or 'excludes'")
        return self


class Store(Strict):
    theme: str
    situation: str


class TextStore(Strict):
    theme: str
    situation: str | None = None  # None: stored under the label "Autre" with the text as detail


class Option(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    sms: str = Field(min_length=1, max_length=40)
    label: str | None = Field(default=None, max_length=64)
    words: list[str] = Field(default_factory=list)
    means: Literal["yes", "no", "dont_know"] | None = None
    exclusive: bool = False
    other: bool = False
    when: list[Condition] = Field(default_factory=list)
    stores: list[Store] = Field(default_factory=list)
    sets: dict[str, Any] = Field(default_factory=dict)
    blocking: bool = False
    impact: Literal["FORT", "MOYEN", "AUCUNE"] | None = None
    frein: str | None = None
    value: Any = None
    # "depuis 2019", "il y a 5 ans": an option chosen by how long ago (in years, [min, max)).
    years_ago: tuple[float, float] | None = None
    # "le bus et le tram, a pied avec ma canne": read beside one of these options, this one
    # ("Aucun transport", named by "a pied") is dropped.
    dropped_beside: list[str] = Field(default_factory=list)

    @property
    def button_title(self) -> str:
        return self.label or self.sms


class Question(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    type: Literal["consent", "single", "multi", "text", "number", "confirm"]
    section: str = "questions"
    text: str = Field(min_length=1)
    rephrase: str | None = None
    help: str | None = None
    optional: bool = False
    when: list[Condition] = Field(default_factory=list)
    options: list[Option] = Field(default_factory=list)
    frein: str | None = None
    project_field: Literal[PROJECT_FIELDS] | None = None  # type: ignore[valid-type]
    stores_text: TextStore | None = None
    min: int | None = None
    max: int | None = None
    # Words after a negation still name the option ("pas de voiture" is a transport problem).
    negation_means_lack: bool = False

    @property
    def has_options(self) -> bool:
        return self.type in ("consent", "single", "multi", "confirm")

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    @model_validator(mode="after")
    def options_match_type(self) -> Question:
        if self.has_options and len(self.options) < 2:
            raise ValueError(f"a '{self.type}' question needs at least two options")
        if not self.has_options and self.options:
            raise ValueError(f"a '{self.type}' question takes no options")
        keys = [o.key for o in self.options]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"option keys used twice: {', '.join(duplicates)}")
        for option in self.options:
            unknown = sorted(set(option.dropped_beside) - set(keys))
            if unknown:
                raise ValueError(f"'{option.key}' dropped_beside unknown options: {unknown}")
        if self.type in ("consent", "confirm"):
            means = {o.means for o in self.options}
            if not {"yes", "no"} <= means:
                raise ValueError(f"a '{self.type}' question needs a 'yes' and a 'no' option")
        return self


class Settings(Strict):
    resume_after_hours: float = 6
    # After this many answers not understood in a row, say how to skip or pause.
    failures_before_offer: int = Field(default=2, ge=1)


class Messages(Strict):
    # Re-asks and confirmations are one SMS each: the list already sent stays the active one.
    reask_choice: str
    reask_multi: str
    reask_yes_no: str
    reask_number: str
    reask_text: str
    still_unclear: str
    confirm_guess: str  # {choice}
    confirm_change: str  # {choice}: an earlier answer changed
    choose_between: str  # {first} {second}
    guess_refused: str
    paused: str
    resumed: str
    back_first: str
    help: str
    confirm_no: str
    submitted: str
    already_submitted: str
    refused: str
    # The one-SMS summary before sending ("Résumé: ... Projet: vendeuse, 15 km. Freins: ...").
    summary: str = "Résumé: {parts}."
    summary_project: str = "Projet: {jobs}"
    summary_radius: str = "{km} km"
    summary_freins: str = "Freins: {freins}"
    summary_no_frein: str = "aucun"
    summary_private: str = "autres: à voir avec votre conseiller"


class Questionnaire(Strict):
    version: int
    settings: Settings = Settings()
    messages: Messages
    questions: list[Question] = Field(min_length=1)
    digest: str = ""  # content hash, the version stored with each pre-diagnostic

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def index(self, key: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.key == key)


def parse_questionnaire(text: str, source: Path = QUESTIONNAIRE_PATH) -> Questionnaire:
    """Parse and check a questionnaire; raise QuestionnaireError naming file and line."""
    try:
        doc = load_lined(text, source)
    except YamlSyntaxError as exc:
        raise QuestionnaireError(str(exc)) from exc
    if not isinstance(doc.data, dict):
        raise QuestionnaireError(
            doc.problems([((), "the file must be a mapping with 'questions'")])
        )
    try:
        questionnaire = Questionnaire.model_validate(doc.data)
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise QuestionnaireError(doc.problems(problems)) from None
    problems = check_references(questionnaire)
    if problems:
        raise QuestionnaireError(doc.problems(problems))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return questionnaire.model_copy(update={"digest": digest})


def _allowed_sets() -> dict[str, list[Any]]:
    criteria = referential.orientation_criteria()["orientation_input"]
    cdb = referential.cdb_referential()
    allowed: dict[str, list[Any]] = {
        field: list(values) for field, values in criteria.items() if field != "flags"
    }
    allowed["capacite_a_travailler"] = [True, False]
    for flag in criteria["flags"]:
        allowed[flag] = [True, False]
    allowed["work_situation"] = list(cdb["work_situation"])
    allowed["pouvoir_agir_confiance"] = POUVOIR_D_AGIR
    allowed["pouvoir_agir_accompagnement"] = POUVOIR_D_AGIR
    return allowed


def check_references(q: Questionnaire) -> list[tuple[tuple[Any, ...], str]]:  # noqa: C901 - a flat list of independent checks
    """What pydantic cannot see: labels, orientation values, conditions, unique keys."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    situations = referential.theme_situations()
    allowed = _allowed_sets()
    freins = {f["cdb_theme"] for f in referential.orientation_criteria()["freins"]}
    cdb = referential.cdb_referential()
    contract_types = set(cdb["contract_type"])
    seen: dict[str, Question] = {}

    def check_conditions(conditions: list[Condition], path: tuple[Any, ...]) -> None:
        for c_index, condition in enumerate(conditions):
            target = seen.get(condition.question)
            where = (*path, "when", c_index)
            if target is None:
                problems.append(
                    ((*where, "question"), f"'{condition.question}' is not an earlier question")
                )
                continue
            for key in [*condition.includes, *condition.excludes]:
                if target.option(key) is None:
                    problems.append((where, f"'{key}' is not an option of '{target.key}'"))

    def check_store(theme: str, label: str | None, path: tuple[Any, ...]) -> None:
        if theme not in situations:
            problems.append(((*path, "theme"), f"'{theme}' is not a Carnet de bord theme"))
        elif label is not None and label not in situations[theme]:
            problems.append(
                (
                    (*path, "situation"),
                    f"'{label}' is not a situation of theme '{theme}' in the Carnet de bord "
                    "referential (labels must match exactly)",
                )
            )

    for index, question in enumerate(q.questions):
        path: tuple[Any, ...] = ("questions", index)
        if question.key in seen:
            problems.append(((*path, "key"), f"question key '{question.key}' is used twice"))
        check_conditions(question.when, path)
        if question.frein and question.frein not in freins:
            problems.append(((*path, "frein"), f"'{question.frein}' is not one of the 8 freins"))
        if question.stores_text:
            check_store(
                question.stores_text.theme,
                question.stores_text.situation,
                (*path, "stores_text"),
            )
        if question.type == "number" and question.project_field not in (None, "mobility_radius_km"):
            problems.append(((*path, "project_field"), "a number can only be a radius in km"))
        for o_index, option in enumerate(question.options):
            o_path = (*path, "options", o_index)
            check_conditions(option.when, o_path)
            for s_index, store in enumerate(option.stores):
                check_store(store.theme, store.situation, (*o_path, "stores", s_index))
            for field, value in option.sets.items():
                if field not in allowed:
                    problems.append(((*o_path, "sets", field), f"unknown field '{field}'"))
                elif value not in allowed[field]:
                    problems.append(
                        (
                            (*o_path, "sets", field),
                            f"'{value}' is not a value of '{field}' "
                            f"(expected one of: {', '.join(map(str, allowed[field]))})",
                        )
                    )
            if option.frein and option.frein not in freins:
                problems.append(((*o_path, "frein"), f"'{option.frein}' is not one of the freins"))
            if question.project_field == "contract_types":
                values = option.value if isinstance(option.value, list) else [option.value]
                for value in values:
                    if value not in contract_types:
                        problems.append(((*o_path, "value"), f"'{value}' is not a contract type"))
            if question.project_field == "employment_type" and option.value not in (
                None,
                "full_time",
                "part_time",
            ):
                problems.append(((*o_path, "value"), "expected full_time, part_time or null"))
        seen.setdefault(question.key, question)
    if q.questions[0].type != "consent":
        problems.append((("questions", 0, "type"), "the first question must be the consent"))
    if sum(1 for x in q.questions if x.type == "confirm") != 1:
        problems.append((("questions",), "exactly one 'confirm' question is needed"))
    return problems


# One parse at a time: the worker's threads asking at once for a questionnaire not yet
# loaded (its first turns, or after an edit) would each parse it (about 150 ms of CPU each).
_LOADING = threading.Lock()


def load_questionnaire(path: Path = QUESTIONNAIRE_PATH) -> Questionnaire:
    """The questionnaire, reloaded when the file changes (a coordinator's edit needs no restart)."""
    stat = path.stat()
    with _LOADING:
        return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load_cached(path: str, _mtime: int, _size: int) -> Questionnaire:
    source = Path(path)
    return parse_questionnaire(source.read_text(encoding="utf-8"), source)
