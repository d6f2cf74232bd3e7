"""report.html: one self-contained page (Jinja2 with autoescape; no external resource)."""

from __future__ import annotations

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from crawler.report.frames import ReportData, banner_for, blank_missing, counts, safe_href
from crawler.verdict import STATUSES

_ENV = Environment(
    loader=PackageLoader("crawler.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


def _by_file(data: ReportData) -> pd.DataFrame:
    per_file = data.occurrences.drop_duplicates(["file", "url"])
    return counts(per_file, "file", list(STATUSES))


def render_html(data: ReportData) -> str:
    links = blank_missing(data.links)
    rows = []
    for row in links.to_dict("records"):
        row["href"] = safe_href(row["url"])
        row["archive_href"] = safe_href(row["archive_url"])
        rows.append(row)
    by_domain = counts(links[links["domain"] != ""], "domain", list(STATUSES)).head(30)
    return _ENV.get_template("report.html.j2").render(
        run=data.run,
        statuses=STATUSES,
        status_counts=links["status"].value_counts().to_dict(),
        total=len(links),
        n_occurrences=len(data.occurrences),
        banner=banner_for(data),
        by_domain=by_domain.to_html(index=False, border=0, na_rep="", escape=True),
        by_file=_by_file(data).to_html(index=False, border=0, na_rep="", escape=True),
        rows=rows,
    )
