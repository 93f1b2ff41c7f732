"""A composed programme's overview as a PDF (reportlab, as ``results.pdf``), in the page's language: the
version, its status, the board's decision and its date, and the items per period."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def overview_pdf(*, version, periods, decision) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    title = _("MijnDiploma programme overview")
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Flexportal", leftMargin=18 * mm)
    student = version.composed.student
    name = student.user.get_full_name() or student.user.email
    story = [
        _p(title, styles["Title"]),
        _p(f"{name} · {student.home_institution.name} · {version.composed.programme.name}", body),
        _p(
            _("Version %(number)s: %(status)s") % {"number": version.number, "status": version.get_status_display()},
            body,
        ),
    ]
    if decision is not None:
        when = formats.date_format(timezone.localtime(decision.at), "j F Y")
        story.append(
            _p(
                _("Decision of the examination board: %(label)s on %(date)s") % {"label": decision.label, "date": when},
                body,
            )
        )
        if decision.comment:
            story.append(_p(decision.comment, small))
    else:
        story.append(_p(_("The examination board has not decided on this version."), body))
    story.append(Spacer(1, 6 * mm))
    header = [_("Period"), _("Course"), _("Institution"), _("EC"), _("Level")]
    data = [[_p(cell, small) for cell in header]]
    total = 0
    for period in periods:
        for item in period.items:
            teachable = item.offering.teachable
            total += teachable.ec
            data.append(
                [
                    _p(period.name, small),
                    _p(f"{teachable.code} {teachable.title}", small),
                    _p(item.offering.institution.name, small),
                    _p(teachable.ec, small),
                    _p(teachable.get_level_display(), small),
                ]
            )
    data.append([_p("", small), _p(_("Total"), small), _p("", small), _p(total, small), _p("", small)])
    table = Table(data, colWidths=[38 * mm, 62 * mm, 42 * mm, 12 * mm, 22 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    story.append(
        _p(
            _("Printed on %(date)s by Flexportal.") % {"date": formats.date_format(timezone.localdate(), "j F Y")},
            small,
        )
    )
    document.build(story)
    return buffer.getvalue()
