"""Forwarded attachments carry no active content (issue 11.3): the guarantee email attaches
the uploads, so a PDF is rewritten with only its pages, an image is re-encoded, and each is
named by what it is."""
from __future__ import annotations

import io

from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject,
                           TextStringObject)

from tests.support.pages import path_of
from tests.support.samples import fill_guarantee

ACTIVE = (b"/JavaScript", b"/JS", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"/AA",
          b"/SubmitForm", b"/RichMedia", b"/FileAttachment")


def armed_pdf() -> bytes:
    """A one-page letter that runs a script on opening, launches a program from a link,
    carries an embedded file and has page and annotation triggers."""
    from weasyprint import HTML
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(HTML(string="<p>DOCTOR LETTER</p>").write_pdf())))
    writer.add_attachment("run.exe", b"MZ\x90\x00 not really a program")
    names = writer._root_object["/Names"].get_object()
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject([
        TextStringObject("hi"), writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")}))])})
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(2)")})})
    launch = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)]),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                            NameObject("/F"): TextStringObject("cmd.exe")}),
        NameObject("/AA"): DictionaryObject(), NameObject("/F"): NumberObject(4)}))
    page[NameObject("/Annots")] = ArrayObject([launch])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert all(marker in data for marker in (b"/JavaScript", b"/OpenAction", b"/Launch", b"/EmbeddedFile", b"/AA"))
    return data


def tagged_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 50.85 4.35 secret")
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_uploads_go_to_the_admissions_mailbox_clean(site, smtp_server):
    member = site.member()
    done = fill_guarantee(member, attachments=[("letter.html", armed_pdf(), "doctor-letter"),
                                               ("estimate.png", tagged_png(), "estimate")])
    assert path_of(done) == "/guarantee/done"
    member.post("/guarantee/done/send", {"copy": "yes"}, token_from="/guarantee/done")
    eml = member.get("/guarantee/done/message.eml").content
    import email
    import email.policy
    for message in (smtp_server.messages[0]["message"],
                    email.message_from_bytes(eml, policy=email.policy.default)):
        request, letter, estimate = list(message.iter_attachments())
        assert (letter.get_filename(), letter.get_content_type()) == ("letter.pdf", "application/pdf")
        assert (estimate.get_filename(), estimate.get_content_type()) == ("estimate.jpg", "image/jpeg")
        for part in (request, letter):
            data = part.get_content()
            assert [m for m in ACTIVE if m in data] == []
            reader = PdfReader(io.BytesIO(data))
            assert "/Names" not in reader.trailer["/Root"] and "/OpenAction" not in reader.trailer["/Root"]
            assert reader.attachments == {}
        assert "DOCTOR LETTER" in PdfReader(io.BytesIO(letter.get_content())).pages[0].extract_text()
        image = Image.open(io.BytesIO(estimate.get_content()))
        assert image.format == "JPEG" and "Comment" not in image.info and b"secret" not in estimate.get_content()
