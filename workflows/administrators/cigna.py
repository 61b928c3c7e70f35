"""Cigna International Health Services, the plan's claims administrator by default.

Every value is copied verbatim from the plan's contact sheet (tests/fixtures/
insurer-contacts.txt, a copy of shared/reference/insurer-contacts.txt): a test checks that
each one still appears there word for word, and that no other file of the app spells them.
"""
from ..engine.i18n import N_
from .profile import Administrator, Phone, PlanRules

CIGNA = Administrator(
    slug="cigna",
    name="Cigna International Health Services",
    short_name="Cigna",
    plan_name="Medical Insurance Plan (MIP)",
    plan_description=(
        "Medical and dental insurance administrators for the Medical Insurance Plan (MIP) "
        "that covers eligible HQ staff and retirees, and their eligible family members "
        "living outside the U.S."
    ),
    network_note="Cigna is affiliated with providers in over 50 countries.",
    website="www.cignahealthbenefits.com",
    website_url="http://www.cignahealthbenefits.com/",
    mailboxes={"claims": "wbg.mip@cigna.com", "admissions": "admissions@cigna.com"},
    admissions_instruction=(
        "In case of hospitalization, send an email request for guarantee of payment to"),
    claim_form_name="Cigna Claim Form for Reimbursement of Medical and Dental Expenses",
    claim_form_required=True,  # "Claim Reimbursement: Use the Cigna Claim Form for ..."
    rules=PlanRules(),
    # The contact sheet states no message size limit for the mailboxes: the profile default.
    largest_message=Administrator.largest_message,
    # The sheet's labels and numbers stay verbatim; the guidance says what they leave out.
    # Members live outside the U.S.: the number in Belgium (32) comes first.
    phones=(
        Phone("Direct Telephone for Cigna International Toll-Free", "+ 32-3-217-5798",
              audience=N_("Calling from outside the U.S."),
              guidance=N_("This is the number of %(administrator)s International in Belgium. From "
                          "a mobile phone, tap it or dial it without the space after the +. "
                          "Although the sheet says toll-free, from most countries it is an "
                          "international call.")),
        Phone("Toll-Free Number within the U.S.", "1-866-669-7930",
              audience=N_("Calling from within the U.S."),
              guidance=N_("Free of charge from a U.S. phone; it may not work from other "
                          "countries.")),
        Phone("Toll-Free Number within Canada", "1-202-473-8666", note="or x38666",
              audience=N_("Calling from Canada or the U.S."),
              guidance=N_("The sheet lists it for Canada, but 202 is a Washington, D.C. area "
                          "code: from outside the U.S. and Canada, dial + and then the number. "
                          "x38666 is an internal extension, for office phones of the "
                          "organisation only.")),
    ),
    fax=Phone("Fax", "+ 32-3-663-2857",
              guidance=N_("For faxes only: nobody answers calls on this number.")),
    postal_lines=("P.O. Box 692140", "Antwerp Belgium"),
    online_services_steps=(
        "Enter <http://www.cignahealthbenefits.com/> in your browser.",
        "Select the 'Plan members' tab.",
        "Enter your personal reference number in the 'Personal reference number' field. "
        "(**Note:** Your personal reference number is indicated in your Cigna membership card.)",
        "Click the Continue button. The 'Password' field displays.",
        "Enter your password and click the Login button.",
    ),
    online_services_first_time=(
        "If you are accessing the site for the first time, click the 'Password forgotten' "
        "link and enter your date of birth. You will receive a temporary password in your "
        "Microsoft Outlook inbox. Use this password to log on to the site for the first "
        "time. You can change the password later."
    ),
    us_network_note=(
        "Note: You can obtain services via the Cigna network if you or a covered family "
        "member need medical care while visiting the U.S. MIP participants who have "
        "selected Cigna International as their medical claims administrator have access "
        "to the Cigna Health Care OA Plus provider network in the U.S. While it is not "
        "mandatory to use a Cigna network provider, you are likely to pay more for your "
        "health care if you choose not to use a network provider and use a provider of "
        "your choice. While the vast majority of U.S. providers are paid directly by "
        "Cigna, you may need to submit claims for reimbursement from some providers to "
        "Cigna for processing. Refer to Medical Insurance Administrators, Switching "
        "between Cigna and Aetna - Change Insurance Administrators."
    ),
)
