"""One reader per kind of input. Adding a format means adding one module here and listing it below."""

from __future__ import annotations

from leakdesk.intake.registry import Reader


def all_readers() -> list[Reader]:
    from leakdesk.intake.readers import (
        archive,
        calendar,
        docx,
        eml,
        emlx,
        html,
        image,
        maildir,
        mbox,
        msg,
        odf,
        office,
        ooxml,
        pdf,
        pst,
        text,
        tnef,
        zip,
    )

    return [
        eml.EmlReader(),
        mbox.MboxReader(),
        maildir.MaildirReader(),
        msg.MsgReader(),
        text.TextReader(),
        html.HtmlReader(),
        pdf.PdfReader(),
        docx.DocxReader(),
        zip.ZipReader(),
        image.ImageReader(),
        archive.ArchiveReader(),
        odf.OdfReader(),
        ooxml.XlsxReader(),
        ooxml.PptxReader(),
        office.LegacyOfficeReader(),
        pst.PstReader(),
        emlx.EmlxReader(),
        tnef.TnefReader(),
        calendar.CalendarReader(),
        calendar.VcardReader(),
    ]
