"""Documents (文件报送) written from the rules that read them: every office playing a document rule's role
draws up the document its duty names, for the year the rule looks at, sent to, approved by and published
where the rule says, before the earliest deadline any rule sets on it; then the planted offices break it.

Rules covered: every `document` rule and every `deadline` rule on documents (kept by the office, or sent to
it: national-09.methods reads the assessment methods provinces send it), and `ratio` rules whose achieved
rows are documents (service_province-02: the share of counties with a post application).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.checks.selectors import OFFICE
from westaudit.generate.base import Planter, World, sequence_ids
from westaudit.generate.expectations import Intent, failing_offices, settle
from westaudit.generate.specs import Roles, UnplantableRule, covered, days, deadline, single_where, threshold
from westaudit.spec.ruleset import Rule

TABLE = "documents"
OWNER = "office_id"
RECEIVER = "submitted_to"
# a document no rule dates is drawn up by the middle of its year
UNDATED_BY = "06-30"
# date columns in the order a document goes through them; a late step moves the later ones with it
DATE_STEPS = ("submitted_on", "approved_on", "published_on")
LATE_DAYS = (1, 30)


def _covers(rule: Rule) -> bool:
    p = rule.check.params
    return {"document": lambda: p.documents.table == TABLE, "deadline": lambda: p.records.table == TABLE,
            "ratio": lambda: p.achieved.table == TABLE}.get(rule.check.name, lambda: False)()


def _selector(rule: Rule):
    p = rule.check.params
    return {"document": lambda: p.documents, "deadline": lambda: p.records, "ratio": lambda: p.achieved}[
        rule.check.name]()


def _doc_types(rule: Rule) -> tuple[str, ...]:
    column, values = single_where(rule, _selector(rule).where, "doc_type")
    if column is None:
        raise UnplantableRule(rule, "the documents it reads are not narrowed to a doc_type")
    return values


def _is_received(rule: Rule) -> bool:
    return rule.check.name == "deadline" and rule.check.params.records.office_column == RECEIVER


class Slots:
    """One row per document an office must hold (office, type, year) with what the rules reading it ask."""

    def __init__(self, world: World, roles: Roles):
        self.world, self.roles = world, roles
        self.parts: list[pd.DataFrame] = []

    def _part(self, offices: np.ndarray, doc_type: str, year: int, **asks) -> pd.DataFrame:
        asks = {"due": np.datetime64("NaT"), "sent_to": "", "approve": "", "publish": False, "within": np.nan,
                "in_year": False} | asks
        asks["due"] = np.datetime64(asks["due"], "ns")  # one unit in every part, so they concatenate alike
        return pd.DataFrame({"office_id": offices, "doc_type": doc_type, "year": year, **asks})

    def add_owned(self, rule: Rule) -> None:
        p, selector = rule.check.params, _selector(rule)
        if selector.office_column != OWNER or selector.roll_up_to or selector.active_in_year \
                or selector.date_in_year not in (None, "submitted_on"):
            raise UnplantableRule(rule, "documents are chosen by their own office, year and submission date only")
        asks: dict = {"in_year": selector.date_in_year is not None}
        if rule.check.name == "document":
            asks.update(sent_to=p.submitted_to or "", approve=p.approved_by or "", publish=p.published)
            if p.due:
                asks["due"] = deadline(self.world, p.due)
        else:
            if not p.due or p.date_column not in ("submitted_on", "published_on"):
                raise UnplantableRule(rule, "a deadline on an office's own documents needs a month-day due on "
                                            "submitted_on or published_on")
            asks.update(due=deadline(self.world, p.due), publish=p.date_column == "published_on")
        year = self.world.year + selector.year_offset
        self.parts.append(self._part(self.roles.offices(rule.office), _doc_types(rule)[0], year, **asks))

    def add_members(self, rule: Rule, members: pd.DataFrame) -> None:
        p = rule.check.params
        if p.achieved_key != OWNER:
            raise UnplantableRule(rule, f"achieved documents are matched by {p.achieved_key}, not by their office")
        year = self.world.year + p.achieved.year_offset
        self.parts.append(self._part(members[p.member_key].to_numpy(dtype=object), _doc_types(rule)[0], year))

    def merged(self) -> pd.DataFrame:
        asks = pd.concat(self.parts, ignore_index=True)
        return _merge(asks)

def _send_to_receivers(world: World, roles: Roles, rule: Rule, slots: pd.DataFrame) -> pd.DataFrame:
    """Documents of the rule's types go to the nearest office above playing its role, approved in time."""
    p = rule.check.params
    within = p.within
    if within is None or within.unit != "days" or within.start_column != "submitted_on" \
            or p.date_column != "approved_on":
        raise UnplantableRule(rule, "documents sent to an office are judged by approval within days of sending")
    chosen = slots["doc_type"].isin(_doc_types(rule))
    if p.records.year_column:
        chosen &= slots["year"].eq(world.year + p.records.year_offset)
    receiver = pd.Series(roles.superiors(slots.loc[chosen, "office_id"].to_numpy(), rule.office),
                         index=slots.index[chosen])
    chosen = receiver.index[receiver.notna()]
    if not len(chosen):
        raise UnplantableRule(rule, "no rule makes any office send it such documents")
    for column in ("sent_to", "approve"):
        clash = slots.loc[chosen, column].ne("") & slots.loc[chosen, column].ne(rule.office)
        if clash.any():
            raise UnplantableRule(rule, f"its documents are also asked {column} another office")
        slots.loc[chosen, column] = rule.office
    slots.loc[chosen, "within"] = np.fmin(slots.loc[chosen, "within"], threshold(world, within.limit))
    slots.loc[chosen, "in_year"] |= p.records.date_in_year == "submitted_on"
    return slots


def _merge(asks: pd.DataFrame) -> pd.DataFrame:
    keys = ["office_id", "doc_type", "year"]
    merged = asks.groupby(keys, sort=True).agg(due=("due", "min"), publish=("publish", "any"),
                                               within=("within", "min"), in_year=("in_year", "any")).reset_index()
    for column in ("sent_to", "approve"):
        named = asks.loc[asks[column].ne(""), [*keys, column]].drop_duplicates()
        if named.duplicated(keys).any():
            raise ValueError(f"two rules ask one document to be {column} different offices")
        merged = merged.merge(named, on=keys, how="left")
        merged[column] = merged[column].fillna("")
    return merged


def _write(world: World, roles: Roles, rng: np.random.Generator, slots: pd.DataFrame) -> pd.DataFrame:
    """Compliant rows: sent well before the earliest deadline, approved within a week, published after."""
    count = len(slots)
    owners = slots["office_id"].to_numpy(dtype=object)
    fallback = pd.to_datetime(slots["year"].astype(str) + f"-{UNDATED_BY}").to_numpy().astype("datetime64[D]")
    due = slots["due"].to_numpy().astype("datetime64[D]")
    due = np.where(np.isnat(due), fallback, due)
    lead = rng.integers(15, 46, count)
    room = (due - np.datetime64(f"{world.year}-01-01")).astype(int)
    in_year = slots["in_year"].to_numpy()
    if (in_year & (room < 13)).any():
        raise ValueError("a document to be sent within the year is due too early in January to date")
    lead = np.where(in_year, np.minimum(lead, room), lead)
    submitted = due - lead.astype("timedelta64[D]")
    sent_to = slots["sent_to"].to_numpy()
    receiver = roles.parents(owners)
    for role in sorted(set(sent_to) - {""}):
        at = sent_to == role
        receiver[at] = roles.superiors(owners[at], role)
    approve = slots["approve"].to_numpy()
    approver = np.full(count, None, dtype=object)
    for role in sorted(set(approve) - {""}):
        at = approve == role
        approver[at] = roles.approvers(owners[at], role)
    within = np.nan_to_num(slots["within"].to_numpy(dtype=float), nan=7).clip(1, 7).astype(int)
    approved = submitted + (1 + (rng.random(count) * within).astype(int)).astype("timedelta64[D]")
    approved = np.where(approve != "", approved, np.datetime64("NaT", "D"))
    after = np.where(np.isnat(approved), submitted, approved)
    published = np.where(slots["publish"].to_numpy(), after + days(rng, 0, 3, count), np.datetime64("NaT", "D"))
    doc_zh = {code: spellings[0] for code, spellings in world.contract[TABLE].columns["doc_type"].values.items()}
    title = (roles.names.reindex(owners).to_numpy().astype(str) + slots["doc_type"].map(doc_zh).to_numpy().astype(str)
             + "（" + slots["year"].astype(str).to_numpy() + "）")
    return pd.DataFrame({
        "document_id": sequence_ids(f"DOC{world.year}-", count, 7),
        "office_id": owners, "doc_type": slots["doc_type"].to_numpy(), "title": title,
        "year": slots["year"].to_numpy(), "submitted_to": receiver, "submitted_on": submitted,
        "approved_by": approver, "approved_on": approved, "published_on": published,
        "_drop": False,
    })


class DocumentsPlanter(Planter):
    name = "documents"
    tables = (TABLE,)

    @property
    def rules(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(rule.id for rule in covered(_covers))

    def build(self, world: World, rng: np.random.Generator) -> None:
        roles = Roles.of(world)
        rules = covered(_covers)
        ctx = roles.context(world)
        slots = Slots(world, roles)
        members: dict[str, pd.DataFrame] = {}
        for rule in rules:
            if rule.check.name == "ratio":
                p = rule.check.params
                chosen = p.population.select(ctx)
                members[rule.id] = chosen[chosen[OFFICE].isin(roles.offices(rule.office))]
                slots.add_members(rule, members[rule.id])
            elif not _is_received(rule):
                slots.add_owned(rule)
        merged = slots.merged()
        for rule in rules:
            if _is_received(rule):
                merged = _send_to_receivers(world, roles, rule, merged)
        docs = _write(world, roles, rng, merged)
        breaker = _Breaker(world, roles, docs, rules)
        for rule in rules:
            if rule.check.name == "ratio":
                breaker.break_coverage(rule, members[rule.id])
            elif not _is_received(rule):
                breaker.break_own(rule)
        for rule in rules:
            if _is_received(rule):
                breaker.break_received(rule)
        kept = docs[~docs["_drop"]].drop(columns="_drop")
        types = {rule.id: set(_doc_types(rule)) for rule in rules}
        settle(world, rules, roles, breaker.intent, {**world.tables, TABLE: kept},
               related=lambda rule, cause: bool(types[rule] & types[cause]))
        world.add(TABLE, kept)


class _Breaker:
    """Plants violations in the document rows, each by the breakage that fails the fewest other rules."""

    def __init__(self, world: World, roles: Roles, docs: pd.DataFrame, rules: tuple[Rule, ...]):
        self.world, self.roles, self.docs, self.rules = world, roles, docs, rules
        self.intent = Intent()
        self.doc_zh = {code: spellings[0] for code, spellings in
                       world.contract[TABLE].columns["doc_type"].values.items()}

    def _rows(self, rule: Rule, offices: np.ndarray, docs: pd.DataFrame | None = None) -> pd.Index:
        docs = self.docs if docs is None else docs
        selector = _selector(rule)
        chosen = docs[OWNER].isin(offices) & docs["doc_type"].isin(_doc_types(rule)) & ~docs["_drop"]
        if selector.year_column:
            chosen &= docs["year"].eq(self.world.year + selector.year_offset)
        return docs.index[chosen]

    def _modes(self, rule: Rule) -> list[str]:
        p = rule.check.params
        if rule.check.name == "document":
            modes = [m for m, asked in (("unapproved", p.approved_by), ("unpublished", p.published),
                                        ("unsent", p.submitted_to), ("late:submitted_on", p.due)) if asked]
            return [*modes, "missing"]
        return [f"late:{p.date_column}", f"undated:{p.date_column}", *(["missing"] if p.when_none == "fail" else [])]

    def _apply(self, docs: pd.DataFrame, rows: pd.Index, mode: str, due: np.datetime64 | None,
               rng: np.random.Generator) -> None:
        action, _, column = mode.partition(":")
        if action == "missing":
            docs.loc[rows, "_drop"] = True
        elif action == "unapproved":
            docs.loc[rows, ["approved_by", "approved_on"]] = [None, pd.NaT]
        elif action == "unpublished" or (action == "undated" and column == "published_on"):
            docs.loc[rows, "published_on"] = pd.NaT
        elif action in ("unsent", "undated"):
            docs.loc[rows, ["submitted_to", "submitted_on"]] = [None, pd.NaT]
        elif action == "late":
            shift = (due + days(rng, *LATE_DAYS, len(rows))) - docs.loc[rows, column].to_numpy().astype("datetime64[D]")
            for step in DATE_STEPS[DATE_STEPS.index(column):]:
                docs.loc[rows, step] = docs.loc[rows, step].to_numpy() + shift

    def _due(self, rule: Rule) -> np.datetime64 | None:
        p = rule.check.params
        return deadline(self.world, p.due) if getattr(p, "due", None) else None

    def _touching(self, rule: Rule) -> list[Rule]:
        types = set(_doc_types(rule))
        return [other for other in self.rules if types & set(_doc_types(other))]

    def _collateral(self, rule: Rule, violators: np.ndarray, mode: str) -> int:
        """Rules failed if the violators break `rule` by `mode`, counted on their rows alone (the offices
        not tried fail alike whatever the mode, so the counts compare modes)."""
        touching = self._touching(rule)
        types = {t for other in touching for t in _doc_types(other)}
        trial = self.docs[self.docs[OWNER].isin(violators) & self.docs["doc_type"].isin(types)].copy()
        self._apply(trial, self._rows(rule, violators, trial), mode, self._due(rule), np.random.default_rng(0))
        ctx = self.roles.context(self.world, {**self.world.tables, TABLE: trial[~trial["_drop"]]})
        near = set(violators) | {a for v in violators for a in self.roles.chart.ancestors(v)}
        return sum(len(failing_offices(other, ctx, self.roles, near)) for other in touching)

    def break_own(self, rule: Rule) -> None:
        rng = self.world.rng(f"documents:{rule.id}")
        candidates = np.unique(self.docs.loc[self._rows(rule, self.roles.offices(rule.office)), OWNER])
        violators = self.world.violators(rng, candidates)
        if not len(violators):
            return
        costs = {mode: self._collateral(rule, violators, mode) for mode in self._modes(rule)}
        cheapest = [mode for mode, cost in costs.items() if cost == min(costs.values())]
        due = self._due(rule)
        for turn, mode in enumerate(cheapest):
            offices = violators[turn::len(cheapest)]
            rows = self._rows(rule, offices)
            self._apply(self.docs, rows, mode, due, rng)
            first_row = pd.Series(rows, index=self.docs.loc[rows, OWNER].to_numpy()).groupby(level=0).first()
            for office in offices:
                self.intent.plant(rule.id, office, self._why(rule, office, mode, first_row.get(office)))

    def _why(self, rule: Rule, office: str, mode: str, row: int | None) -> str:
        action, _, column = mode.partition(":")
        what = "、".join(self.doc_zh[t] for t in _doc_types(rule))
        p = rule.check.params
        if action == "missing":
            return f"{office} 未制定{what}"
        if action == "late":
            when = pd.Timestamp(self.docs.loc[row, column]).date()
            return f"{office} 的{what}（{self.docs.loc[row, 'document_id']}）{column} 为 {when}，晚于 {self._due(rule)}"
        return {"unapproved": f"{office} 的{what}未经 {getattr(p, 'approved_by', '')} 审批",
                "unpublished": f"{office} 的{what}未发布",
                "unsent": f"{office} 的{what}未报送 {getattr(p, 'submitted_to', '')}",
                "undated": f"{office} 的{what}未填 {column}"}[action]

    def break_coverage(self, rule: Rule, members: pd.DataFrame) -> None:
        """The planted offices leave just enough members without the document to fall below the minimum."""
        p = rule.check.params
        rng = self.world.rng(f"documents:{rule.id}")
        minimum = threshold(self.world, p.min)
        by_office = members.groupby(OFFICE)[p.member_key].apply(lambda s: np.sort(s.to_numpy(dtype=object)))
        violators = self.world.violators(rng, by_office.index.to_numpy(dtype=object))
        for office in violators:
            own = by_office[office]
            lacking = len(own) - (int(np.ceil(minimum * len(own) - 1e-9)) - 1)
            if lacking > len(own):
                raise UnplantableRule(rule, f"a minimum of {minimum:g} cannot be fallen short of")
            dropped = np.sort(rng.choice(own, size=lacking, replace=False))
            self._apply(self.docs, self._rows(rule, dropped), "missing", None, rng)
            what = "、".join(self.doc_zh[t] for t in _doc_types(rule))
            self.intent.plant(rule.id, office, f"{office} 下属 {len(own)} 个中 {lacking} 个（{'、'.join(dropped)}）无{what}，"
                                               f"覆盖率低于 {minimum:.0%}", touched=dropped)

    def break_received(self, rule: Rule) -> None:
        """The planted receiving offices approve one document they were sent after the limit."""
        p = rule.check.params
        rng = self.world.rng(f"documents:{rule.id}")
        limit = threshold(self.world, p.within.limit)
        docs = self.docs
        sent = docs.index[docs["doc_type"].isin(_doc_types(rule)) & ~docs["_drop"] & docs["approved_on"].notna()
                          & docs["submitted_on"].dt.year.eq(self.world.year)]
        receivers = docs.loc[sent, RECEIVER]
        for office in self.world.violators(rng, np.unique(receivers.dropna().to_numpy(dtype=object))):
            row = rng.choice(receivers.index[receivers.eq(office)])
            docs.loc[row, "approved_on"] = docs.loc[row, "submitted_on"] + pd.Timedelta(days=limit + rng.integers(1, 21))
            waited = (docs.loc[row, "approved_on"] - docs.loc[row, "submitted_on"]).days
            self.intent.plant(rule.id, office, f"{office} 收到 {docs.loc[row, OWNER]} 的{self.doc_zh[docs.loc[row, 'doc_type']]}"
                                               f"（{docs.loc[row, 'document_id']}）{waited} 天后才审批，超过 {limit:g} 天",
                              touched=[docs.loc[row, OWNER]])
