"""HTML for a report: one self-contained file (inline CSS and SVG, no scripts, no fonts)."""

from __future__ import annotations

import functools

from jinja2 import Environment, StrictUndefined, Template

from orchestration.reports.model import Chart, Table

CSS = """
:root {
  --ink: #1d1d1b; --muted: #4f4f4f; --rule: #c9c9c9; --band: #f2f4f7; --accent: #0b4f8a;
  --green: #1f7a4d; --yellow: #8a6d00; --red: #b3412a;
}
* { box-sizing: border-box; }
html { font-family: "Segoe UI", Arial, "Liberation Sans", Helvetica, sans-serif; color: var(--ink); background: #fff; }
body { margin: 0 auto; max-width: 62rem; padding: 1.5rem 2rem 4rem; line-height: 1.45; }
header.cover { border-bottom: 4px solid var(--accent); padding-bottom: .8rem; margin-bottom: 1.2rem; }
header.cover p { margin: .2rem 0; color: var(--muted); }
h1 { font-size: 1.9rem; margin: 0 0 .3rem; color: var(--accent); }
h2 { font-size: 1.45rem; margin: 2.4rem 0 .6rem; padding-top: .4rem; border-top: 2px solid var(--accent);
     color: var(--accent); }
h3 { font-size: 1.12rem; margin: 1.6rem 0 .4rem; }
p { margin: .4rem 0 .7rem; }
a { color: var(--accent); }
nav.toc ol { columns: 2; padding-left: 1.2rem; margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 .3rem; font-size: .92rem;
        font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 700; padding: .3rem 0; caption-side: top; }
th, td { padding: .28rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid var(--muted); text-align: right;
           font-weight: 600; }
thead th:first-child { text-align: left; }
tbody th { text-align: left; font-weight: 400; min-width: 11rem; }
thead th { hyphens: manual; }
tbody th a { color: inherit; text-decoration: none; border-bottom: 1px dotted var(--muted); }
tbody tr.heading th { font-weight: 700; background: #fafafa; padding-top: .55rem; }
tbody th.indent-1 { padding-left: 1.4rem; }
tbody th.indent-2 { padding-left: 2.4rem; }
td.num { text-align: right; white-space: nowrap; }
table.wide { font-size: .74rem; }
table.wide th, table.wide td { padding: .22rem .25rem; }
table.wide tbody th { white-space: nowrap; }
td.text { text-align: left; }
td.suppressed, td.missing { color: var(--muted); }
td.light { white-space: nowrap; }
td.negative { color: var(--red); }
.light-green::before, .light-yellow::before, .light-red::before {
  content: ""; display: inline-block; width: .8em; height: .8em; margin-right: .35em; border-radius: 50%;
  vertical-align: -0.05em; border: 1px solid #333; }
.light-green::before { background: #2e9e5b; }
.light-yellow::before { background: #f2c218; border-radius: 0; transform: rotate(45deg) scale(.85); }
.light-red::before { background: #d0453a; border-radius: 0; }
.assessment { display: inline-block; padding: .1rem .55rem; border-radius: .8rem; font-weight: 600;
              border: 1px solid currentColor; }
.assessment-helt { color: var(--green); }
.assessment-delvis { color: var(--yellow); }
.assessment-ej { color: var(--red); }
.assessment-none { color: var(--muted); }
td.met { color: var(--green); font-weight: 600; }
td.not-met { color: var(--red); font-weight: 600; }
.table-notes, .source { font-size: .82rem; color: var(--muted); margin: .1rem 0 1rem; }
.table-notes p, .source { margin: .1rem 0; }
figure { margin: 1rem 0 1.4rem; }
.chart-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 1.5rem; }
.chart-grid figure { margin: .6rem 0 1rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); }
figcaption strong { color: var(--ink); }
.note { background: var(--band); border-left: 4px solid var(--accent); padding: .5rem .8rem; margin: .8rem 0; }
.empty { font-style: italic; color: var(--muted); }
dl.definitions dt { font-weight: 700; margin-top: .7rem; }
dl.definitions dt code { font-weight: 400; color: var(--muted); }
dl.definitions dd { margin: .1rem 0 0 1.2rem; }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-before: page; }
  table, figure { break-inside: avoid; }
  nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="omsorgslager">
<title>{{ title }}</title>
<style>{{ css | safe }}</style>
</head>
<body>
<header class="cover">
<h1>{{ title }}</h1>
{% for line in subtitle %}<p>{{ line }}</p>
{% endfor %}
</header>
<nav class="toc" aria-label="Innehåll">
<strong>Innehåll</strong>
<ol>
{% for section in sections %}<li><a href="#{{ section.anchor }}">{{ section.title }}</a></li>
{% endfor %}<li><a href="#definitioner">Definitioner</a></li>
</ol>
</nav>
<main>
<aside class="note" aria-label="Läsanvisning">
{% for line in reading_notes %}<p>{{ line }}</p>
{% endfor %}
</aside>
{% for section in sections %}
<section id="{{ section.anchor }}" aria-labelledby="{{ section.anchor }}-rubrik">
<h2 id="{{ section.anchor }}-rubrik">{{ section.title }}</h2>
{% for paragraph in section.intro %}<p>{{ paragraph }}</p>
{% endfor %}
{% if section.empty_message %}<p class="empty">{{ section.empty_message }}</p>{% endif %}
{% for block in section.blocks %}
{% if block.heading %}<h3>{{ block.heading }}</h3>{% endif %}
{% if block.badge %}<p><span class="assessment assessment-{{ block.badge_class }}">{{ block.badge }}</span></p>{% endif %}
{% for paragraph in block.paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}
{% if block.grid %}<div class="chart-grid">{% endif %}
{% for item in block.items %}
{% if item is table %}
<table{% if item.css_class %} class="{{ item.css_class }}"{% endif %}>
<caption>{{ item.caption }}</caption>
<thead><tr><th scope="col">{{ item.label_header }}</th>{% for column in item.columns %}<th scope="col">{{ column }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in item.rows %}
{% if row.heading %}<tr class="heading"><th scope="rowgroup" colspan="{{ item.columns|length + 1 }}">{{ row.label }}</th></tr>
{% else %}<tr{% if row.definition %} title="{{ row.definition.tooltip }}" data-metric="{{ row.definition.key }}"{% endif %}>
<th scope="row"{% if row.indent %} class="indent-{{ row.indent }}"{% endif %}>{% if row.definition %}<a href="#{{ row.definition.anchor }}">{{ row.label }}</a>{% else %}{{ row.label }}{% endif %}</th>
{% for value in row.cells %}<td class="{{ value.css_class }}"{% if value.title %} title="{{ value.title }}"{% endif %}>{{ value.text }}</td>{% endfor %}
</tr>
{% endif %}
{% endfor %}
</tbody>
</table>
{% if item.notes or item.source %}<div class="table-notes">
{% for note in item.notes %}<p>{{ note }}</p>
{% endfor %}{% if item.source %}<p class="source">{{ item.source }}</p>{% endif %}
</div>{% endif %}
{% else %}
<figure>
{{ item.svg | safe }}
<figcaption><strong>{{ item.caption }}</strong>
{% if item.definitions %} Mått: {% for definition in item.definitions %}<a href="#{{ definition.anchor }}" title="{{ definition.tooltip }}">{{ definition.name }} ({{ definition.key }})</a>{% if not loop.last %}, {% endif %}{% endfor %}.{% endif %}
{% if item.source %} {{ item.source }}{% endif %}</figcaption>
</figure>
{% endif %}
{% endfor %}
{% if block.grid %}</div>{% endif %}
{% endfor %}
</section>
{% endfor %}
<section id="definitioner" aria-labelledby="definitioner-rubrik">
<h2 id="definitioner-rubrik">Definitioner</h2>
<p>Alla mått i rapporten med id, definition, enhet och källa. Håll muspekaren över en rad i en tabell för att se
definitionen direkt.</p>
<dl class="definitions">
{% for definition in definitions %}<dt id="{{ definition.anchor }}">{{ definition.name }} <code>{{ definition.key }}</code></dt>
<dd>{{ definition.definition }} Enhet: {{ definition.unit }}. Källa: {{ definition.source }}.</dd>
{% endfor %}
</dl>
</section>
</main>
<footer>
{% for line in footer %}<p>{{ line }}</p>
{% endfor %}
</footer>
</body>
</html>
"""


@functools.cache
def _template() -> Template:
    """Compiled once per process: compiling costs more than rendering a report."""
    return _environment().from_string(TEMPLATE)


def _environment() -> Environment:
    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.tests["table"] = lambda item: isinstance(item, Table)
    environment.tests["chart"] = lambda item: isinstance(item, Chart)
    return environment


def render(**context: object) -> str:
    return _template().render(css=CSS, **context)
