"""The transcript as a PDF (reportlab), in the language of the page that asked for it."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def transcript_pdf(*, user, rows: list[dict]) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=_("Transcript of external results"), author="Flexportal", leftMargin=18 * mm
    )
    name = user.get_full_name() or user.email
    story = [
        _p(_("Transcript of external results"), styles["Title"]),
        _p(f"{name} · {timezone.localdate().isoformat()}", body),
        Spacer(1, 6 * mm),
    ]
    header = [_("Course"), _("Institution"), _("Result"), _("EC"), _("Date"), _("Recognition")]
    data = [[_p(cell, small) for cell in header]]
    for row in rows:
        request, result, recognition = row["request"], row["result"], row["recognition"]
        teachable = request.offering.course or request.offering.module
        status = recognition.get_status_display() if recognition else _("Not asked")
        if recognition and recognition.status == "recognised":
            status = f"{status}: {recognition.counts_as}"
            if recognition.converted_score:
                status += f" ({_('grade')} {recognition.converted_score})"
        data.append(
            [
                _p(f"{teachable.code} {teachable.title}", small),
                _p(request.host_institution.name, small),
                _p(f"{result.score} ({result.scale})", small),
                _p(result.ec, small),
                _p(result.assessed_on.isoformat(), small),
                _p(status, small),
            ]
        )
    if len(data) == 1:
        story.append(_p(_("No results of courses taken elsewhere yet."), body))
    else:
        table = Table(data, colWidths=[52 * mm, 35 * mm, 24 * mm, 12 * mm, 22 * mm, 30 * mm], repeatRows=1)
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
    document.build(story)
    return buffer.getvalue()
