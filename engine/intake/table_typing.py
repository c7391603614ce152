"""Typing a package's tables in an order where every key set a reference is checked against is known first."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from westaudit.core.errors import InputError
from westaudit.intake import cells, filereader
from westaudit.intake.coerce import TypedTable, type_table
from westaudit.spec.tables import TableSpec


def typing_order(tables: set[str], contract: dict[str, TableSpec]) -> list[str]:
    """Tables in an order where each comes after those its reference columns point to, so every key set a
    foreign key needs is known when the table is typed (ties in name order)."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path or name not in tables:
            return
        for column in contract[name].columns.values():
            if column.type == "ref":
                visit(column.ref.split(".")[0], (*path, name))
        order.append(name)

    for name in ["offices", *sorted(tables)]:
        visit(name, ())
    return order


def canonical_frame(raw: filereader.RawTable, spec: TableSpec) -> tuple[pd.DataFrame, list[str]]:
    aliases = {name: list(column.accepted_headers(name)) for name, column in spec.columns.items()}
    match = filereader.match_headers(raw.headers, aliases)
    if match.duplicates:
        raise InputError(raw.source, "the same column is given twice", column=", ".join(match.duplicates),
                         message_zh="同一列出现了两次：请删掉重复的一列")
    for name, column in spec.columns.items():
        if column.required and name not in match.mapping.values():
            raise InputError(raw.source, f"missing required column ({column.zh})", column=name, column_zh=column.zh,
                             message_zh=f"缺少必填列「{column.zh}」：请按模板补上这一列（表头写「{column.zh}」）")
    frame = raw.frame.rename(columns=match.mapping, copy=False)  # nothing writes to either frame
    return frame, list(match.unknown)


@dataclass(frozen=True)
class Typed:
    """One table typed, with the key sets its offices and foreign keys were checked against."""

    table: TypedTable
    unknown_columns: list[str]
    submitted: frozenset[str]
    key_sets: dict[str, set]


def keys_used(name: str, contract: dict[str, TableSpec], keys: dict[str, set]) -> dict[str, set]:
    targets = {"offices"} | {column.ref.split(".")[0] for column in contract[name].columns.values() if column.type == "ref"}
    return {target: keys[target] for target in sorted(targets) if target in keys and target != name}


def type_one(name: str, raw: filereader.RawTable, contract: dict[str, TableSpec], keys: dict[str, set],
             validator: str) -> Typed:
    frame, unknown_columns = canonical_frame(raw, contract[name])
    submitted = frozenset(frame.columns) & frozenset(contract[name].columns)
    offices = set(cells.normalise_text(frame["office_id"])) if name == "offices" else keys["offices"]
    return Typed(type_table(contract[name], frame, offices, keys, validator), unknown_columns, submitted,
                 keys_used(name, contract, keys))


def tables_needed(name: str, contract: dict[str, TableSpec], tables: set[str]) -> set[str]:
    """The tables whose key sets typing `name` needs: offices and the tables it refers to, and theirs."""
    needed: set[str] = set()
    todo = [name]
    while todo:
        for target in {"offices"} | set(keys_used(todo.pop(), contract, dict.fromkeys(tables, set()))):
            if target != name and target not in needed:
                needed.add(target)
                todo.append(target)
    return needed


def typing_turns(order: list[str], deferred: str | None,
                 contract: dict[str, TableSpec]) -> tuple[list[str], set[str]]:
    """The typing order with the table typed ahead moved after the tables behind it that do not need its key set,
    which are typed meanwhile (those tables too)."""
    if deferred is None:
        return order, set()
    at = order.index(deferred)
    free = {name for name in order[at + 1:] if deferred not in tables_needed(name, contract, set(order))}
    behind = [name for name in order[at + 1:] if name not in free]
    return order[:at] + [name for name in order if name in free] + [deferred] + behind, free
