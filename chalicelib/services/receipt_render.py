"""The 收件告知单 rendered for print: an A4 HTML page and an A4 PDF, in Chinese or English.

Both take the data `domain.receipt.intake_receipt` built, so the page, the PDF and the JSON never
disagree. The PDF uses reportlab with the Adobe CID font STSong-Light (宋体, the face of official
forms), which every PDF reader supplies, so no font file travels with the bundle; the QR code to the
progress page is drawn as vector modules (segno computes them), crisp at any printer resolution.
reportlab and segno are imported on first use only (ADR 0002: cold start).
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

from chalicelib.domain.receipt import label

CJK_FONT = "STSong-Light"
LATIN_FONT = "Times-Roman"  # Latin runs: the CID font's half-width Latin sets poorly
_LATIN_RUN = re.compile(r"[\x20-\x7e]+")
QR_ERROR_LEVEL = "m"  # 15 %: survives a fold or a smudge on paper


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


def _mixed(text: str) -> str:
    """Paragraph markup: Chinese in the CID font, runs of Latin text in a Latin face."""
    out, at = [], 0
    for run in _LATIN_RUN.finditer(text):
        out.append(html.escape(text[at : run.start()]))
        out.append(f'<font name="{LATIN_FONT}">{html.escape(run.group())}</font>')
        at = run.end()
    out.append(html.escape(text[at:]))
    return "".join(out)


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The QR code's modules, row by row (1 dark), with the quiet zone left to the renderer."""
    import segno

    return tuple(tuple(row) for row in segno.make(url, error=QR_ERROR_LEVEL, micro=False).matrix)


def _qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error=QR_ERROR_LEVEL, micro=False).svg_inline(scale=3, border=2))


def _rows(data: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The receipt's labelled lines, in print order."""
    window = data["window"]
    none = label("not_configured", lang)
    return [
        (label("case_number", lang), data["case_number"]),
        (label("query_code", lang), data["query_code"] or none),
        (label("item", lang), data["item_name"]),
        (label("applicant", lang), data["applicant"]),
        (label("intake_window", lang), window["name"]),
        (label("window_address", lang), window["address"] or none),
        (label("window_phone", lang), window["phone"] or none),
        (label("handling_province", lang), data["handling_province"]),
        (label("handling_authority", lang), data["handling_authority"]),
        (label("promised_limit", lang), label("days", lang).format(n=data["promised_limit_days"])),
        (label("delivery", lang), data["delivery"]["text"]),
    ]


HTML_STYLE = (
    "@page{size:A4 portrait;margin:18mm 20mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'SimSun','Songti SC','STSong','Noto Serif CJK SC',serif;font-size:11pt;"
    "color:#000;margin:0 auto;max-width:170mm}"
    "h1{text-align:center;font-size:20pt;letter-spacing:.15em;margin:0 0 2mm}"
    ".rule{border-top:2px solid #c00;border-bottom:1px solid #c00;height:2px;margin:0 0 5mm}"
    "table{border-collapse:collapse;width:100%;margin:0 0 4mm}"
    "th,td{border:1px solid #000;padding:1.5mm 2mm;vertical-align:top;text-align:left}"
    "th{width:30mm;font-weight:normal;background:#f2f2f2}"
    ".materials th{width:auto;text-align:center}.materials td.n{text-align:center;width:16mm}"
    ".foot{display:flex;justify-content:space-between;align-items:flex-start;margin-top:6mm}"
    ".qr{text-align:center;width:50mm}.qr p{margin:1mm 0;font-size:9pt}"
    ".code{font-family:monospace;font-size:14pt;letter-spacing:.2em}"
    ".seal{text-align:right;line-height:2.2}"
    ".note{font-size:9pt;margin-top:6mm;border-top:1px dashed #000;padding-top:2mm}"
    "@media print{body{max-width:none}.noprint{display:none}tr,.foot{page-break-inside:avoid}}"
)


def render_html(data: dict[str, Any]) -> str:
    """The receipt as a page a browser prints on one A4 sheet (print CSS: @page A4)."""
    lang = data["language"]
    e = html.escape
    info = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in _rows(data, lang))
    materials = "".join(
        f'<tr><td>{e(r["material"])}</td><td class="n">{r["files"]}</td><td>{e(r["original"])}</td></tr>'
        for r in data["received"]
    )
    url = data["progress_url"]
    qr = (
        f'<div class="qr">{_qr_svg(url)}<p>{e(label("scan", lang))}</p>'
        f"<p>{e(label('query_code', lang))}{_colon(lang)}"
        f'<span class="code">{e(data["query_code"] or "")}</span></p></div>'
        if url
        else f'<div class="qr"><p>{e(label("scan_missing", lang))}</p></div>'
    )
    issued = data["issued_at_text"] or ""
    return (
        f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{e(label("title", lang))} '
        f"{e(data['case_number'])}</title><style>{HTML_STYLE}</style></head><body>"
        f'<h1>{e(label("title", lang))}</h1><div class="rule"></div>'
        f'<table class="info">{info}</table>'
        f'<table class="materials"><tr><th>{e(label("material", lang))}</th><th>{e(label("copies", lang))}'
        f"</th><th>{e(label('original', lang))}</th></tr>{materials}</table>"
        f"<p><strong>{e(label('next_steps', lang))}{_colon(lang)}</strong>{e(data['next_steps'])}</p>"
        f'<div class="foot">{qr}<div class="seal">'
        f"<div>{e(label('clerk', lang))}{_colon(lang)}__________</div>"
        f"<div>{e(label('seal', lang))}</div>"
        f"<div>{e(label('issued_at', lang))}{_colon(lang)}{e(issued)}</div></div></div>"
        f'<p class="note">{e(label("keep", lang))}</p>'
        f'<p class="noprint"><button onclick="window.print()">{e(label("print", lang))}</button></p>'
        "</body></html>"
    )


def render_pdf(data: dict[str, Any]) -> bytes:
    """The receipt as a one-page A4 PDF (Chinese text in STSong-Light, the QR code as vectors)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    lang = data["language"]
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10.5, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    centred = ParagraphStyle("centred", parent=small, alignment=TA_CENTER)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=26, alignment=TA_CENTER)
    code_style = ParagraphStyle(
        "code", parent=body, fontName="Courier-Bold", fontSize=14, leading=18, alignment=TA_CENTER
    )

    class Rule(Flowable):
        """The red double rule under the title (红线), as on official forms."""

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            self.width = available_width
            return available_width, 3 * mm

        def draw(self) -> None:
            self.canv.setStrokeColor(colors.HexColor("#c00000"))
            self.canv.setLineWidth(1.6)
            self.canv.line(0, 2.4 * mm, self.width, 2.4 * mm)
            self.canv.setLineWidth(0.5)
            self.canv.line(0, 1.2 * mm, self.width, 1.2 * mm)

    class QrCode(Flowable):
        """The QR code drawn module by module, with its four-module quiet zone."""

        def __init__(self, url: str, size: float) -> None:
            super().__init__()
            self.matrix = qr_matrix(url)
            self.size = size

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.size, self.size

        def draw(self) -> None:
            count = len(self.matrix) + 8
            module = self.size / count
            self.canv.setFillColor(colors.black)
            for r, row in enumerate(self.matrix):
                for c, dark in enumerate(row):
                    if dark:
                        x, y = (c + 4) * module, self.size - (r + 5) * module
                        self.canv.rect(x, y, module, module, stroke=0, fill=1)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_mixed(text), style)

    width = A4[0] - 40 * mm
    info = Table(
        [[p(k), p(str(v))] for k, v in _rows(data, lang)],
        colWidths=[34 * mm, width - 34 * mm],
    )
    grid: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    info.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0"))]))
    header = [p(label(k, lang), centred) for k in ("material", "copies", "original")]
    materials = Table(
        [
            header,
            *([p(r["material"]), p(str(r["files"]), centred), p(r["original"])] for r in data["received"]),
        ],
        colWidths=[width - 16 * mm - 52 * mm, 16 * mm, 52 * mm],
        repeatRows=1,
    )
    materials.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0"))]))
    url = data["progress_url"]
    qr_cell: list[Any] = (
        [
            QrCode(url, 34 * mm),
            p(label("scan", lang), centred),
            Paragraph(html.escape(data["query_code"] or ""), code_style),
        ]
        if url
        else [p(label("scan_missing", lang), centred)]
    )
    seal = [
        Spacer(1, 6 * mm),
        p(f"{label('clerk', lang)}{_colon(lang)}____________"),
        Spacer(1, 10 * mm),
        p(label("seal", lang)),
        Spacer(1, 10 * mm),
        p(f"{label('issued_at', lang)}{_colon(lang)}{data['issued_at_text'] or ''}"),
    ]
    foot = Table([[qr_cell, "", seal]], colWidths=[48 * mm, width - 48 * mm - 70 * mm, 70 * mm])
    foot.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (0, 0), "CENTER")]))
    story = [
        p(label("title", lang), title),
        Spacer(1, 2 * mm),
        Rule(),
        Spacer(1, 4 * mm),
        info,
        Spacer(1, 4 * mm),
        p(label("received", lang)),
        Spacer(1, 1.5 * mm),
        materials,
        Spacer(1, 4 * mm),
        p(f"{label('next_steps', lang)}{_colon(lang)}{data['next_steps']}"),
        Spacer(1, 6 * mm),
        foot,
        Spacer(1, 6 * mm),
        p(label("keep", lang), small),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{label('title', lang)} {data['case_number']}",
        author=data["window"]["name"],
        lang="en" if lang == "en" else "zh-CN",
        invariant=True,  # the same receipt renders to the same bytes (ETag-friendly, testable)
    )
    doc.build(story)
    return out.getvalue()
