"""The run folder's `report.html`: one offline file, nothing linked.

Curves are inline SVG drawn here; sample grids are embedded as base64
PNG. The page never refers to a URL, so it opens from a USB stick or an
air-gapped machine exactly as it was written.
"""

import base64
import csv
import html
import math
import os
import re
import time

# Log columns grouped into one chart each; anything else numeric gets its
# own chart.
CHARTS = (
    ("Losses", ("d_loss", "g_loss", "penalty")),
    ("Discriminator outputs", ("d_real", "d_fake")),
    ("FID (lower is better)", ("fid",)),
    ("Health (TrainingMonitor)", ("diversity", "d_overfit")),
    ("Augmentation probability", ("augment_p",)),
)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def read_csv(path):
    """Rows of `metrics.csv` as dicts of floats (non-numbers dropped)."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            clean = {}
            for key, value in row.items():
                try:
                    clean[key] = float(value)
                except (TypeError, ValueError):
                    continue
            rows.append(clean)
    return rows


def svg_chart(title, series, width=560, height=220):
    """An SVG line chart of `{name: [(x, y), ...]}`, as a string."""
    points = [p for values in series.values() for p in values]
    points = [(x, y) for x, y in points if math.isfinite(y)]
    if not points:
        return ""
    xs, ys = zip(*points)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    left, right, top, bottom = 50, 10, 24, 28

    def px(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return top + (y1 - y) / (y1 - y0) * (height - top - bottom)

    parts = [
        f'<svg width="{width}" '
        f'height="{height}" role="img">',
        f'<text x="{left}" y="15" font-size="13" font-weight="bold">'
        f"{html.escape(title)}</text>",
        f'<rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}" fill="none" stroke="#ccc"/>',
    ]
    for value in (y0, (y0 + y1) / 2, y1):
        parts.append(
            f'<text x="{left - 4}" y="{py(value) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{value:.3g}</text>'
        )
    for value in (x0, x1):
        parts.append(
            f'<text x="{px(value):.1f}" y="{height - 10}" font-size="10" '
            f'text-anchor="middle">{value:.0f}</text>'
        )
    legend_x = left + 8
    for color, (name, values) in zip(COLORS * 4, series.items()):
        values = [(x, y) for x, y in values if math.isfinite(y)]
        if not values:
            continue
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in values)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
            f'points="{path}"/>'
        )
        if len(values) == 1:
            x, y = values[0]
            parts.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" '
                f'fill="{color}"/>'
            )
        parts.append(
            f'<text x="{legend_x}" y="{top + 14}" font-size="11" '
            f'fill="{color}">{html.escape(name)}</text>'
        )
        legend_x += 8 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _charts(rows):
    if not rows:
        return []
    columns = [k for k in rows[-1] if k != "epoch"]
    for row in rows:
        columns += [k for k in row if k not in columns and k != "epoch"]
    used, charts = set(), []
    groups = list(CHARTS) + [(c, (c,)) for c in columns]
    for title, names in groups:
        names = [n for n in names if n in columns and n not in used]
        if not names:
            continue
        used.update(names)
        series = {
            n: [(r.get("epoch", i) + 1, r[n]) for i, r in enumerate(rows)
                if n in r]
            for n in names
        }
        chart = svg_chart(title, series)
        if chart:
            charts.append(chart)
    return charts


def _grids(samples_dir):
    if not os.path.isdir(samples_dir):
        return []
    found = sorted(
        (int(m.group(1)), name)
        for name in os.listdir(samples_dir)
        if (m := re.fullmatch(r"epoch_(\d+)\.png", name))
    )
    if not found:
        return []
    chosen = [found[0]] if len(found) == 1 else [found[0], found[-1]]
    out = []
    for number, name in chosen:
        with open(os.path.join(samples_dir, name), "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        out.append((number, data))
    return out


def write_report(run_dir, config=None, warnings=(), status="running"):
    """Writes `run_dir/report.html` (atomically) and returns its path.

    Args:
        run_dir: the run folder: `metrics.csv` and `samples/` are read.
        config: dict or None, shown as a table of the settings.
        warnings: list of str, shown in a Warnings section.
        status: str, e.g. "running", "finished".

    Returns:
        The path of the report.
    """
    rows = read_csv(os.path.join(run_dir, "metrics.csv"))
    body = [
        "<h1>keras-gan run</h1>",
        f"<p>{html.escape(os.path.abspath(run_dir))}<br>Status: "
        f"<b>{html.escape(status)}</b>; epochs logged: {len(rows)}; "
        f"updated {time.strftime('%Y-%m-%d %H:%M:%S')}</p>",
    ]
    grids = _grids(os.path.join(run_dir, "samples"))
    if grids:
        body.append("<h2>Samples</h2><div class='row'>")
        for number, data in grids:
            label = "earliest" if number == grids[0][0] else "latest"
            if len(grids) == 1:
                label = "latest"
            body.append(
                f"<figure><img src='data:image/png;base64,{data}' "
                f"alt='epoch {number}'><figcaption>{label}: epoch {number}"
                "</figcaption></figure>"
            )
        body.append("</div>")
    charts = _charts(rows)
    if charts:
        body.append("<h2>Curves (per epoch)</h2><div class='row'>")
        body += [f"<div>{c}</div>" for c in charts]
        body.append("</div>")
    body.append("<h2>Warnings</h2>")
    if warnings:
        body.append("<ul>")
        body += [f"<li>{html.escape(str(w))}</li>" for w in warnings]
        body.append("</ul>")
    else:
        body.append("<p>None.</p>")
    if config:
        body.append("<h2>Configuration</h2><table>")
        for key, value in config.items():
            body.append(
                f"<tr><th>{html.escape(str(key))}</th>"
                f"<td>{html.escape(str(value))}</td></tr>"
            )
        body.append("</table>")
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>keras-gan run report</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:1200px}"
        ".row{display:flex;flex-wrap:wrap;gap:16px}"
        "img{image-rendering:pixelated;min-width:256px;border:1px solid #ccc}"
        "th{text-align:left;padding-right:1em;vertical-align:top}"
        "td{font-family:monospace;word-break:break-all}"
        "</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )
    path = os.path.join(run_dir, "report.html")
    partial = f"{path}.tmp"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(partial, path)
    return path
