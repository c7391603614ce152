"""The only door to durable_rules. Everything fragile about that engine is handled here.

Callers describe rules with two plain shapes (`GapRule`, `AbsenceRule`), hand over `Fact`s and get
`Match`es back; they never see durable's JSON, its host, its exceptions or its limits.

Sharp edges of durable-rules 2.0.28 and how this module avoids them (each was reproduced on this machine):

* Rulesets live in a process-wide registry keyed by name: every ruleset instance gets a fresh unique name
  and is deleted when its cases are done, so two audits in one process never share facts.
* A pattern written as ``$and`` of an alpha test and a join test (``kind == 'B' and at > first.at``)
  reads past the end of the compiled expression array whenever the join test is false, which segfaults
  at random (same family as issue #381). Here each step's timestamp lives in a field named after the
  step (``k3``), so every join is a single comparison and no pattern ever needs ``$and``.
* A ruleset holds at most 1,024 live states (``MemoryError`` after that), and ``delete_state`` corrupts
  the heap. Each case is one state, so cases are evaluated in chunks on a fresh ruleset per chunk and the
  whole ruleset is dropped afterwards; ``delete_state`` is never called.
* A fact no rule looks at raises MessageNotHandledException, a fact seen twice raises
  MessageObservedException (and facts without an ``id`` are hashed, with collisions, issue #376). Facts
  whose step no rule mentions are not sent at all, repeats of a (case, seq) pair are dropped before
  sending, every fact carries its caller's sequence number as ``id``, and the matching result codes are
  ignored rather than raised.
* Consequents run through Python callbacks that swallow exceptions, give up after 10 seconds and may
  drop facts asserted from inside them (issue #350). This module runs no consequents: it pulls each
  fired rule's frame with ``start_action`` / ``complete_and_start_action`` and records it itself, and it
  never asserts anything from a rule firing. No ``Host`` is created, so no timer threads are started.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from westaudit.core.errors import EngineError
from westaudit.runtime.lazy import lazy_module
from westaudit.runtime.parallel import ForkedCall

# the engine is loaded when a procedure is first evaluated, not when the rule set lists the kind
_engine = lazy_module("durable_rules_engine")

# Well under the engine's 1,024 live states per ruleset.
CASES_PER_RULESET = 500
# Cases one child process evaluates before it exits and gives back the engine's memory (see run_rules).
CASES_PER_CHILD = 2_000

_RESULT_NOT_HANDLED = 1
_RESULT_ALREADY_OBSERVED = 2
_CASE_END_FIELD = "case_end"
_CASE_END_ID = "case_end"
_ruleset_counter = itertools.count()


class ReteEngineError(EngineError):
    """durable_rules refused an operation this module relies on (a bug here or in the engine)."""


@dataclass(frozen=True)
class Fact:
    """Something that happened in one case: a step (`kind`) at an integer time (e.g. microseconds)."""

    case_key: str
    kind: str
    at: int
    seq: int  # unique per case; identifies the fact in matches


@dataclass(frozen=True)
class GapRule:
    """Fires for every pair of facts in one case where second.at - first.at > more_than."""

    name: str
    first_kind: str
    second_kind: str
    more_than: int = 0


@dataclass(frozen=True)
class AbsenceRule:
    """Fires once for every case that has no fact of `kind`."""

    name: str
    kind: str


Rule = GapRule | AbsenceRule


@dataclass(frozen=True)
class Match:
    """One rule firing. `seqs` are the facts that made a GapRule fire (first, second); empty for absence."""

    rule: str
    case_key: str
    seqs: tuple[int, ...]


class ReteSession:
    """Compiled rules, evaluated over complete cases; use as a context manager so nothing outlives it."""

    def __init__(self, rules: Sequence[Rule], *, cases_per_ruleset: int = CASES_PER_RULESET) -> None:
        _check_rules(rules)
        if not 1 <= cases_per_ruleset <= CASES_PER_RULESET:
            raise ValueError(f"cases_per_ruleset must be between 1 and {CASES_PER_RULESET}")
        self._rules = tuple(rules)
        self._cases_per_ruleset = cases_per_ruleset
        kinds = sorted({kind for rule in self._rules for kind in _kinds_of(rule)})
        self._field_of_kind = {kind: f"k{index}" for index, kind in enumerate(kinds)}
        self._definition = json.dumps(_compile(self._rules, self._field_of_kind))
        self._name_prefix = f"westaudit_{uuid.uuid4().hex}"
        self._live_handle: int | None = None
        self.facts_ignored = 0  # facts of a kind no rule mentions, or repeats of a (case, seq)

    def __enter__(self) -> ReteSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._live_handle is not None:
            handle, self._live_handle = self._live_handle, None
            _engine.delete_ruleset(handle)

    def evaluate(
        self, facts: Iterable[Fact], case_keys: Iterable[str] = (), *, batched: bool = True
    ) -> list[Match]:
        """Run every case (those in `facts` plus `case_keys`) to completion and return the matches.

        Each call must receive all facts of the cases it mentions: absence is decided at the end of the
        call. `batched=False` sends facts one by one (slower; kept for measurement and comparison).
        """
        facts_by_case = self._group_relevant_facts(facts, case_keys)
        matches: list[Match] = []
        for chunk in _chunks(list(facts_by_case), self._cases_per_ruleset):
            matches.extend(self._evaluate_chunk(chunk, facts_by_case, batched))
        rule_index = {rule.name: index for index, rule in enumerate(self._rules)}
        return sorted(matches, key=lambda match: (match.case_key, rule_index[match.rule], match.seqs))

    def _group_relevant_facts(self, facts: Iterable[Fact], case_keys: Iterable[str]) -> dict[str, list[Fact]]:
        facts_by_case: dict[str, list[Fact]] = {key: [] for key in case_keys}
        seen: set[tuple[str, int]] = set()
        for fact in facts:
            cases_facts = facts_by_case.setdefault(fact.case_key, [])
            identity = (fact.case_key, fact.seq)
            if fact.kind not in self._field_of_kind or identity in seen:
                self.facts_ignored += 1
                continue
            seen.add(identity)
            cases_facts.append(fact)
        return facts_by_case

    def _evaluate_chunk(
        self, case_keys: list[str], facts_by_case: dict[str, list[Fact]], batched: bool
    ) -> list[Match]:
        # The engine's state ids are chunk-local numbers, so odd case keys ('' or '$s') cannot upset it.
        sid_of_case = {case_key: str(index) for index, case_key in enumerate(case_keys)}
        case_of_sid = {sid: case_key for case_key, sid in sid_of_case.items()}
        fact_messages = [
            {"sid": sid_of_case[key], "id": fact.seq, self._field_of_kind[fact.kind]: fact.at}
            for key in case_keys
            for fact in facts_by_case[key]
        ]
        end_messages = [{"sid": sid, "id": _CASE_END_ID, _CASE_END_FIELD: 1} for sid in case_of_sid]
        handle = self._open_ruleset()
        try:
            fired: list[dict] = []
            # Ends go after every fact of the chunk: absence must only be judged once a case is complete.
            for messages in (fact_messages, end_messages):
                if batched:
                    if messages:
                        _check(_engine.assert_facts(handle, json.dumps(messages, ensure_ascii=False)))
                    fired.extend(_drain(handle))
                else:
                    for message in messages:
                        _check(_engine.assert_fact(handle, json.dumps(message, ensure_ascii=False)))
                        fired.extend(_drain(handle))
        finally:
            self.close()
        return [self._to_match(frame, case_of_sid) for frame in fired]

    def _open_ruleset(self) -> int:
        name = f"{self._name_prefix}_{next(_ruleset_counter)}"
        try:
            self._live_handle = _engine.create_ruleset(name, self._definition)
        except _engine.error as error:
            raise ReteEngineError(f"durable_rules rejected the compiled ruleset: {error}") from error
        return self._live_handle

    def _to_match(self, frame: dict, case_of_sid: dict[str, str]) -> Match:
        ((rule_key, messages),) = frame.items()
        rule = self._rules[int(rule_key.removeprefix("r"))]
        if isinstance(rule, GapRule):
            first, second = messages["first"], messages["second"]
            return Match(rule.name, case_of_sid[first["sid"]], (first["id"], second["id"]))
        return Match(rule.name, case_of_sid[messages["close"]["sid"]], ())


def run_rules(
    rules: Sequence[Rule], facts: Iterable[Fact], case_keys: Iterable[str] = (), *, batched: bool = True
) -> list[Match]:
    """One-shot helper: compile `rules`, evaluate the cases, release the engine's memory.

    Where the platform can fork, the engine runs in child processes, CASES_PER_CHILD cases each: it never
    returns the memory of a ruleset's states (0.1-0.3 MB a case, measured), so one national procedure
    rule alone would otherwise hold about 10 GB. A child's memory goes with it.
    """
    facts_by_case: dict[str, list[Fact]] = {key: [] for key in case_keys}
    for fact in facts:
        facts_by_case.setdefault(fact.case_key, []).append(fact)
    matches: list[Match] = []
    for cases in _chunks(list(facts_by_case), CASES_PER_CHILD):

        def evaluate(cases: list[str] = cases) -> list[Match]:
            with ReteSession(rules) as session:
                return session.evaluate((f for key in cases for f in facts_by_case[key]), cases, batched=batched)

        matches.extend(_in_child_process(evaluate))
    rule_index = {rule.name: index for index, rule in enumerate(rules)}
    return sorted(matches, key=lambda match: (match.case_key, rule_index[match.rule], match.seqs))


def _in_child_process(work: Callable[[], list[Match]]) -> list[Match]:
    try:
        with ForkedCall(work) as child:
            return child.result()
    except ChildProcessError as died:
        raise ReteEngineError(f"the durable-rules child process died: {died}") from None


def _check_rules(rules: Sequence[Rule]) -> None:
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"rule names must be unique; repeated: {', '.join(duplicates)}")
    for rule in rules:
        if not isinstance(rule, GapRule | AbsenceRule):
            raise TypeError(f"unsupported rule type {type(rule).__name__}")
        if isinstance(rule, GapRule) and rule.first_kind == rule.second_kind:
            raise ValueError(f"rule {rule.name!r} compares a step with itself ({rule.first_kind!r})")


def _kinds_of(rule: Rule) -> tuple[str, ...]:
    return (rule.first_kind, rule.second_kind) if isinstance(rule, GapRule) else (rule.kind,)


def _compile(rules: Sequence[Rule], field_of_kind: dict[str, str]) -> dict:
    # Rule keys are positions ('r0'), never caller names, so no name can clash with durable's syntax.
    return {f"r{index}": _compile_rule(rule, field_of_kind) for index, rule in enumerate(rules)}


def _compile_rule(rule: Rule, field_of_kind: dict[str, str]) -> dict:
    if isinstance(rule, GapRule):
        first_field, second_field = field_of_kind[rule.first_kind], field_of_kind[rule.second_kind]
        threshold = {"$add": {"$l": {"first": first_field}, "$r": rule.more_than}}
        return {
            "all": [
                {"first": {"$ex": {first_field: 1}}},
                {"second": {"$gt": {second_field: threshold}}},
            ]
        }
    return {
        "all": [
            {"close": {"$ex": {_CASE_END_FIELD: 1}}},
            {"missing$not": {"$ex": {field_of_kind[rule.kind]: 1}}},
        ]
    }


def _check(result: tuple[int, int]) -> None:
    # Unhandled and already-observed facts are expected and harmless here; anything else already raised.
    code = result[0]
    if code not in (0, _RESULT_NOT_HANDLED, _RESULT_ALREADY_OBSERVED, 3):
        raise ReteEngineError(f"durable_rules returned unexpected result code {code}")


def _drain(handle: int) -> Iterator[dict]:
    """Pull every pending rule firing; completing one hands over the next of the same state."""
    while started := _engine.start_action(handle):
        _state, frame, state_handle = started
        while frame:
            yield json.loads(frame)
            frame = _engine.complete_and_start_action(handle, state_handle)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
