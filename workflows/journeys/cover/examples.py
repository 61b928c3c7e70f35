"""Sample answers for the generic tests (see claim/examples.py): a fax of 3 pages."""


def pages() -> dict:
    return {
        "sender": {"name": "Zoë Ørsted", "reference": "MIP-0042317", "phone": "+32 3 555 01 23",
                   "reply_fax": "", "reply_email": "zoe@example.org"},
        "sending": {"method": "fax", "subject": "claim", "other": "", "pages": "3", "paper": "A4",
                    "message": ""},
        "check": {},
    }



def openers() -> dict:
    """Every page of this journey is on the path above."""
    return {}


SHOWN = ("Zoë Ørsted", "MIP-0042317")
