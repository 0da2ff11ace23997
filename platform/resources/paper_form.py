"""The paper form of a definition, as a printable PDF: every question in the order the
online form asks it, with its hint, its options (each with a box to tick) or a space for
the answer, and when it is asked (routing_words.py), under its section and subsection
headings. Made with reportlab from the definition alone, so a new year's form needs no
work; the text is in the Bitstream Vera fonts reportlab ships, which have the curly
quotes, dashes and £ that definitions use."""

import io
import re
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle

from cldc.platform.definitions.model import _either as either
from cldc.platform.forms.choices import year_label
from cldc.platform.resources.routing_words import asked_if, in_words

FONT = "Vera"
MARGIN = 18 * mm
TEXT_COLOUR = colors.HexColor("#0b0c0c")
NOTE_COLOUR = colors.HexColor("#484949")


@cache
def styles():
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(f"{FONT}-Bold", "VeraBd.ttf"))
    pdfmetrics.registerFont(TTFont(f"{FONT}-Italic", "VeraIt.ttf"))
    pdfmetrics.registerFont(TTFont(f"{FONT}-BoldItalic", "VeraBI.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Italic",
                                  boldItalic=f"{FONT}-BoldItalic")

    def style(name, size, font=FONT, before=0, after=4, colour=TEXT_COLOUR, **more):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, spaceBefore=before,
                              spaceAfter=after, textColor=colour, alignment=TA_LEFT, **more)

    return {
        "title": style("title", 22, f"{FONT}-Bold", after=8),
        "subtitle": style("subtitle", 13, after=10),
        "body": style("body", 10),
        "section": style("section", 17, f"{FONT}-Bold", before=14, after=6, keepWithNext=1),
        "subsection": style("subsection", 13, f"{FONT}-Bold", before=10, after=4, keepWithNext=1),
        "page": style("page", 11, f"{FONT}-Bold", before=6, after=2, keepWithNext=1),
        "question": style("question", 10.5, f"{FONT}-Bold", before=8, after=2),
        "hint": style("hint", 9, f"{FONT}-Italic", colour=NOTE_COLOUR, after=2),
        "note": style("note", 9, colour=NOTE_COLOUR, after=3, leftIndent=0),
        "page_note": style("page_note", 9, f"{FONT}-Bold", colour=NOTE_COLOUR, before=10, after=0),
        "option": style("option", 10, after=0),
    }


class TickBox(Flowable):
    """An empty square to tick."""

    size = 9

    def wrap(self, *args):
        return self.size, self.size + 2

    def draw(self):
        self.canv.setLineWidth(0.75)
        self.canv.rect(0, 0, self.size, self.size)


class AnswerSpace(Flowable):
    """A box to write an answer in."""

    def __init__(self, height=20):
        super().__init__()
        self.height = height

    def wrap(self, available_width, *args):
        self.width = min(available_width, 120 * mm)
        return self.width, self.height + 4

    def draw(self):
        self.canv.setLineWidth(0.75)
        self.canv.rect(0, 2, self.width, self.height)


BREAK = re.compile(r"&lt;br\s*/?&gt;", re.IGNORECASE)


def text(value):
    """Text as a paragraph shows it: escaped, with the line breaks (<br>) some hints hold."""
    return BREAK.sub("<br/>", escape(str(value or "")))


def numbered_questions(definition):
    """Each question's number on the form, in form order."""
    return {question_id: number for number, question_id in enumerate(definition.questions, 1)}


def paper_form_pdf(definition):
    """The PDF's bytes."""
    s = styles()
    title = f"{definition.title or definition.record_type.replace('_', ' ').capitalize()}: {year_label(definition.version)}"
    numbers = numbered_questions(definition)
    story = [
        Paragraph(text(title), s["title"]),
        Paragraph("Paper form", s["subtitle"]),
        Paragraph("Use this form to write down the answers before you enter them online or in a bulk upload. "
                  "The questions are in the order the online form asks them. Where a question says when it is "
                  "asked, skip it unless that holds; every other question is asked of every record.", s["body"]),
    ]
    for section in definition.sections:
        story.append(Paragraph(text(section.label), s["section"]))
        for subsection in section.subsections:
            story.append(Paragraph(text(subsection.label), s["subsection"]))
            # Not the definitions' routing_notes: they tell those who keep a definition how the
            # routing differs from another service's (CORE's say so), not a person filling it in.
            story += notes(asked_if(subsection.show_if, definition, numbers))
            for page in subsection.pages:
                if page.header:
                    story.append(Paragraph(text(page.header), s["page"]))
                page_notes = [asked_if(page.show_if, definition, numbers)]
                if len(page.questions) > 1 and any(page_notes):
                    # Said once for the questions it covers, and kept with the first of them.
                    first, last = numbers[page.questions[0].id], numbers[page.questions[-1].id]
                    page_notes = [f"Questions {first} to {last}. {note}" for note in page_notes if note]
                    heading, page_notes = notes(*page_notes, style="page_note"), []
                else:
                    heading = []
                for position, question in enumerate(page.questions):
                    story.append(KeepTogether([*(heading if position == 0 else []),
                                               *question_flowables(question, numbers[question.id], definition, numbers,
                                                                   page_notes)]))
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN, title=f"{title}: paper form", author="", subject="Paper form")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(NOTE_COLOUR)
        canvas.drawString(MARGIN, 10 * mm, title)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def notes(*texts, style="note"):
    return [Paragraph(text(note), styles()[style]) for note in texts if note]


def question_flowables(question, number, definition, numbers, page_notes=()):
    """The question, its hint, when it is asked (its page's conditions, where the page
    asks only this question, then its own), and its options or a space for the answer."""
    s = styles()
    flowables = [Paragraph(f"{number}. {text(question.text or question.label or question.id)}", s["question"])]
    if question.hint:
        flowables.append(Paragraph(text(question.hint), s["hint"]))
    flowables += notes(*page_notes, asked_if(question.show_if, definition, numbers))
    if question.type == "derived":
        return flowables + notes("Not asked: the service works this out from other answers.")
    if question.options:
        if question.type == "checkbox":
            flowables += notes("Tick all that apply.")
        flowables.append(options_table(question))
        for offer in question.offers:
            offered = [f"“{label}”" for code, label in question.options if code in offer.codes]
            if offered:  # (codes of a reference list the package ships are not on paper)
                flowables += notes(f"If {in_words(offer.when.source, definition, numbers)}: only {either(offered)}.")
    elif question.type == "date":
        flowables += notes("Day, month and year, like 27 3 2026")
        flowables.append(AnswerSpace())
    else:
        flowables += notes(answer_note(question))
        flowables.append(AnswerSpace(40 if question.type == "address" else 20))
    if question.optional is True:
        flowables += notes("This question may be left blank.")
    return flowables


LONG_LIST = 12  # more options than this go in three columns, read across


def options_table(question):
    cells = [[TickBox(), Paragraph(text(label), styles()["option"])] for _, label in question.options]
    across = 3 if len(cells) > LONG_LIST else 1
    width = (A4[0] - 2 * MARGIN) / across - 16
    rows = [sum(cells[start:start + across], []) for start in range(0, len(cells), across)]
    rows[-1] += ["", ""] * (across - len(rows[-1]) // 2)
    table = Table(rows, colWidths=[16, width] * across, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def answer_note(question):
    if question.type == "numeric":
        unit = f" in {question.prefix.strip()}" if question.prefix.strip() else ""
        unit += f" ({question.suffix.strip()})" if question.suffix.strip() else ""
        if question.min is not None and question.max is not None:
            return f"A number{unit} from {question.min} to {question.max}"
        if question.min is not None:
            return f"A number{unit}, {question.min} or more"
        return f"A number{unit}"
    if question.type in ("select", "radio") and question.extra.get("refers_to"):
        return "Write the answer: the online form lists the answers to choose from"
    return ""
