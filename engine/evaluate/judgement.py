"""What a check's outcome becomes in the audit: the rule's severity, the cap on westaudit defaults and the
warning band (docs/rules.md#severity).

- a failing check of a `fatal` rule is `fail`; of a `warning` rule, `warn` (exit 0 unless --fail-on warning);
- a failing check judged by a value whose basis is a westaudit `default` that no policy adopted is at most
  `warn`, labelled 默认口径: a fatal finding always rests on the article's text or on an adopted policy;
- a parameter with a warning band: an office that passes the value but not the band is `warn`.
"""

from __future__ import annotations

from dataclasses import replace

from westaudit.core.results import DEFAULT, SEVERITY, Result, Status


def judge(result: Result, severity: str) -> Result:
    """The result with its severity; a failing check downgraded to `warn` when the rule or its basis says so."""
    if result.status is not Status.FAIL:
        return result if result.severity == severity else result.revised(severity=severity)
    if severity == "warning":
        return result.revised(status=Status.WARN, severity="warning", downgraded=SEVERITY)
    if result.rests_on_default:
        return result.revised(status=Status.WARN, severity="warning", downgraded=DEFAULT)
    return result.revised(severity=severity)


def within_band(results: list[Result], banded: list[Result], names: set[str]) -> list[Result]:
    """Each passing result whose office fails the stricter warning band becomes `warn`: the threshold stays the
    requirement's, the band's value joins the parameters as `<name>.warning`, the wording and evidence are the band's."""
    band_of = {result.office_id: result for result in banded}
    out = []
    for result in results:
        band = band_of.get(result.office_id)
        if result.status is Status.PASS and band is not None and band.status is Status.FAIL:
            lines = tuple(replace(use, name=f"{use.name}.warning") for use in band.parameters if use.name in names)
            result = replace(result, status=Status.WARN, severity="warning", parameters=result.parameters + lines,
                             evidence=band.evidence, evidence_total=band.evidence_total,
                             # the line itself is in the parameters (取值依据); the Chinese words stay Chinese
                             message_zh=f"达到要求，但未达提示线：{band.message_zh}",
                             message_en=f"meets the requirement but not the warning line "
                                        f"{band.expected_en or band.expected}: {band.message_en}")
        out.append(result)
    return out
