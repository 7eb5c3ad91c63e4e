"""The invoice as a PDF (reportlab). Chinese text uses the built-in CID font STSong-Light, so
no font file is needed."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    name = "STSong-Light"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _amount(value: Any) -> str:
    return f"{value:,.2f}"


def invoice_pdf(invoice: Any) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=20, spaceAfter=6)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=invoice.number,
    )
    heading = _("Credit note") if invoice.is_credit_note else _("Invoice")
    entity = invoice.issuing_entity
    story: list[Any] = [
        Paragraph(escape(f"{heading} {invoice.number}"), title),
        Paragraph(escape(entity.name + (f" · {_('Tax id')} {entity.tax_id}" if entity.tax_id else "")), body),
    ]
    if entity.address:
        story.append(Paragraph(escape(entity.address), body))
    story.append(Spacer(1, 6 * mm))
    meta = [
        [_("Customer"), invoice.customer.legal_name or invoice.customer.name],
        [_("Contract"), f"{invoice.contract.number} {invoice.contract.title}"],
        [_("Issue date"), invoice.issue_date.isoformat()],
        [_("Due date"), invoice.due_date.isoformat()],
    ]
    if invoice.corrects_id:
        meta.append([_("Corrects"), f"{invoice.corrects.number} — {invoice.reason}"])
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story.append(
        Table(
            [[a, Paragraph(escape(str(b)), body)] for a, b in meta],
            colWidths=[35 * mm, 135 * mm],
            style=style,
        )
    )
    story.append(Spacer(1, 6 * mm))
    rows: list[list[Any]] = [[_("Description"), _("Tax rate (%)"), _("Net"), _("Tax"), _("Amount")]]
    for line in invoice.lines.all():
        rows.append(
            [
                Paragraph(escape(line.description), body),
                str(line.tax_rate),
                _amount(line.net_amount),
                _amount(line.tax_amount),
                _amount(line.gross_amount),
            ]
        )
    rows.append(
        [
            f"{_('Total')} ({invoice.currency})",
            "",
            _amount(invoice.net_amount),
            _amount(invoice.tax_amount),
            _amount(invoice.gross_amount),
        ]
    )
    lines_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )
    story.append(Table(rows, colWidths=[70 * mm, 20 * mm, 27 * mm, 25 * mm, 28 * mm], style=lines_style))
    if entity.bank_account:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(escape(f"{_('Bank')}: {entity.bank_name} {entity.bank_account}"), body))
    doc.build(story)
    return buffer.getvalue()
