"""Everything tests share, by concern; tests import from here and nowhere else, and the
conftest.py files hold fixtures only.

samples.py (answers, fill_claim, fill_guarantee), drive.py (any journey over HTTP),
registry.py (the journeys the test apps register), pages.py (reading HTML), web.py and
http.py (browsers without JavaScript, in process and over real HTTP), servers.py, ports.py
and processes.py (servers and app processes a test starts), mail.py, apps.py (settings,
databases), pdf.py and pdf_checks.py (reading PDFs), files.py (uploads), browser.py,
audit.py, keys.py, clicking.py and walking.py (Chromium), languages.py, clock.py,
network.py; toy/ (a journey only tests register) and meridian.py (a second administrator)."""
