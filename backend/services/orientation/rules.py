"""The orientation rules file (backend/data/orientation_rules.yml) and the thresholds the
national text leaves open (settings). Checked when loaded: an error names the file, the line
and what is wrong, so a coordinator can fix a typo without a developer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend.core.config import get_settings
from backend.core.yaml_lines import YamlSyntaxError, load_lined
from backend.services import referential

RULES_PATH = referential.DATA_DIR / "orientation_rules.yml"

PARCOURS = ("PED", "PSP", "PSO", "EO")
LEVELS = ("fort", "moyen", "aucun")  # strongest first
YES_NO = ("oui", "non")
# Criteria a rule may test, in the national decision order (reasons follow this order).
CRITERIA = (
    "incomplet",
    "activite_recente",
    "peut_travailler",
    "qualifie",
    "jeune",
    "projet",
    "freins",
)
# What can be recent activity, by the questionnaire's buckets; 0 keeps only "working now".
RECENT_ACTIVITY = {0: ("EN_ACTIVITE",), 2: ("EN_ACTIVITE", "DEUX_DERNIERES_ANNEES")}


class OrientationRulesError(ValueError):
    """The rules file or an orientation setting is wrong; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


class Conditions(_Strict):
    incomplet: list[Literal["oui"]] | None = None
    activite_recente: list[Literal["oui", "non"]] | None = None
    peut_travailler: list[Literal["oui", "non"]] | None = None
    qualifie: list[Literal["oui", "non"]] | None = None
    jeune: list[Literal["oui", "non"]] | None = None
    projet: list[str] | None = None
    freins: list[Literal["fort", "moyen", "aucun"]] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def one_or_many(cls, value: Any) -> Any:
        return None if value is None else _as_list(value)

    @field_validator("projet")
    @classmethod
    def known_project(cls, value: list[str] | None) -> list[str] | None:
        allowed = referential.orientation_criteria()["orientation_input"]["projet_pro"]
        for item in value or []:
            if item not in allowed:
                raise ValueError(f"'{item}' is not a projet_pro value ({', '.join(allowed)})")
        return value

    def items(self) -> list[tuple[str, list[str]]]:
        """(criterion, accepted values) in the national order."""
        return [(c, v) for c in CRITERIA if (v := getattr(self, c)) is not None]


class Rule(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    parcours: Literal["PED", "PSP", "PSO", "EO"]
    when: Conditions


class FreinSettings(_Strict):
    strong_situations: dict[str, list[str]] = Field(default_factory=dict)
    impact_not_given: Literal["fort", "moyen", "aucun"] = "moyen"


class RulesFile(_Strict):
    version: str = Field(min_length=1, max_length=30)
    freins: FreinSettings = FreinSettings()
    rules: list[Rule] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def version_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError('write the version as text in quotes, e.g. version: "2025.2"')
        return value


@dataclass(frozen=True)
class Thresholds:
    """What the national text leaves open (settings, README)."""

    qualifying_levels: tuple[str, ...]
    recent_activity_years: int
    young_age: int

    @property
    def recent_activity(self) -> tuple[str, ...]:
        return RECENT_ACTIVITY[self.recent_activity_years]

    def as_dict(self) -> dict[str, Any]:
        return {
            "qualifying_levels": list(self.qualifying_levels),
            "recent_activity_years": self.recent_activity_years,
            "young_age": self.young_age,
        }


@dataclass(frozen=True)
class RuleSet:
    file: RulesFile
    thresholds: Thresholds
    digest: str

    @property
    def version(self) -> str:
        """Stored with each suggestion: the file's version and a digest of file + settings."""
        return f"{self.file.version}-{self.digest}"

    @property
    def rules(self) -> list[Rule]:
        return self.file.rules

    def rule(self, key: str) -> Rule | None:
        return next((r for r in self.file.rules if r.key == key), None)


def _check(rules: RulesFile) -> list[tuple[tuple, str]]:
    """What pydantic cannot see: freins fields and values, unique keys, a final catch-all."""
    problems: list[tuple[tuple, str]] = []
    criteria = referential.orientation_criteria()
    fields = {f["orientation_field"] for f in criteria["freins"]}
    for field, values in rules.freins.strong_situations.items():
        path = ("freins", "strong_situations", field)
        if field not in fields:
            problems.append((path, f"'{field}' is not a frein field ({', '.join(sorted(fields))})"))
            continue
        allowed = criteria["orientation_input"][field]
        for index, value in enumerate(values):
            if value not in allowed:
                problems.append(
                    ((*path, index), f"'{value}' is not a value of {field} ({', '.join(allowed)})")
                )
    seen: set[str] = set()
    for index, rule in enumerate(rules.rules):
        if rule.key in seen:
            problems.append((("rules", index, "key"), f"rule key '{rule.key}' is used twice"))
        seen.add(rule.key)
        if not rule.when.items() and index != len(rules.rules) - 1:
            problems.append(
                (("rules", index, "when"), "a rule without conditions must be the last one")
            )
    if rules.rules[-1].when.items():
        problems.append(
            (
                ("rules", len(rules.rules) - 1, "when"),
                "the last rule must have no condition (when: {}) so that every case gets a "
                "parcours",
            )
        )
    return problems


def parse_rules(text: str, source: Path = RULES_PATH) -> RulesFile:
    try:
        doc = load_lined(text, source)
    except YamlSyntaxError as exc:
        raise OrientationRulesError(str(exc)) from exc
    if not isinstance(doc.data, dict):
        raise OrientationRulesError(f"{source}: the file must be a mapping with 'rules'")
    try:
        rules = RulesFile.model_validate(doc.data)
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise OrientationRulesError(doc.problems(problems)) from None
    problems = _check(rules)
    if problems:
        raise OrientationRulesError(doc.problems(problems))
    return rules


def thresholds_from_settings() -> Thresholds:
    settings = get_settings()
    allowed = referential.orientation_criteria()["orientation_input"]["niveau_etude"]
    levels = tuple(
        v.strip() for v in settings.orientation_qualifying_levels.split(",") if v.strip()
    )
    wrong = [v for v in levels if v not in allowed]
    if wrong:
        raise OrientationRulesError(
            f"setting ORIENTATION_QUALIFYING_LEVELS: {', '.join(wrong)} not an education level "
            f"({', '.join(allowed)})"
        )
    if settings.orientation_recent_activity_years not in RECENT_ACTIVITY:
        raise OrientationRulesError(
            "setting ORIENTATION_RECENT_ACTIVITY_YEARS: 0 (only working now counts) or 2 "
            "(the questionnaire asks about the last 2 years)"
        )
    if not 16 <= settings.orientation_young_age <= 70:
        raise OrientationRulesError("setting ORIENTATION_YOUNG_AGE: an age between 16 and 70")
    return Thresholds(
        levels, settings.orientation_recent_activity_years, settings.orientation_young_age
    )


def rules_path() -> Path:
    configured = get_settings().orientation_rules_file
    return Path(configured) if configured else RULES_PATH


def load_rules() -> RuleSet:
    """The rules, reloaded when the file or a setting changes (an edit needs no restart)."""
    path = rules_path()
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size, thresholds_from_settings())


@lru_cache(maxsize=4)
def _load_cached(path: str, _mtime: int, _size: int, thresholds: Thresholds) -> RuleSet:
    source = Path(path)
    text = source.read_text(encoding="utf-8")
    rules = parse_rules(text, source)
    digest = hashlib.sha256(
        (text + repr(sorted(thresholds.as_dict().items()))).encode()
    ).hexdigest()[:8]
    return RuleSet(rules, thresholds, digest)
