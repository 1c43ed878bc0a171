"""A team's own knowledge files (triage/knowledge.py): each extends the built-in file of its part, or
replaces some of its keys or all of it; a mistake names the file and the key; `describe` says what was
loaded from where."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from triage.knowledge import PARTS, Knowledge, KnowledgeError, builtin_knowledge, load_knowledge
from triage.models import Ticket
from triage.reading import read_ticket

BUILTIN = builtin_knowledge()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(knowledge: Knowledge, body: str, **fields):
    ticket = Ticket(ticket_id="T-1", customer_id="c", created_at=datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc),
                    subject="s", body=body, **fields)
    return read_ticket(ticket, knowledge.vocabulary)


# --- the built-in knowledge ------------------------------------------------------------------------------

def test_the_built_in_knowledge_is_read_once_and_comes_from_the_package():
    assert builtin_knowledge() is BUILTIN
    assert BUILTIN.sources == {part: (f"built-in triage/{part}.yaml",) for part in PARTS}
    assert len(BUILTIN.kb) >= 10 and BUILTIN.rules.signals and BUILTIN.rules.inhibitions
    assert BUILTIN.alerts.names[0] == "HighErrorRatio"
    assert BUILTIN.vocabulary.service_names["oss"] == "object-storage"


def test_the_built_in_patterns_find_request_ids_and_uuids():
    pattern = BUILTIN.vocabulary.request_id_pattern
    text = "see req-3f9a1c2b7d4e and 3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f, not my-req-3f9a1c2b7d4e nor 3f2a9c1e-5b7d"
    assert pattern.findall(text) == ["req-3f9a1c2b7d4e", "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f"]
    assert BUILTIN.vocabulary.region_pattern.findall("in CN-East-1 and us-west-2, not cn-east-123") == ["CN-East-1", "us-west-2"]


# --- extending --------------------------------------------------------------------------------------------

def test_a_team_vocabulary_extends_the_built_in_one_key_by_key(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", """
services:
  object-storage: [bucket service]   # one more name for a built-in service
  vault: [vault storage, the vault]  # a service of the team's own
platform_codes: [VaultSealed]
""")
    knowledge = load_knowledge(vocabulary_file=team)
    names = knowledge.vocabulary.service_names
    assert (names["bucket service"], names["oss"], names["object storage"]) == ("object-storage",) * 3  # built-in names kept
    assert (names["vault storage"], names["vault"]) == ("vault", "vault")
    assert names["cdn"] == "cdn"  # services the team did not mention stay
    assert {"vaultsealed", "internalerror", "expiredtoken"} <= set(knowledge.vocabulary.codes)
    assert read(knowledge, "uploads to the vault storage fail with VaultSealed").service == "vault"
    assert read(knowledge, "uploads to the vault storage fail with VaultSealed").error_codes == ["VaultSealed"]
    assert read(BUILTIN, "uploads to the vault storage fail with VaultSealed").error_codes == []  # the built-in is untouched


def test_a_list_under_a_key_gets_the_teams_items_appended_once(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", "services:\n  object-storage: [OSS, bucket service]\n")
    knowledge = load_knowledge(vocabulary_file=team)
    assert list(knowledge.vocabulary.service_names).count("oss") == 1
    assert knowledge.vocabulary.service_names["bucket service"] == "object-storage"


def test_team_patterns_add_their_request_id_shapes(tmp_path):
    team = write(tmp_path, "patterns.yaml", "request_ids: ['(?<![A-Z0-9-])TRC-[0-9]{8}(?![0-9])']\n")
    knowledge = load_knowledge(patterns_file=team)
    assert read(knowledge, "failing: TRC-12345678 and req-3f9a1c2b7d4e").request_ids == ["TRC-12345678", "req-3f9a1c2b7d4e"]
    assert read(BUILTIN, "failing: TRC-12345678").request_ids == []


def test_team_knowledge_base_entries_are_added_or_replace_the_built_in_ones_by_code(tmp_path):
    team = write(tmp_path, "kb.yaml", """
entries:
  VaultSealed:
    status: 503
    doc_url: https://docs.team.example/vault#sealed
    messages: {en: [vault is sealed]}
    cause: {en: The vault was sealed by its owner.}
    fix: {en: [Unseal it.]}
  ExpiredToken:
    status: 401
    doc_url: https://docs.team.example/tokens
    cause: {en: Our tokens last an hour.}
    fix: {en: [Refresh them.]}
""")
    knowledge = load_knowledge(knowledge_base_file=team)
    assert len(knowledge.kb) == len(BUILTIN.kb) + 1
    assert knowledge.kb["VaultSealed"].status == 503
    assert knowledge.kb["ExpiredToken"].doc_url == "https://docs.team.example/tokens"  # the team's entry, whole
    assert knowledge.kb["ExpiredToken"].messages == {}
    assert knowledge.kb["NoSuchKey"] == BUILTIN.kb["NoSuchKey"]
    # its message phrases: a logged message and a ticket quoting it both name the entry
    assert knowledge.kb.code_of("error: vault is sealed (since 10:02)") == "VaultSealed"
    assert read(knowledge, "uploads fail: vault is sealed").error_codes == ["VaultSealed"]


def test_team_rules_replace_signals_by_name_and_add_their_own(tmp_path):
    builtin_names = [rule.name for rule in BUILTIN.rules.signals]
    replaced = builtin_names[0]
    team = write(tmp_path, "rules.yaml", f"""
min_margin: 2.5
signals:
  - name: {replaced}
    label: inconclusive
    weight: 0.5
    when: {{customer_requests: "== 0"}}
    reason: {{en: replaced by the team}}
  - name: team_signal
    label: platform_incident
    weight: 2
    when: {{team_fact: ">= 1"}}
    reason: {{en: the team's own}}
inhibitions:
  - name: team_inhibition
    when: {{team_quiet: ">= 1"}}
    suppress: [platform_incident]
""")
    rules = load_knowledge(rules_file=team).rules
    names = [rule.name for rule in rules.signals]
    assert len(names) == len(builtin_names) + 1 and names.count(replaced) == 1
    assert names[-2:] == [replaced, "team_signal"]
    assert next(rule for rule in rules.signals if rule.name == replaced).reason == {"en": "replaced by the team"}
    assert [rule.name for rule in rules.inhibitions] == [*(rule.name for rule in BUILTIN.rules.inhibitions), "team_inhibition"]
    assert (rules.min_margin, rules.min_score) == (2.5, BUILTIN.rules.min_score)  # a value is replaced, the others stay


def test_team_alert_names_come_first_and_can_move_a_built_in_one_up(tmp_path):
    team = write(tmp_path, "alerts.yaml", """
alerts:
  - {name: VaultDown, symptom: errors}
  - {name: HighLatencyP99, symptom: latency}
symptom_words:
  latency: [sluggish]
""")
    alerts = load_knowledge(alerts_file=team).alerts
    assert alerts.names[:2] == ("VaultDown", "HighLatencyP99")
    assert alerts.names.count("HighLatencyP99") == 1 and "HighErrorRatio" in alerts.names
    assert alerts.rank("VaultDown") < alerts.rank("HighErrorRatio")
    assert alerts.symptom("SluggishApi") == "latency" and alerts.symptom("ApiLatencyHigh") == "latency"  # words extended


# --- replacing ---------------------------------------------------------------------------------------------

def test_replace_names_the_keys_the_team_file_replaces(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", "replace: [services]\nservices:\n  vault: [vault storage]\n")
    vocab = load_knowledge(vocabulary_file=team).vocabulary
    assert set(vocab.service_names.values()) == {"vault"}  # the built-in services are gone
    assert vocab.regions.first("cn-east-1 失败") == BUILTIN.vocabulary.regions.first("cn-east-1 失败")  # the rest extends
    assert read(load_knowledge(vocabulary_file=team), "uploads to OSS fail").service is None


def test_replace_all_uses_the_team_file_alone(tmp_path):
    team = write(tmp_path, "kb.yaml", """
replace: all
entries:
  VaultSealed:
    cause: {en: The vault was sealed.}
    fix: {en: [Unseal it.]}
""")
    kb = load_knowledge(knowledge_base_file=team).kb
    assert list(kb) == ["VaultSealed"]
    alerts = load_knowledge(alerts_file=write(tmp_path, "alerts.yaml", "replace: all\nalerts: [{name: VaultDown, symptom: errors}]\n"))
    assert alerts.alerts.names == ("VaultDown",) and alerts.alerts.symptom("SomeLatencyAlert") is None  # no words left


def test_an_empty_team_file_changes_nothing(tmp_path):
    knowledge = load_knowledge(vocabulary_file=write(tmp_path, "empty.yaml", "# nothing yet\n"))
    assert knowledge.vocabulary.service_names == BUILTIN.vocabulary.service_names


# --- mistakes name the file and the key ----------------------------------------------------------------------

def test_a_wrong_value_names_the_file_and_the_key(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", "services:\n  vault: vault storage\n")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(vocabulary_file=team)
    assert str(raised.value) == f"{team}: services.vault: Input should be a valid list"


def test_an_unknown_key_names_the_file_and_the_key(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", "service: {vault: [vault]}\n")
    with pytest.raises(KnowledgeError, match=r"team-vocab\.yaml: service: Extra inputs are not permitted"):
        load_knowledge(vocabulary_file=team)
    kb = write(tmp_path, "kb.yaml", "codes: {}\n")
    with pytest.raises(KnowledgeError, match=r"kb\.yaml: codes: unknown key"):
        load_knowledge(knowledge_base_file=kb)


def test_a_bad_knowledge_base_entry_names_its_code_and_field(tmp_path):
    team = write(tmp_path, "kb.yaml", "entries:\n  VaultSealed:\n    status: 503\n    cause: {zh: 已封存}\n    fix: {en: [Unseal it.]}\n")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_base_file=team)
    assert str(raised.value).startswith(f"{team}: entries.VaultSealed.cause: Value error, needs an 'en' text")
    not_a_mapping = write(tmp_path, "kb2.yaml", "entries: [VaultSealed]\n")
    with pytest.raises(KnowledgeError, match=r"kb2\.yaml: entries: must be a mapping"):
        load_knowledge(knowledge_base_file=not_a_mapping)
    status = write(tmp_path, "kb3.yaml", "entries:\n  X:\n    status: 700\n    cause: {en: c}\n    fix: {en: [f]}\n")
    with pytest.raises(KnowledgeError, match=r"kb3\.yaml: entries\.X\.status: "):
        load_knowledge(knowledge_base_file=status)


def test_a_bad_pattern_names_the_file_and_the_key(tmp_path):
    team = write(tmp_path, "patterns.yaml", "request_ids: ['req-[0-9']\n")
    with pytest.raises(KnowledgeError, match=r"patterns\.yaml: request_ids: Value error, 'req-\[0-9' is not a regular expression"):
        load_knowledge(patterns_file=team)


def test_a_bad_signal_names_the_file_the_key_and_the_condition(tmp_path):
    team = write(tmp_path, "rules.yaml", 'signals:\n  - {name: team_x, label: usage_error, weight: 1, when: {a: "about 3"}, reason: {en: x}}\n')
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(rules_file=team)
    message = str(raised.value)
    assert message.startswith(f"{team}: signals.") and ".when: Value error, condition on 'a' must look like" in message
    assert "got 'about 3'" in message
    not_a_list = write(tmp_path, "rules2.yaml", "signals: {team_x: {}}\n")
    with pytest.raises(KnowledgeError, match=r"rules2\.yaml: signals: must be a list"):
        load_knowledge(rules_file=not_a_list)


def test_a_bad_team_signal_is_located_in_the_team_file(tmp_path):
    team = write(tmp_path, "rules.yaml", 'signals:\n  - {name: team_x, label: usage_error, weight: 1, when: {a: "about 3"}, reason: {en: x}}\n')
    with pytest.raises(KnowledgeError, match=r"rules\.yaml: signals\.0\.when: "):
        load_knowledge(rules_file=team)


@pytest.mark.parametrize(("text", "message"), [
    ("replace: [regions]\nservices: {vault: [vault]}\n", r"replace: 'regions' is not a key of this file"),
    ("replace: everything\nservices: {vault: [vault]}\n", r"replace: must be 'all' or a list of keys, not 'everything'"),
    ("- services\n- regions\n", r"a knowledge file is a YAML mapping, not a list"),
    ("services: [unclosed\n", r"cannot read"),
])
def test_a_file_that_cannot_be_used_says_why(tmp_path, text, message):
    team = write(tmp_path, "team-vocab.yaml", text)
    with pytest.raises(KnowledgeError, match=message) as raised:
        load_knowledge(vocabulary_file=team)
    assert str(raised.value).startswith(str(team))


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(KnowledgeError, match=r"missing\.yaml: cannot read"):
        load_knowledge(alerts_file=tmp_path / "missing.yaml")


# --- describe ---------------------------------------------------------------------------------------------

def test_describe_says_what_was_loaded_from_where(tmp_path):
    team = write(tmp_path, "team-vocab.yaml", "services:\n  vault: [vault storage]\n")
    knowledge = load_knowledge(vocabulary_file=team)
    lines = knowledge.describe()
    assert [line.split(":", 1)[0] for line in lines] == list(PARTS)
    vocabulary, patterns, kb, rules, alerts = lines
    services = len(set(BUILTIN.vocabulary.service_names.values())) + 1
    assert vocabulary.startswith(f"vocabulary: {services} services, ")
    assert vocabulary.endswith(f"\n    from built-in triage/vocabulary.yaml + {team}")
    assert patterns.endswith("\n    from built-in triage/patterns.yaml") and "request ids /" in patterns
    assert kb.startswith(f"knowledge_base: {len(BUILTIN.kb)} entries: ExpiredToken, ")
    assert rules.startswith(f"rules: {len(BUILTIN.rules.signals)} signals, {len(BUILTIN.rules.inhibitions)} inhibitions")
    assert alerts.startswith(f"alerts: {len(BUILTIN.alerts.names)} alert names, strongest first: HighErrorRatio, ")
