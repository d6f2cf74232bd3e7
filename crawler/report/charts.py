"""The report's charts: Matplotlib figures as inline SVG that follow the page's theme.

Each chart is drawn with placeholder colours, which are then rewritten to CSS custom properties
(``var(--alive)``, ``currentColor``...), so one SVG serves the light and the dark theme. Text is
kept as ``<text>`` (``svg.fonttype: none``) and inherits the page's font stack (Noto Sans CJK
for Chinese), so the SVG embeds no glyphs and no font file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.base.verdicts import STATUSES
from crawler.store import report_tables
from crawler.store.db import Store

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: placeholder colours (never used otherwise) -> what the page's CSS makes of them
_TEXT, _GRID, _AXIS = "#010203", "#020304", "#030405"
_STATUS_PLACEHOLDER = {s: f"#0000{i + 0xA1:02x}" for i, s in enumerate(STATUSES)}
_UNCHECKED = "#0000b0"
_REPLACEMENTS = {
    _TEXT: "currentColor",
    _GRID: "var(--line)",
    _AXIS: "var(--muted)",
    _UNCHECKED: "var(--unchecked)",
    **{colour: f"var(--{status})" for status, colour in _STATUS_PLACEHOLDER.items()},
}

#: fonts Matplotlib measures text with; the browser draws it with the page's own stack
FONT_FAMILIES = [
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "DejaVu Sans",
]

_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILIES,
    "font.size": 11,
    "text.parse_math": False,  # "$" in a file or domain name is text, not TeX
    "text.color": _TEXT,
    "axes.labelcolor": _TEXT,
    "axes.edgecolor": _AXIS,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "xtick.color": _TEXT,
    "ytick.color": _TEXT,
    "grid.color": _GRID,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

#: one status column per bar segment, plus the links not checked yet
SEGMENTS = [*STATUSES, "unchecked"]

#: inches: the width of every chart, narrow enough that its text stays readable when a phone
#: shows it (about 10 px on a 390 px wide screen)
WIDTH = 5.2
#: the legends' font size (points; the rest is ``font.size``)
LEGEND_SIZE = 10


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str
    caption: str = ""


def _colour(segment: str) -> str:
    return _STATUS_PLACEHOLDER.get(segment, _UNCHECKED)


@contextmanager
def _drawing(key: str, figsize: tuple[float, float]) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one axes and the chart's settings, in force until the SVG is saved.

    No pyplot: a plain :class:`~matplotlib.figure.Figure` keeps no global state to close.
    """
    import matplotlib as mpl  # noqa: PLC0415 (Matplotlib costs tens of MB: only for the page)
    from matplotlib.figure import Figure  # noqa: PLC0415 (same)

    with mpl.rc_context(_rc(key)):
        fig = Figure(figsize=figsize)
        yield fig, fig.subplots()


def _to_svg(fig: Figure, key: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata=_METADATA)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog nor DOCTYPE inside HTML
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", "", svg, flags=re.S)
    svg = re.sub(r'<g id="[^"]*">', "<g>", svg)  # figure_1, axes_1...: same in every chart
    svg = re.sub(r"font-family: [^;\"]*;?\s*", "", svg)  # inherit the page's font stack
    for placeholder, css in _REPLACEMENTS.items():
        svg = svg.replace(placeholder, css)
    # scale with the page: drop the fixed size, keep the aspect ratio
    svg = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
        rf'<svg\1 class="chart" data-chart="{key}" role="img"',
        svg,
        count=1,
    )
    return svg.strip()


def _rc(key: str) -> Any:  # rc_context wants literal keys
    return {**_RC, "svg.hashsalt": f"linkhealth-{key}"}  # distinct clip-path ids per chart


def _stacked_bars(table: pd.DataFrame, key: str) -> str:
    """Horizontal stacked bars: one row per index value, one segment per status column. Each
    bar's label stands above it, across the chart's width (shortened in the middle to fit), so
    a long file name neither squeezes the bars nor leaves the picture."""
    import numpy as np  # noqa: PLC0415 (comes with pandas: only for the reports)
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (same)

    n = max(len(table.index), 1)
    rows = np.arange(len(table.index), dtype=float)
    with _drawing(key, (WIDTH, 1.0 + 0.5 * n)) as (fig, ax):
        left = np.zeros(len(table.index))
        for segment in [c for c in SEGMENTS if c in table.columns]:
            values = table[segment].astype(float).to_numpy()
            if values.sum() == 0:
                continue
            ax.barh(rows, values, left=left, color=_colour(segment), label=segment, height=0.42)
            left += values
        ax.set_ylim(n - 0.55, -0.95)  # top to bottom, room for the first label
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", linewidth=0.6)
        ax.set_axisbelow(True)
        room = ax.get_window_extent().width * 0.92  # slack: the browser's font may be wider
        renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
        for y, value in zip(rows, table.index, strict=True):
            label = ax.text(0, y - 0.26, str(value), va="bottom", ha="left")
            _fit(label, str(value), room, renderer)
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=4,
            fontsize=LEGEND_SIZE,
            handlelength=1,
            columnspacing=0.8,
        )
        return _to_svg(fig, key)


def _fit(label: Any, text: str, room: float, renderer: Any) -> None:
    """Shorten ``label`` in the middle until it is at most ``room`` pixels wide."""
    width = len(text)
    while width > 8 and label.get_window_extent(renderer).width > room:
        width -= 2
        label.set_text(middle_ellipsis(text, width))


def middle_ellipsis(text: str, width: int) -> str:
    """``seeds/深度学习/…/reading-list.md``: a text longer than ``width`` characters keeps its
    start and its end (a file's folder and its name), with ``…`` between."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return text[: width - 1 - tail] + "…" + text[-tail:]


def _segments(counts: Mapping[tuple[str, str], int]) -> pd.DataFrame:
    """The table of links per label (rows, sorted) and segment (columns, in ``SEGMENTS``
    order) that ``pd.crosstab`` makes of the links, from their counts; top first."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only for the reports)

    labels = sorted({label for label, _segment in counts})
    present = {segment for _label, segment in counts}
    table = pd.DataFrame(
        {
            segment: pd.array([counts.get((label, segment), 0) for label in labels], dtype="int64")
            for segment in SEGMENTS
            if segment in present
        },
        index=pd.Index(labels, dtype=object),
    )
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def status_chart(counts: Mapping[str, int]) -> str:
    """Links per segment (``SEGMENTS``: a status, or unchecked)."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only for the reports)

    shown = pd.Series(counts, dtype="int64").reindex(SEGMENTS, fill_value=0)
    shown = shown[(shown > 0) | shown.index.isin(STATUSES[:4])]
    with _drawing("status", (WIDTH, 0.8 + 0.34 * len(shown))) as (fig, ax):
        bars = ax.barh(list(shown.index), shown.to_numpy(), color=[_colour(s) for s in shown.index])
        ax.bar_label(bars, padding=3)
        ax.invert_yaxis()
        ax.grid(axis="x", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.margins(x=0.12)
        return _to_svg(fig, "status")


def file_chart(counts: Mapping[tuple[str, str], int], top: int = 15) -> str:
    """Links per (seed file, segment): the top files."""
    return _stacked_bars(_segments(counts).head(top), "file")


def domain_chart(counts: Mapping[tuple[str, str], int], top: int = 15) -> str:
    """Links per (domain, segment): the top domains."""
    return _stacked_bars(_segments(counts).head(top), "domain")


def run_status_counts(store: Store, upto: int | None = None) -> pd.DataFrame:
    """Links checked per run and status, from the ``checks`` table: one row per run id, one
    column per status (0 when none), oldest run first."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only for the reports)

    rows = report_tables.run_status_counts(store, upto)
    if not rows:
        return pd.DataFrame(columns=list(STATUSES), dtype=int)
    frame = pd.DataFrame(rows, columns=["run_id", "status", "n"])
    table = frame.pivot_table(index="run_id", columns="status", values="n", fill_value=0)
    table = table.reindex(columns=list(STATUSES), fill_value=0).astype(int).sort_index()
    table.columns.name = None
    return table


def trend_chart(trend: pd.DataFrame, labels: Sequence[str] | None = None) -> str:
    """Stacked areas of links per status over runs (a single run draws stacked bars)."""
    shown = [s for s in STATUSES if s in trend.columns and trend[s].sum() > 0]
    x = list(range(len(trend)))
    names = list(labels) if labels is not None else [f"#{i}" for i in trend.index]
    with _drawing("trend", (WIDTH, 2.8)) as (fig, ax):
        values = [trend[s].astype(float).to_numpy() for s in shown]
        colours = [_colour(s) for s in shown]
        if len(trend) > 1:
            ax.stackplot(x, values, labels=shown, colors=colours, alpha=0.9, linewidth=0)
            ax.set_xlim(0, len(trend) - 1)
        else:
            bottom = 0.0
            for s, v, c in zip(shown, values, colours, strict=True):
                ax.bar(x, v, bottom=bottom, color=c, label=s, width=0.4)
                bottom += float(v[0]) if len(v) else 0.0
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step], names[::step])
        ax.set_xlabel("run")
        ax.set_ylabel("links")
        ax.grid(axis="y", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=min(max(len(shown), 1), 4),
            fontsize=LEGEND_SIZE,
            handlelength=1,
        )
        return _to_svg(fig, "trend")
