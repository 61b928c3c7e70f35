"""A fictitious claims administrator, used only by tests: other names, mailboxes, numbers,
postal box and rules. With ADMINISTRATOR=tests.support.meridian every journey must run to
its outputs without a word or a number of Cigna's."""
from workflows.administrators import Administrator, Phone, PlanRules

MERIDIAN = Administrator(
    slug="meridian",
    name="Meridian Health Claims Services",
    short_name="Meridian",
    plan_name="Staff Health Plan (SHP)",
    mailboxes={"claims": "claims@meridian.example", "admissions": "hospital@meridian.example"},
    phones=(Phone("Member line", "+ 41-22-555-0101"), Phone("Emergencies, day and night", "+ 41-22-555-0102")),
    fax=Phone("Fax", "+ 41-22-555-0199"),
    postal_lines=("Case postale 4321", "1211 Geneva 2", "Switzerland"),
    rules=PlanRules(gop_lead_time_days=21, emergency_notification_days=3, cheque_currency="CHF"),
    claim_form_required=False,  # Meridian has no form of its own: the packet is the claim form
    # A small mailbox, so that tests send claims in parts with a few phone photos.
    largest_message=600_000,
    website="meridian.example",
    website_url="https://meridian.example/",
)
