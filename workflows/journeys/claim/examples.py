"""Sample answers, as a member would type them page by page: the generic tests drive the
journey with these (tests/support). Dates are made when called, so a run never ages them."""
from __future__ import annotations

import datetime as dt

from ...engine import clock


def date_parts(name: str, day: dt.date) -> dict:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def pages() -> dict:
    """Step name -> what is typed there: a dict for a form, a list of dicts for a list
    step (one per item), a list of (file name, kind) for an upload step; "check" is the
    declaration on the review page."""
    today = clock.today()
    return {
        "member": {"full_name": "Zoë Ørsted", "reference": "MIP-0042317",
                   **date_parts("date_of_birth", dt.date(1970, 4, 3)), "email": "zoe@example.org",
                   "country": "BE", "phone": "+32 3 555 01 23",
                   "address": "Rue de la Loi 1\n1000 Brussels"},
        "patient": {"who": "member"},
        "treatment": {"kind": "dental", "setting": "outpatient", "reason": "Broken molar, crown needed",
                      "country": "FR", "accident": "no", "other_insurance": "no"},
        "expenses": [
            {**date_parts("date", today - dt.timedelta(days=40)), "service": "dental",
             "provider": "Dr Anne Martin", "city": "Lyon", "country": "FR", "description": "Crown", "amount": "650.00", "currency": "EUR"},
            {**date_parts("date", today - dt.timedelta(days=39)), "service": "dental",
             "provider": "Zahnklinik Basel", "city": "Basel", "country": "CH", "description": "X-ray", "amount": "80", "currency": "CHF"},
        ],
        "payment": {"payee": "member", "currency": "EUR", "method": "bank"},
        "bank": {"holder": "Zoë Ørsted", "country": "BE"},
        "bank-iban": {"iban": "BE71 0961 2345 6769", "bic": "GEBABEBB"},
        "receipts": [("receipt.jpg", "invoice")],
        "check": {"confirm": "y", "signature": "Zoë Ørsted"},
        # Pages only some claims have (see OPENERS).
        "family-member": {"name": "Ana Ørsted", **date_parts("date_of_birth", dt.date(2012, 3, 27)),
                          "relationship": "child"},
        "accident": {**date_parts("date", today - dt.timedelta(days=45)),
                     "description": "Fell off a bicycle", "work_related": "no"},
        "other-insurance": {"insurer": "Mutualité Chrétienne", "policy_number": "MC-552-190",
                            "amount_paid": "120.00", "paid_currency": "EUR"},
        "bank-local": {"account_number": "000123456789", "bank_code": "021000021", "bic": "CHASUS33",
                       "bank_name": "JPMorgan Chase Bank", "bank_address": "383 Madison Ave\nNew York, NY"},
    }


def openers() -> dict:
    """For each page that only some claims have: the earlier answers that bring it in."""
    main = pages()
    return {
        "family-member": {"patient": {"who": "family"}},
        "accident": {"treatment": {**main["treatment"], "accident": "yes"}},
        "other-insurance": {"treatment": {**main["treatment"], "other_insurance": "yes"}},
        "bank-local": {"bank": {"holder": "Zoë Ørsted", "country": "US"}},
    }


# What the finished journey's outputs must show (the generic tests look for these).
SHOWN = ("Zoë Ørsted", "MIP-0042317")
