"""Makes MapBot's plain Word template, default-map.docx, beside this file.

    .venv/bin/python bot/portal/templates/word/make_default_template.py

The template is an ordinary Word document with Jinja placeholders that docxtpl fills in
(bot/portal/case_record.py). A council can open it in Word, change the look (styles, a
logo, its own headings) and point MAPBOT_WORD_TEMPLATE at the result; the placeholders
are listed in docs/word-template.md. Paragraph tags (`{%p ... %}`) and table-row tags
(`{%tr ... %}`) take their whole paragraph or row, so they leave no empty lines.
Run this again after changing it and commit both files.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
OUT = HERE / "default-map.docx"
ITEM_HEADERS = ["Their words", "Who said it", "The question they answered"]
ANALYSIS_LISTS = [("danger_statements", "Danger statements"),
                  ("safety_goals", "Safety goals"), ("grey_areas", "Grey areas")]


def tag(document, text: str) -> None:
    """A paragraph that holds only a {%p ... %} tag (docxtpl removes it)."""
    document.add_paragraph(text)


def item_table(document, loop: str, status: bool) -> None:
    """A table of items, one row per item: their words (the worker's wording after,
    marked as theirs), who said it, the question, and (drafts) the status."""
    headers = ITEM_HEADERS + (["Status"] if status else [])
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    table.rows[1].cells[0].text = f"{{%tr for item in {loop} %}}"
    words, who, question = table.rows[2].cells[:3]
    words.text = "{{ item.words }}"
    for line in ("{%p if item.worker_wording %}",
                 "(The worker's wording: {{ item.worker_wording }})", "{%p endif %}",
                 "{%p for remark in item.remarks %}", "({{ remark }})", "{%p endfor %}"):
        words.add_paragraph(line)
    who.text = "{{ item.who }}"
    for line in ("{%p if item.assisted %}", "({{ item.assisted }})", "{%p endif %}"):
        who.add_paragraph(line)
    question.text = "{{ item.question }}"
    if status:
        table.rows[2].cells[3].text = "{{ item.status }}"
    table.rows[3].cells[0].text = "{%tr endfor %}"


def items(document, loop: str) -> None:
    tag(document, f"{{%p if {loop} %}}")
    tag(document, "{%p if show_status %}")
    item_table(document, loop, status=True)
    tag(document, "{%p else %}")
    item_table(document, loop, status=False)
    tag(document, "{%p endif %}")
    tag(document, "{%p else %}")
    document.add_paragraph("Nothing here yet.")
    tag(document, "{%p endif %}")


def simple_table(document, headers: list[str], loop: str, cells: list[str]) -> None:
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    table.rows[1].cells[0].text = f"{{%tr for {loop} %}}"
    for cell, value in zip(table.rows[2].cells, cells, strict=True):
        cell.text = value
    table.rows[3].cells[0].text = "{%tr endfor %}"


def page_number(paragraph) -> None:
    paragraph.add_run(" Page ")
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def header_and_footer(document) -> None:
    """Draft or Reviewed on every page, top and bottom, with the case and round."""
    section = document.sections[0]
    head = section.header.paragraphs[0]
    head.add_run("{{ state }}").bold = True
    head.add_run(" · Map for {{ case.child_name }} · Case {{ case.reference }} · "
                 "Round {{ round.number }} · {{ date }}")
    foot = section.footer.paragraphs[0]
    foot.add_run("{{ state }}").bold = True
    foot.add_run(". Made by MapBot, {{ made }}.")
    page_number(foot)


def opening(document) -> None:
    document.add_heading("Map for {{ case.child_name }}", level=0)
    document.add_paragraph("Case reference: {{ case.reference }}")
    document.add_paragraph("Round {{ round.number }}{% if round.label %}: "
                           "{{ round.label }}{% endif %}")
    document.add_paragraph("Made: {{ made }}")
    document.add_paragraph("Version: {{ version }} ({{ state }})")
    tag(document, "{%p for note in notes %}")
    document.add_paragraph("{{ note }}")
    tag(document, "{%p endfor %}")


def child_words(document) -> None:
    document.add_heading("In the child's words", level=1)
    tag(document, "{%p for child in children %}")
    document.add_heading("{{ child.who }}", level=2)
    tag(document, "{%p for house in child.houses %}")
    document.add_heading("{{ house.title }}", level=3)
    tag(document, "{%p for item in house.items %}")
    document.add_paragraph("“{{ item.words }}”{% if item.worker_wording %} (the worker's "
                           "wording: {{ item.worker_wording }}){% endif %}{% for remark in "
                           "item.remarks %} ({{ remark }}){% endfor %}", style="List Bullet")
    tag(document, "{%p else %}")
    document.add_paragraph("Nothing yet.")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")
    document.add_paragraph("Their number: {% for number in child.numbers %}{{ number.value }}"
                           " out of 10, answering “{{ number.question }}”{% if "
                           "number.one_point_higher %}; one point higher would be: "
                           "{{ number.one_point_higher }}{% endif %}{% if not loop.last %}. "
                           "{% endif %}{% else %}not given{% endfor %}.")
    document.add_paragraph("Adults they trust: {% for person in child.trusted %}"
                           "{{ person.name }}{% if person.relationship %} "
                           "({{ person.relationship }}){% endif %}{% if not loop.last %}, "
                           "{% endif %}{% else %}nobody named{% endfor %}.")
    tag(document, "{%p else %}")
    document.add_paragraph("{% if family_copy %}Not in this copy.{% else %}No child or young "
                           "person has sent their answers in this round yet.{% endif %}")
    tag(document, "{%p endfor %}")


def flags(document) -> None:
    tag(document, "{%p if not family_copy %}")
    document.add_heading("Safeguarding flags", level=1)
    tag(document, "{%p for flag in flags %}")
    document.add_paragraph("{{ flag.text }}", style="Intense Quote")
    document.add_paragraph("{{ flag.level }}. Written by {{ flag.who }}, {{ flag.written }}; "
                           "{{ flag.acknowledged }}.")
    tag(document, "{%p else %}")
    document.add_paragraph("No safeguarding flags.")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endif %}")


def people(document) -> None:
    document.add_heading("Who took part", level=1)
    simple_table(document, ["Name", "Role", "Status", "Sent"], "person in people",
                 ["{{ person.name }}", "{{ person.role }}", "{{ person.status }}",
                  "{{ person.submitted }}"])
    tag(document, "{%p for person in people if person.with_you %}")
    document.add_paragraph("{{ person.label }}. {{ person.with_you }}.")
    tag(document, "{%p endfor %}")


def columns(document) -> None:
    tag(document, "{%p for column in columns %}")
    document.add_heading("{{ column.title }}", level=1)
    tag(document, "{%p for part in column.parts %}")
    document.add_heading("{{ part.title }}", level=2)
    items(document, "part.items")
    tag(document, "{%p endfor %}")
    tag(document, "{%p if column.by_person %}")
    document.add_heading("Who said what in this column", level=2)
    tag(document, "{%p for person in column.by_person %}")
    document.add_paragraph().add_run("{{ person.who }}").bold = True
    tag(document, "{%p for words in person.words %}")
    document.add_paragraph("“{{ words }}”", style="List Bullet")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")


def analysis(document) -> None:
    tag(document, "{%p if analysis %}")
    document.add_heading("The worker's part", level=1)
    for name, title in ANALYSIS_LISTS:
        document.add_heading(title, level=2)
        tag(document, f"{{%p for entry in analysis.{name} %}}")
        document.add_paragraph("{{ entry.text }}")
        tag(document, "{%p for evidence in entry.evidence %}")
        document.add_paragraph("Resting on: “{{ evidence.words }}” – {{ evidence.who }}",
                               style="List Bullet")
        tag(document, "{%p endfor %}")
        tag(document, "{%p else %}")
        document.add_paragraph("None yet.")
        tag(document, "{%p endfor %}")
    document.add_heading("Next steps", level=2)
    tag(document, "{%p for entry in analysis.next_steps %}")
    document.add_paragraph("{{ entry.text }}")
    document.add_paragraph("Who: {{ entry.who }}. By: {{ entry.by }}.")
    tag(document, "{%p else %}")
    document.add_paragraph("None yet.")
    tag(document, "{%p endfor %}")
    document.add_heading("The worker's judgement", level=2)
    document.add_paragraph("{{ analysis.judgement.words }}")
    tag(document, "{%p endif %}")


def scales(document) -> None:
    document.add_heading("Scales from 0 to 10", level=1)
    tag(document, "{%p if scales.common %}")
    document.add_paragraph("The common safety scale: {{ scales.common }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p if scales.own %}")
    document.add_paragraph("{% if scales.common %}Each person's own scale{% else %}"
                           "Everyone's numbers{% endif %}: {{ scales.own }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p for scale in scales.all %}")
    document.add_heading("{{ scale.who }}: {{ scale.value }} out of 10", level=2)
    document.add_paragraph("Question: {{ scale.question }}")
    document.add_paragraph("What makes it that number and not lower: "
                           "{{ scale.why or 'not answered' }}")
    document.add_paragraph("What one point higher would look like: "
                           "{{ scale.one_point_higher or 'not answered' }}")
    tag(document, "{%p else %}")
    document.add_paragraph("Nobody has given a number yet.")
    tag(document, "{%p endfor %}")


def network(document) -> None:
    document.add_heading("Network", level=1)
    tag(document, "{%p if network %}")
    simple_table(document, ["Name", "Relationship", "How they help", "Named by"],
                 "person in network", ["{{ person.name }}", "{{ person.relationship }}",
                                       "{{ person.how_they_help }}", "{{ person.named_by }}"])
    tag(document, "{%p else %}")
    document.add_paragraph("Nobody named yet.")
    tag(document, "{%p endif %}")


def make() -> Path:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = "Map for {{ case.child_name }}"
    document.core_properties.subject = "Case {{ case.reference }}"
    document.core_properties.author = "MapBot"
    header_and_footer(document)
    opening(document)
    child_words(document)
    flags(document)
    people(document)
    columns(document)
    analysis(document)
    scales(document)
    network(document)
    document.save(str(OUT))
    return OUT


if __name__ == "__main__":
    print(make())
