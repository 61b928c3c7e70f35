"""Sample answers for the generic tests."""


def pages() -> dict:
    return {
        "member": {"full_name": "Zoë Ørsted", "reference": "MIP-0042317", "email": "zoe@example.org"},
        "address": {"address": "Avenue Louise 54\n1050 Brussels", "since-day": "1",
                    "since-month": "9", "since-year": "2026", "scope": "household"},
        "check": {},
    }



def openers() -> dict:
    return {}


SHOWN = ("Zoë Ørsted", "MIP-0042317", "Avenue Louise 54")
