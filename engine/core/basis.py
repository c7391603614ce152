"""Where a threshold comes from: the words of its article, a named policy document, or a westaudit default.

A supervisor disputes the numbers an article does not state first; every value an audit judges by therefore
carries its basis, and every writer shows it (依据条文 / 依据《…》 / 默认口径, docs/rules.md#basis)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class BasisKind(StrEnum):
    TEXT = "text"        # the cited article states the value; `quote` is its words
    POLICY = "policy"    # a document sets it: `title`, `number` (文号) where there is one, `clause`
    DEFAULT = "default"  # no text gives a number; `why` says why this value


@dataclass(frozen=True)
class Basis:
    kind: BasisKind
    article: str = ""   # text: the rule id style article reference, e.g. service_county-09
    quote: str = ""
    title: str = ""
    number: str = ""
    clause: str = ""
    why: str = ""

    @property
    def is_default(self) -> bool:
        return self.kind is BasisKind.DEFAULT

    def label(self, lang: str = "zh") -> str:
        """One line for a reader: 依据条文（service_county-09："…"） / 依据《…》（文号）第…条 / 默认口径：why."""
        if self.kind is BasisKind.TEXT:
            return (f"依据条文（{self.article}：“{self.quote}”）" if lang == "zh"
                    else f"per the article ({self.article}: “{self.quote}”)")
        if self.kind is BasisKind.POLICY:
            number = f"（{self.number}）" if self.number else ""
            clause = f"{self.clause}" if self.clause else ""
            return (f"依据《{self.title}》{number}{clause}" if lang == "zh"
                    else f"per 《{self.title}》{number} {clause}".rstrip())
        return f"默认口径：{self.why}" if lang == "zh" else f"westaudit default: {self.why}"

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}

    @classmethod
    def from_dict(cls, written: dict[str, object]) -> Basis:
        known = {f.name for f in fields(cls)} - {"kind"}
        return cls(BasisKind(str(written["kind"])), **{k: str(v) for k, v in written.items() if k in known})


# the label a result resting on a default basis carries, wherever its status is shown
DEFAULT_LABEL = {"zh": "默认口径", "en": "westaudit default"}
