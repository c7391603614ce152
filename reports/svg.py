"""Inline SVG charts drawn in Python: no plotting library, no script, the same picture on screen and paper."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif"'
NO_DATA = "#d9d9d9"
_RED, _AMBER, _GREEN = (192, 57, 43), (230, 149, 0), (39, 160, 90)


def share_colour(share: float | None) -> str:
    """Red (0%) through amber (50%) to green (100%); grey when there is nothing to judge."""
    if share is None:
        return NO_DATA
    share = min(max(share, 0.0), 1.0)
    low, high, t = (_RED, _AMBER, share * 2) if share <= 0.5 else (_AMBER, _GREEN, share * 2 - 1)
    return "rgb({},{},{})".format(*(round(a + (b - a) * t) for a, b in zip(low, high, strict=True)))


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" {FONT} font-size="12"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, text: object, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {extra}>{escape(str(text))}</text>'


# a row label of the heat map fits in ROW_LABEL_EMS widths of a Chinese character at font-size 12 (a Latin
# letter about half of one); a longer one is cut with "…", whole in its tooltip
ROW_LABEL_EMS = 27


def _ems(text: str) -> float:
    return sum(1.0 if ord(char) > 0x2e7f else 0.55 for char in text)


def fitted(text: str, ems: float = ROW_LABEL_EMS) -> str:
    if _ems(text) <= ems:
        return text
    kept = ""
    for char in text:
        if _ems(kept + char) > ems - 1:
            break
        kept += char
    return kept.rstrip() + "…"


def heatmap(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float | None]],
            title: str, no_data: str = "—") -> Markup:
    """Shares by row and column; a cell with nothing judged is grey with the words `no_data`, not a number."""
    cell_w, cell_h, left, top = 64, 24, 12 * ROW_LABEL_EMS + 12, 70
    width, height = left + cell_w * len(columns) + 110, top + cell_h * len(rows) + 10
    body = []
    for c, column in enumerate(columns):
        x = left + c * cell_w + cell_w / 2
        body.append(_text(x, top - 8, column, "start", f'transform="rotate(-35 {x:.1f} {top - 8})"'))
    for r, row in enumerate(rows):
        y = top + r * cell_h
        shown = fitted(row)
        body.append(_text(left - 6, y + cell_h * 0.68, shown, "end") if shown == row else
                    f'<g><title>{escape(row)}</title>{_text(left - 6, y + cell_h * 0.68, shown, "end")}</g>')
        for c, value in enumerate(values[r]):
            x = left + c * cell_w
            label = no_data if value is None else f"{value:.0%}"
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                        f'fill="{share_colour(value)}"><title>{escape(row)} · {escape(columns[c])}: {label}</title></rect>')
            body.append(_text(x + cell_w / 2 - 1, y + cell_h * 0.68, label, "middle",
                              'fill="#111"'))
    return _svg(width, height, body, title)


def histogram(values: Sequence[float], bin_width: float, bins: int, threshold: float | None,
              x_label: str, y_label: str, title: str, no_data: str = "—") -> Markup:
    """Shares in bins of bin_width from 0; the last bin holds everything above. A dashed line marks the minimum.
    No values: the words `no_data` and no axes (empty bins would read as counties counted zero times)."""
    if not values:
        return _svg(420, 60, [_text(210, 34, no_data, "middle", 'fill="#666"')], title)
    counts = [0] * bins
    for value in values:
        counts[min(int(value / bin_width + 1e-9), bins - 1)] += 1
    left, top, plot_w, plot_h = 50, 34, 520, 200
    bar_w = plot_w / bins
    peak = max(counts + [1])
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>']
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * bar_w
        start = i * bin_width
        fill = "#2b5c8a" if threshold is None or start + 1e-9 >= threshold else "#b00020"
        body.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                    f'fill="{fill}"><title>{start:.0%}–{start + bin_width:.0%}: {count}</title></rect>')
        if count:
            body.append(_text(x + bar_w / 2, top + plot_h - h - 3, count, "middle"))
        label = f"≥{start:.0%}" if i == bins - 1 else f"{start:.0%}"
        body.append(_text(x + bar_w / 2, top + plot_h + 15, label, "middle", 'font-size="10"'))
    if threshold is not None:
        x = left + plot_w * min(threshold / (bin_width * bins), 1)
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e69500" '
                    f'stroke-width="2" stroke-dasharray="5,3"/>')
        body.append(_text(x, top - 9, f"{threshold:.0%}", "middle", 'fill="#a66a00"'))
    body.append(_text(left + plot_w / 2, top + plot_h + 34, x_label, "middle"))
    body.append(_text(14, top + plot_h / 2, y_label, "middle", f'transform="rotate(-90 14 {top + plot_h / 2})"'))
    return _svg(left + plot_w + 20, top + plot_h + 44, body, title)


def bar_chart(labels: Sequence[str], shares: Sequence[float | None], title: str,
              no_data: str | Sequence[str] = "—") -> Markup:
    """Horizontal bars of shares (0–100%), one per label; a province with nothing judged gets no bar, only the
    words `no_data` (a full grey bar read as 100%): one text for all, or one per label (why nothing was judged)."""
    said = [no_data] * len(labels) if isinstance(no_data, str) else list(no_data)
    left, bar_h, plot_w = 160, 22, 380
    body = []
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        y = 10 + i * (bar_h + 6)
        body.append(_text(left - 6, y + bar_h * 0.7, label, "end"))
        if share is None:
            body.append(_text(left + 6, y + bar_h * 0.7, said[i], "start", 'fill="#666"'))
            continue
        body.append(f'<rect x="{left}" y="{y}" width="{plot_w * share:.1f}" height="{bar_h}" '
                    f'fill="{share_colour(share)}"/>')
        body.append(_text(left + plot_w + 6, y + bar_h * 0.7, f"{share:.0%}"))
    return _svg(left + plot_w + 60, 20 + len(labels) * (bar_h + 6), body, title)
