"""A claim larger than the administrator's mailbox takes (its profile's largest_message; the
test administrator's is 0.6 MB) goes in numbered parts, over a real SMTP server: "part N of
M" with the reference in every subject, each part's cover naming its part and what it holds,
every receipt exactly once across the parts, every message under the limit, and a receipt's
small QR code still readable from the page it arrived on. The .eml downloads and the
confirmation page say the same."""
import email
import email.policy
import functools
import io
import re
from pathlib import Path

from cryptography.fernet import Fernet
from pypdf import PdfReader
import zxingcpp

from tests.support.files import phone_photo
from tests.support.mail import SENDER, CountingInbox, Inbox, smtp
from tests.support.meridian import MERIDIAN
from tests.support.pages import parse
from tests.support.pdf import pdf_pages
from tests.support.pdf_checks import structure_problems
from tests.support.samples import MEMBER, fill_claim, fill_guarantee, send
from tests.support.web import Browserless
from workflows.administrators import Administrator
from workflows.administrators.cigna import CIGNA

LIMIT = MERIDIAN.largest_message
CONTACT_SHEET = (Path(__file__).parent / "fixtures" / "insurer-contacts.txt").read_text()
PART = re.compile(r" – (?P<reference>CLM-\w{4}-\w{4}|GOP-\w{4}-\w{4}) – part (?P<n>\d) of (?P<m>\d)$")


@functools.cache
def photo(n: int, qr: str | None = None) -> bytes:
    return phone_photo(qr, seed=n)


def receipts(count: int, qr_at: int = 1) -> list[tuple[str, bytes]]:
    """`count` phone photos of receipts; the one at `qr_at` carries a small QR code."""
    return [(f"photo{n}.jpg", photo(n, f"RX-{n}-PAYLOAD" if n == qr_at else None)) for n in range(count)]


def meridian_app(make_app, inbox):
    return make_app(ADMINISTRATOR="tests.support.meridian", MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=inbox.port, MAIL_DEFAULT_SENDER=SENDER, MAIL_TIMEOUT=5)


def the_reference(web) -> str:
    return parse(web.get("/claim/done")).select_one(".ref").get_text(strip=True)


def parts_of(messages: list) -> list[tuple[int, int, str, object]]:
    """(N, M, reference, message) of each received part, by the subject alone."""
    found = []
    for received in messages:
        match = PART.search(received["message"]["Subject"])
        assert match, received["message"]["Subject"]
        found.append((int(match["n"]), int(match["m"]), match["reference"], received))
    return sorted(found, key=lambda part: part[0])


def only_pdf(message) -> tuple[str, bytes]:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    return attachment.get_filename(), attachment.get_content()


def receipt_headings(pages: list[str]) -> list[str]:
    """The receipt named at the top of each receipt page ("Itemised invoice: photo2.jpg")."""
    return [m[1] for text in pages if (m := re.match(r"\s*Itemised invoice: (\S+?\.(?:jpg|pdf))", text))]


def pictures(pdf: bytes, page: int) -> list:
    """The pictures one page of a PDF draws (`/Name Do` in its content; a packet's pages share
    one list of every picture), as the PDF carries them."""
    found = PdfReader(io.BytesIO(pdf)).pages[page]
    drawn = set(re.findall(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b", found.get_contents().get_data()))
    # A picture drawn by the page itself (/Im3), or inside a form the page draws (/Fm1 -> /Im0):
    # an uploaded PDF's page laid out at upload arrives as such a form.
    images = found.images
    return [images[key].image for key in images.keys()
            if (key[0] if isinstance(key, (list, tuple)) else key)[1:].encode() in drawn]


def decoded(pdf: bytes, page: int) -> set[str]:
    """The QR codes zxing reads in the pictures drawn on one page, at the resolution sent."""
    return {result.text for image in pictures(pdf, page) for result in zxingcpp.read_barcodes(image)}


def test_the_administrator_states_its_largest_message():
    """Cigna's contact sheet states no limit: the profile's documented default, 10 MB."""
    assert CIGNA.largest_message == Administrator.largest_message == 10_000_000
    assert re.search(r"\b(MB|megabyte|size limit)\b", CONTACT_SHEET, re.I) is None
    assert MERIDIAN.largest_message < CIGNA.largest_message


def test_a_claim_too_large_for_the_mailbox_arrives_in_numbered_complete_parts(make_app):
    with smtp(Inbox()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_claim(web, receipts=receipts(4))
        reference = the_reference(web)
        page = send(web)
        again = send(web)  # the form sent twice (a double click): nothing goes again
        messages = list(inbox.messages)

    parts = parts_of(messages)
    total = parts[0][1]
    assert total >= 2 and [n for n, *_ in parts] == list(range(1, total + 1))
    assert {m for _, m, _, _ in parts} == {total} and {r for _, _, r, _ in parts} == {reference}
    seen, pages_sent, packet_numbers = [], 0, []
    for n, m, _, received in parts:
        message = received["message"]
        assert received["size"] <= LIMIT  # as the server counted it: headers and base64 in
        assert message["Subject"].startswith(f"Claim reimbursement – {MEMBER['reference']} – ")
        assert received["rcpt_tos"] == [MERIDIAN.claims_email]
        body = message.get_body(("plain",)).get_content()
        assert f"This is part {n} of {m} of this claim" in body
        name, pdf = only_pdf(message)
        assert name == f"claim-part-{n}-of-{m}-{reference}.pdf"
        assert structure_problems(pdf) == []  # tagged (PDF/UA-1) like the whole packet
        pages = pdf_pages(pdf)
        cover = " ".join(pages[0].split())
        assert cover.startswith(f"Part {n} of {m} Claim packet {reference}: sent in {m} emails")
        for fact in (f"Reference {reference}", f"Personal reference number {MEMBER['reference']}",
                     f"Member {MEMBER['full_name']}", f"This part Part {n} of {m}", "This part holds"):
            assert fact in cover, fact
        holds = receipt_headings(pages[1:])
        assert all(f"Itemised invoice: {name}" in cover for name in holds)  # the cover says so
        assert all(f"Itemised invoice: {name}" in body for name in holds)  # and the email
        seen += holds
        pages_sent += len(pages) - 1
        packet_numbers += [re.search(r"Page (\d+) of (\d+)", text).groups() for text in pages[1:]]
    # Every receipt exactly once, and the packet's pages all there, numbered as one packet.
    assert sorted(seen) == [f"photo{n}.jpg" for n in range(4)]
    assert packet_numbers == [(str(i), str(pages_sent)) for i in range(1, pages_sent + 1)]
    assert "Claim form" in pdf_pages(only_pdf(parts[0][3]["message"])[1])[2]

    # The small QR code in the corner of photo1 still reads from the page it arrived on.
    for _, _, _, received in parts:
        pdf = only_pdf(received["message"])[1]
        for index, text in enumerate(pdf_pages(pdf)):
            if text.lstrip().startswith("Itemised invoice: photo1.jpg"):
                assert decoded(pdf, index) == {"RX-1-PAYLOAD"}
                break
        else:
            continue
        break
    else:
        raise AssertionError("photo1 arrived in no part")

    # The page tells how each part went.
    told = [" ".join(li.get_text().split()) for li in parse(page).select("#part-outcomes li")]
    assert [t.split(": ")[0] for t in told] == [f"Email {n} of {total}" for n in range(1, total + 1)]
    assert all(": sent " in t for t in told)
    assert "was already sent: it was not sent again" in again.get_data(as_text=True)


class RefusesPartTwoOnce(CountingInbox):
    """A mail server that refuses the second part the first time it is offered (550)."""

    async def handle_DATA(self, server, session, envelope):
        if b"part 2 of" in envelope.content.split(b"\r\n\r\n", 1)[0] and not getattr(self, "refused", False):
            self.refused = True
            self.offered += 1
            return "550 5.3.4 Message too big for system"
        return await super().handle_DATA(server, session, envelope)


def test_a_part_that_failed_is_sent_again_alone(make_app):
    """Each part is a message of its own in the outbox: the one refused is tried again on the
    member's word, and the one that went does not go twice."""
    with smtp(RefusesPartTwoOnce()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_claim(web, receipts=receipts(4))
        page = parse(send(web))
        told = [" ".join(li.get_text().split()) for li in page.select("#part-outcomes li")]
        assert told[0].startswith("Email 1 of ") and ": sent " in told[0]
        assert told[1].endswith(": not sent: the mail server refused the message (550)")
        assert " ".join(page.select_one(".outcome p").get_text().split()) == (
            "Sending failed: the mail server refused the message (550). Some of the emails went "
            "and some did not: the list below says which. Trying again sends only those that did not go.")
        first = sorted(m["message"]["Subject"][-11:] for m in inbox.messages)
        page = parse(web.post("/claim/done/send", {}, token_from="/claim/done"))  # "Try sending it again"
        told = [" ".join(li.get_text().split()) for li in page.select("#part-outcomes li")]
        assert all(": sent " in t for t in told), told
        subjects = sorted(m["message"]["Subject"][-11:] for m in inbox.messages)
    total = len(told)
    assert "part 2 of" not in " ".join(first)
    assert subjects == sorted(f"part {n} of {total}" for n in range(1, total + 1))  # each once


def test_the_email_drafts_and_instructions_come_in_the_same_parts(make_app):
    with smtp(Inbox()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_claim(web, receipts=receipts(4))
        reference = the_reference(web)
        page = parse(web.get("/claim/done"))
        total = len(page.select("ol.parts > li"))
        assert total >= 2
        note = " ".join(page.find(id="parts-note").get_text().split())
        assert note == (f"Meridian's mailbox takes emails of up to 0.6 MB, so your claim packet goes in "
                        f"{total} emails. Send all {total} of them, each with its own attachment.")
        names = []
        for n in range(1, total + 1):
            links = {a.get_text(" ", strip=True): a["href"] for a in page.select("ol.parts > li")[n - 1].find_all("a")}
            eml = web.get(links[f"Download email {n} of {total} with its attachment (.eml)"])
            assert f'filename="claim-part-{n}-of-{total}-{reference}.eml"' in eml.headers["Content-Disposition"]
            assert len(eml.data) <= LIMIT
            draft = email.message_from_bytes(eml.data, policy=email.policy.default)
            assert draft["X-Unsent"] == "1" and draft["To"] == MERIDIAN.claims_email
            assert draft["Subject"].endswith(f" – {reference} – part {n} of {total}")
            name, pdf = only_pdf(draft)
            # The part's PDF, to attach by hand, is the one in the draft; the mailto: link
            # has the part's subject.
            alone = web.get(links[f"Download part {n} of {total} (PDF)"])
            assert pdf_pages(alone.data)[0].split()[:4] == ["Part", str(n), "of", str(total)]
            mailto = links[f"Write email {n} of {total} in your mail app"]
            assert f"part%20{n}%20of%20{total}" in mailto  # the part's subject, and its text:
            assert f"This%20is%20part%20{n}%20of%20{total}%20of%20this%20claim" in mailto
            assert f"sent%20in%20{total}%20emails" in mailto
            names += receipt_headings(pdf_pages(pdf)[1:])
        assert sorted(names) == [f"photo{n}.jpg" for n in range(4)]
        assert inbox.messages == []  # downloads send nothing
        # The whole packet, to keep or print, has the QR code just as readable.
        packet = web.get("/claim/done/packet.pdf").data
        (page_no,) = [i for i, text in enumerate(pdf_pages(packet))
                      if text.lstrip().startswith("Itemised invoice: photo1.jpg")]
        assert decoded(packet, page_no) == {"RX-1-PAYLOAD"}

        french = parse(web.get("/claim/done", headers={"Accept-Language": "fr"}))
        note = " ".join(french.find(id="parts-note").get_text().split())
        assert "0,6" in note and f"{total} e-mails" in note, note


def scanned(first: int) -> bytes:
    """Three full-size phone photos saved as the pages of one PDF, as a scanner app does; each
    carries a QR code "SCAN-<n>"."""
    from PIL import Image
    scans = [Image.open(io.BytesIO(photo(first + n, f"SCAN-{n}"))) for n in range(3)]
    document = io.BytesIO()
    scans[0].save(document, "PDF", resolution=200, save_all=True, append_images=scans[1:])
    return document.getvalue()


def test_a_document_larger_than_a_message_goes_by_pages_and_stays_legible(make_app):
    """One receipt of three pages, each a full-size phone photo as a scanner app would save it:
    no part can hold the document, nor one of its pages as it is; each page goes on its own,
    its picture made smaller, and the QR code on it still reads."""
    with smtp(Inbox()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_claim(web, receipts=[("scan.pdf", scanned(10))])
        send(web)
        messages = list(inbox.messages)
    parts = parts_of(messages)
    found, widths = {}, []
    for n, m, _, received in parts:
        assert received["size"] <= LIMIT
        pdf = only_pdf(received["message"])[1]
        assert structure_problems(pdf) == []
        pages = pdf_pages(pdf)
        cover = " ".join(pages[0].split())
        for index, text in enumerate(pages[1:], start=1):
            if match := re.match(r"\s*Itemised invoice: scan\.pdf \(page (\d) of 3\)", text):
                found[match[1]] = decoded(pdf, index)
                widths += [image.width for image in pictures(pdf, index)]
                assert f"Itemised invoice: scan.pdf, page {match[1]} of 3" in cover
                assert "Pictures in this part were sent at a lower resolution to fit" in cover
    assert found == {"1": {"SCAN-0"}, "2": {"SCAN-1"}, "3": {"SCAN-2"}}
    # Made smaller than the 4000-pixel photos, and no smaller than 150 dpi across A4.
    assert widths == [round(210 / 25.4 * 150)] * 3


def test_a_guarantee_request_with_large_documents_goes_in_parts_each_with_the_request(make_app):
    with smtp(Inbox()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_guarantee(web, attachments=[(f"letter{n}.jpg", photo(20 + n), "doctor-letter") for n in range(5)])
        reference = parse(web.get("/guarantee/done")).select_one(".ref").get_text(strip=True)
        web.post("/guarantee/done/send", {}, token_from="/guarantee/done")
        messages = list(inbox.messages)
    parts = parts_of(messages)
    assert len(parts) >= 2 and {r for *_, r, _ in parts} == {reference}
    files = []
    for n, m, _, received in parts:
        assert received["size"] <= LIMIT
        message = received["message"]
        assert message["Subject"].startswith("URGENT – Guarantee of payment request – ")
        attached = [a.get_filename() for a in message.iter_attachments()]
        assert attached[0] == f"guarantee-request-{reference}.pdf"  # the request, in every part
        files += attached[1:]
        assert f"This is part {n} of {m} of this request" in message.get_body(("plain",)).get_content()
    assert sorted(files) == [f"letter{n}.jpg" for n in range(5)]


def test_parts_saved_without_a_mail_server_are_sent_later_each_once(make_app, tmp_path):
    """No mail server: each part is written to the outbox folder, as a file the purge keeps
    while the claim lives. Once the app has a mail server, "Send it now" sends every part
    once, and the files go (nobody sends them a second time)."""
    keys = Fernet.generate_key().decode()
    first = make_app(ADMINISTRATOR="tests.support.meridian", DRAFT_ENCRYPTION_KEYS=keys)
    web = Browserless(first.test_client())
    fill_claim(web, receipts=receipts(4))
    page = parse(send(web))
    told = [" ".join(li.get_text().split()) for li in page.select("#part-outcomes li")]
    total = len(told)
    assert total >= 2 and all(t.endswith(": saved for this service's administrator, not sent") for t in told)
    folder = tmp_path / "outbox"
    written = sorted(path.name for path in folder.glob("*.eml"))
    assert len(written) == total
    assert first.extensions["postman"].folder.sweep() == 0  # the claim lives: its files stay
    with smtp(Inbox()) as inbox:
        second = make_app(ADMINISTRATOR="tests.support.meridian", DRAFT_ENCRYPTION_KEYS=keys,
                          MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_DEFAULT_SENDER=SENDER,
                          MAIL_TIMEOUT=5)
        later = Browserless(second.test_client())
        later.client.set_cookie("draft", web.client.get_cookie("draft").value)
        form = parse(later.get("/claim/done")).find("button", string=re.compile("Send it now")).find_parent("form")
        data = {i["name"]: i.get("value", "") for i in form.select("input") if i["name"] != "csrf_token"}
        page = parse(later.post("/claim/done/send", data, token_from="/claim/done"))
        told = [" ".join(li.get_text().split()) for li in page.select("#part-outcomes li")]
        assert all(": sent " in t for t in told), told
        subjects = sorted(m["message"]["Subject"][-11:] for m in inbox.messages)
    assert subjects == sorted(f"part {n} of {total}" for n in range(1, total + 1))
    assert list(folder.glob("*.eml")) == []


def test_a_guarantee_document_larger_than_a_message_goes_by_pages(make_app):
    """As files of their own, a document's pages go in parts of their own, named by page,
    each picture no smaller than legible: the QR code on each still reads."""
    with smtp(Inbox()) as inbox:
        web = Browserless(meridian_app(make_app, inbox).test_client())
        fill_guarantee(web, attachments=[("scan.pdf", scanned(10), "doctor-letter")])
        web.post("/guarantee/done/send", {}, token_from="/guarantee/done")
        messages = list(inbox.messages)
    found = {}
    for n, m, _, received in parts_of(messages):
        assert received["size"] <= LIMIT
        request, *files = received["message"].iter_attachments()
        for attachment in files:
            match = re.fullmatch(r"scan \(page (\d) of 3\)\.pdf", attachment.get_filename())
            assert match, attachment.get_filename()
            found[match[1]] = decoded(attachment.get_content(), 0)
            assert [image.width for image in pictures(attachment.get_content(), 0)] == [1240]
    assert found == {"1": {"SCAN-0"}, "2": {"SCAN-1"}, "3": {"SCAN-2"}}
