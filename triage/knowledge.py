"""Everything the worker knows about a platform, in one bundle: the vocabulary and patterns it reads
tickets with, the knowledge base of usage errors, the verdict rules and the alert names.

Each part is a built-in data file of the `triage` package, which a team can extend or replace with a
file of its own (settings `vocabulary_file`, `patterns_file`, `knowledge_base_file`, `rules_file`,
`alerts_file`), so a platform is described without touching the package. A team file has the
shape of the built-in one, plus an optional `replace` key:

    replace: all                 # this file instead of the built-in one
    replace: [services, regions] # these keys replace the built-in ones; the others extend them
    (no replace key)             # every key extends the built-in one

Extending merges mappings key by key (a list under a key gets the team's items appended; any other
value is replaced), appends list items, and adds or replaces knowledge-base entries, signals and
inhibitions by name. Alert names from a team come before the built-in ones (they are stronger).

Validated when loaded: a mistake raises KnowledgeError naming the file and the key
(`team-vocab.yaml: services.vault: Input should be a valid list`). `describe()` says what was
loaded from where (`fault-correlator knowledge check`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.knowledge_base import KnowledgeBase, parse_knowledge_base
from triage.verdict import RuleTable
from triage.vocabulary import PatternsData, Vocabulary, VocabularyData, build_vocabulary

PARTS = ("vocabulary", "patterns", "knowledge_base", "rules", "alerts")
Symptom = Literal["errors", "latency"]


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used; the message names the file and the key."""


class AlertName(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    symptom: Symptom


class AlertsData(BaseModel):
    """The alert rules the worker knows, strongest first: the first that matches a ticket names its
    incident. An alert's own `symptom` label wins over the symptom given here; an alert not listed
    gets its symptom from words of its name (`symptom_words`) and ranks after the listed ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alerts: list[AlertName] = Field(default_factory=list)
    symptom_words: dict[Symptom, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class AlertCatalog:
    names: tuple[str, ...]  # strongest first
    symptoms: dict[str, Symptom]
    symptom_words: dict[Symptom, tuple[str, ...]]

    def rank(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            return len(self.names)

    def symptom(self, name: str, label: str | None = None) -> Symptom | None:
        """errors | latency, or None for an alert that says neither (a full disk is no fault of a ticket)."""
        if label in ("errors", "latency"):
            return label  # type: ignore[return-value]
        if name in self.symptoms:
            return self.symptoms[name]
        lowered = name.lower()
        for symptom in ("latency", "errors"):  # "ErrorLatency" is about latency
            if any(word in lowered for word in self.symptom_words.get(symptom, ())):
                return symptom
        return None


@dataclass(frozen=True)
class Knowledge:
    vocabulary: Vocabulary
    kb: KnowledgeBase
    rules: RuleTable
    alerts: AlertCatalog
    sources: dict[str, tuple[str, ...]]  # part -> the files it was read from, built-in first

    def describe(self) -> list[str]:
        """One line per part: what was loaded and from where."""
        vocab = self.vocabulary
        counts = {
            "vocabulary": f"{len(set(vocab.service_names.values()))} services, {len(vocab.codes)} error codes, "
                          f"{len(vocab.statuses)} status meanings, {len(vocab.no_error_values)} no-error values",
            "patterns": f"request ids /{vocab.request_id_pattern.pattern}/, regions /{vocab.region_pattern.pattern}/",
            "knowledge_base": f"{len(self.kb)} entries: {', '.join(self.kb)}",
            "rules": f"{len(self.rules.signals)} signals, {len(self.rules.inhibitions)} inhibitions",
            "alerts": f"{len(self.alerts.names)} alert names, strongest first: {', '.join(self.alerts.names)}",
        }
        return [f"{part}: {counts[part]}\n    from {' + '.join(self.sources[part])}" for part in PARTS]


def load_knowledge(vocabulary_file: Path | None = None, patterns_file: Path | None = None,
                   knowledge_base_file: Path | None = None, rules_file: Path | None = None,
                   alerts_file: Path | None = None) -> Knowledge:
    """The built-in knowledge, each part extended or replaced by the team's file when given."""
    files = dict(zip(PARTS, (vocabulary_file, patterns_file, knowledge_base_file, rules_file, alerts_file)))
    raw = {part: _merged(part, files[part]) for part in PARTS}
    vocabulary_data = _validated(VocabularyData, raw, files, "vocabulary")
    patterns = _validated(PatternsData, raw, files, "patterns")
    kb = _knowledge_base(raw["knowledge_base"], files["knowledge_base"] or _builtin_path("knowledge_base"))
    rules = _validated(RuleTable, raw, files, "rules")
    alerts = _validated(AlertsData, raw, files, "alerts")
    usage_codes = {code: entry.phrases() for code, entry in kb.items()}
    usage_hints = {code: [hint for hints in entry.hints.values() for hint in hints] for code, entry in kb.items()}
    return Knowledge(
        vocabulary=build_vocabulary(vocabulary_data, patterns, usage_codes, usage_hints),
        kb=kb,
        rules=rules,
        alerts=AlertCatalog(
            names=tuple(alert.name for alert in alerts.alerts),
            symptoms={alert.name: alert.symptom for alert in alerts.alerts},
            symptom_words={symptom: tuple(word.lower() for word in words) for symptom, words in alerts.symptom_words.items()},
        ),
        sources={part: (f"built-in triage/{part}.yaml", *([str(files[part])] if files[part] else [])) for part in PARTS},
    )


@cache
def builtin_knowledge() -> Knowledge:
    """The package's own knowledge, with no team file (read once per process)."""
    return load_knowledge()


def _builtin_path(part: str) -> str:
    return f"triage/{part}.yaml"


def _builtin(part: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files("triage").joinpath(f"{part}.yaml").read_text(encoding="utf-8")) or {}


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot read: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{path}: a knowledge file is a YAML mapping, not a {type(raw).__name__}")
    return raw


def _merged(part: str, path: Path | None) -> dict[str, Any]:
    base = _builtin(part)
    if path is None:
        return base
    team = _read(path)
    if part == "rules":
        _check_team_rules(team, path)
    replace = team.pop("replace", None)
    if replace == "all" or replace is True:
        return team
    if replace is None or replace is False:
        replace = []
    if not isinstance(replace, list) or not all(isinstance(key, str) for key in replace):
        raise KnowledgeError(f"{path}: replace: must be 'all' or a list of keys, not {replace!r}")
    unknown = [key for key in replace if key not in team]
    if unknown:
        raise KnowledgeError(f"{path}: replace: {unknown[0]!r} is not a key of this file")
    out = dict(base)
    for key, value in team.items():
        out[key] = value if key in replace else _extend(part, key, base.get(key), value, path)
    return out


def _check_team_rules(team: Mapping[str, Any], path: Path) -> None:
    """A team's signals and inhibitions checked on their own, so that a mistake is located in the
    team's file (`signals.0.when`), not in the merged table."""
    from triage.verdict import Inhibition, SignalRule

    for key, model in (("signals", SignalRule), ("inhibitions", Inhibition)):
        items = team.get(key) or []
        if not isinstance(items, list):
            raise KnowledgeError(f"{path}: {key}: must be a list")
        for number, item in enumerate(items):
            try:
                model.model_validate(item)
            except ValidationError as exc:
                raise KnowledgeError(_describe(exc, path, f"{key}.{number}")) from None


def _extend(part: str, key: str, base: Any, team: Any, path: Path) -> Any:
    if base is None:
        return team
    if part == "alerts" and key == "alerts":
        names = {item.get("name") for item in team if isinstance(item, dict)} if isinstance(team, list) else set()
        return [*(team if isinstance(team, list) else [team]), *(item for item in base if item.get("name") not in names)]
    if part == "rules" and key in ("signals", "inhibitions"):
        if not isinstance(team, list):
            raise KnowledgeError(f"{path}: {key}: must be a list")
        names = {item.get("name") for item in team if isinstance(item, dict)}
        return [*(item for item in base if item.get("name") not in names), *team]
    if isinstance(base, dict) and isinstance(team, dict):
        merged = dict(base)
        for name, value in team.items():
            known = merged.get(name)
            merged[name] = [*known, *(v for v in value if v not in known)] if isinstance(known, list) and isinstance(value, list) else value
        return merged
    if isinstance(base, list) and isinstance(team, list):
        return [*base, *(item for item in team if item not in base)]
    return team


def _knowledge_base(raw: Mapping[str, Any], path: Path | str) -> KnowledgeBase:
    entries = raw.get("entries") or {}
    unknown = sorted(set(raw) - {"entries"})
    if unknown:
        raise KnowledgeError(f"{path}: {unknown[0]}: unknown key (a knowledge-base file has `entries` and `replace`)")
    if not isinstance(entries, Mapping):
        raise KnowledgeError(f"{path}: entries: must be a mapping of codes to entries")
    for code, entry in entries.items():
        try:
            parse_knowledge_base({code: entry})
        except ValidationError as exc:
            raise KnowledgeError(_describe(exc, path, f"entries.{code}")) from None
    return parse_knowledge_base(entries)


def _validated(model: type[BaseModel], raw: Mapping[str, Any], files: Mapping[str, Path | None], part: str) -> Any:
    try:
        return model.model_validate(raw[part])
    except ValidationError as exc:
        raise KnowledgeError(_describe(exc, files[part] or _builtin_path(part))) from None


def _describe(exc: ValidationError, path: Path | str, prefix: str = "") -> str:
    """`file: key.path: message`, one line per problem."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in ((prefix,) if prefix else ()) + tuple(error["loc"]))
        lines.append(f"{path}: {where or '(top level)'}: {error['msg']}")
    return "\n".join(dict.fromkeys(lines))
