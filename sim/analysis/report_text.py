"""Report sections made of text: parameter differences and the model's assumptions.

``config_differences`` compares each scenario's resolved configuration
(``.hydra/config.yaml`` of its run) with the baseline's; ``model_section`` renders the
"The model" section of README.md (the model's description and assumptions) into HTML.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import sim
from sim.analysis.study import RunRecord, Study, resolved_config

README = Path(sim.__file__).resolve().parents[1] / "README.md"
_IGNORED = ("run.jobs", "run.progress")
_MAX_CELL = 80


def flatten(obj: Any, prefix: str = "") -> dict[str, str]:
    """Return dotted key -> compact text of every leaf of a nested mapping (lists kept whole)."""
    if isinstance(obj, dict):
        out: dict[str, str] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    plain = isinstance(obj, list | bool) or obj is None
    return {prefix: json.dumps(obj, ensure_ascii=False) if plain else str(obj)}


def _resolved(run: RunRecord) -> dict[str, str]:
    return {k: v for k, v in flatten(resolved_config(run)).items() if k not in _IGNORED}


def _cell(text: str | None, differs: bool) -> str:
    if text is None:
        return "<td class='small'>–</td>"
    short = text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"
    style = " class='best'" if differs else ""
    return f"<td{style}><code>{html.escape(short)}</code></td>"


def config_differences(study: Study) -> str:
    """An HTML table: each scenario's overrides, then every resolved key that differs."""
    first: dict[str, RunRecord] = {}
    for r in study.ok_runs:
        first.setdefault(r.scenario, r)
    names = [s for s in study.scenarios if s in first]
    if not names:
        return "<p>No complete run.</p>"
    base = study.baseline if study.baseline in first else names[0]
    conf = {s: _resolved(first[s]) for s in names}
    keys = sorted({k for s in names for k in conf[s] if conf[s].get(k) != conf[base].get(k)})
    head = "".join(f"<th>{html.escape(s)}{' (baseline)' if s == base else ''}</th>" for s in names)
    ov = "".join("<td>" + (" ".join(f"<code>{html.escape(o)}</code>" for o in study.overrides.get(s, []))
                          or "<i>none</i>") + "</td>" for s in names)
    rows = [f"<tr><th>overrides</th>{ov}</tr>"]
    for k in keys:
        cells = "".join(_cell(conf[s].get(k), conf[s].get(k) != conf[base].get(k)) for s in names)
        rows.append(f"<tr><th><code>{html.escape(k)}</code></th>{cells}</tr>")
    note = ("<p class='small'>First row: the overrides of each scenario on top of the shared "
            "settings. Other rows: every key of the resolved configuration "
            "(<code>.hydra/config.yaml</code> of the run) that differs from the baseline; "
            "highlighted where it differs.</p>")
    if not keys:
        note += "<p class='small'>No resolved key differs from the baseline.</p>"
    return f"{note}<div class='wide'><table><tr><th>parameter</th>{head}</tr>{''.join(rows)}</table></div>"


def _inline(text: str) -> str:
    t = html.escape(text)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    t = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", t)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"<a href='\2'>\1</a>", t)


def markdown_blocks(lines: list[str]) -> str:
    """Render a small Markdown subset (### headings, - bullets, paragraphs) as HTML."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in lines:
        s = line.strip()
        if not s:
            flush()
        elif s.startswith("#"):
            flush()
            out.append(f"<h3>{_inline(s.lstrip('#').strip())}</h3>")
        elif s.startswith("- "):
            if para:
                flush()
            items.append(s[2:])
        elif items and line.startswith("  "):
            items[-1] += " " + s
        else:
            para.append(s)
    flush()
    return "\n".join(out)


def model_section(readme: Path = README) -> str:
    """The README's "The model" section as HTML, or a pointer to it when it cannot be read."""
    try:
        text = readme.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ("<p>The model is described in README.md (section “The model”) and "
                "docs/ of the childcare-sim repository.</p>")
    start = next((i for i, ln in enumerate(text) if ln.strip() == "## The model"), None)
    if start is None:
        return "<p>See README.md of the childcare-sim repository for the model description.</p>"
    end = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    body = markdown_blocks(text[start + 1:end])
    return (f"<p class='small'>From README.md, section “The model” (every default parameter's "
            f"source is cited next to it in <code>configs/</code>).</p>{body}")
