"""`roost drift --html`: one self-contained page, a bar chart per feature.

Each chart sets the reference rows' share of each bin beside the logged
rows' share, drawn as inline SVG: the page loads nothing from anywhere.
"""

from __future__ import annotations

from html import escape

from roost.core.monitoring.payload_drift import DriftReport, FeatureDrift

__all__ = ["render_html"]

_BAR = 14
_GAP = 10
_HEIGHT = 180
_LABEL_ROOM = 90
_LEFT = 44
_TOP = 12
_REFERENCE_COLOUR = "#8a9bb0"
_LIVE_COLOUR = "#d9603b"
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; }
td, th { padding: 0.2rem 0.8rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.shift { color: #b3261e; font-weight: bold; } .moderate { color: #9a6700; }
section.feature { margin-bottom: 2rem; }
.key span { display: inline-block; width: 0.8rem; height: 0.8rem; margin: 0 0.3rem; }
"""


def _chart(feature: FeatureDrift) -> str:
    """Draw reference against live bin shares as grouped bars in SVG."""
    peak = max([*feature.reference, *feature.live, 0.01])
    group = 2 * _BAR + _GAP
    width = _LEFT + group * len(feature.bins) + _GAP
    height = _TOP + _HEIGHT + _LABEL_ROOM
    base = _TOP + _HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(feature.feature)}: reference against live">',
        f'<line x1="{_LEFT}" y1="{base}" x2="{width}" y2="{base}" stroke="#444"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" font-size="10" '
        f'text-anchor="end">{peak:.0%}</text>',
        f'<text x="{_LEFT - 4}" y="{base}" font-size="10" text-anchor="end">0%</text>',
    ]
    for index, label in enumerate(feature.bins):
        x = _LEFT + _GAP + index * group
        for offset, share, colour, side in (
            (0, feature.reference[index], _REFERENCE_COLOUR, "reference"),
            (_BAR, feature.live[index], _LIVE_COLOUR, "live"),
        ):
            tall = _HEIGHT * share / peak
            parts.append(
                f'<rect x="{x + offset}" y="{base - tall:.1f}" width="{_BAR}" '
                f'height="{tall:.1f}" fill="{colour}"><title>{escape(label)} '
                f"{side}: {share:.1%}</title></rect>"
            )
        middle = x + _BAR
        parts.append(
            f'<text x="{middle}" y="{base + 10}" font-size="10" text-anchor="end" '
            f'transform="rotate(-45 {middle} {base + 10})">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row(feature: FeatureDrift) -> str:
    return (
        f'<tr><td><a href="#f-{escape(feature.feature)}">'
        f"{escape(feature.feature)}</a></td>"
        f'<td class="num">{feature.psi:.4f}</td>'
        f'<td class="{feature.reading}">{feature.reading}</td></tr>'
    )


def render_html(report: DriftReport) -> str:
    """Return the report as one HTML page: the table, then a chart per feature."""
    features = sorted(report.features, key=lambda f: -f.psi)
    title = escape(f"Input drift of {report.model} {report.version}")
    summary = escape(
        f"{report.rows} logged row(s) against {report.reference_rows} reference "
        "row(s). PSI below 0.1 reads stable, 0.1 to 0.25 moderate, above 0.25 "
        "a shift."
    )
    sections = [
        f'<section class="feature" id="f-{escape(f.feature)}">'
        f"<h2>{escape(f.feature)}: PSI {f.psi:.4f} ({f.reading})</h2>"
        f"{_chart(f)}</section>"
        for f in features
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{title}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{title}</h1><p>{summary}</p>",
            f'<p class="key"><span style="background:{_REFERENCE_COLOUR}"></span>'
            f'reference<span style="background:{_LIVE_COLOUR}"></span>live</p>',
            "<table><tr><th>feature</th><th>PSI</th><th>reading</th></tr>",
            *(_row(f) for f in features),
            "</table>",
            *sections,
            "</body></html>",
        ]
    )
