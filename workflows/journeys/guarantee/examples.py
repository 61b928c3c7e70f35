"""Sample answers for the generic tests (see claim/examples.py): an emergency admission
yesterday, written by a relative. Dates are made when called."""
from __future__ import annotations

import datetime as dt

from ...engine import clock


def date_parts(name: str, day: dt.date) -> dict:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def pages() -> dict:
    today = clock.today()
    return {
        "writer": {"role": "family", "name": "Ana Ruiz", "email": "ana@example.org",
                   "phone": "+34 600 123 456"},
        "patient": {"member_name": "Jon Ruiz", "reference": "MIP-0077120", "patient_name": "Leo Ruiz",
                    **date_parts("patient_dob", today - dt.timedelta(days=11 * 365)),
                    "relationship": "child"},
        "admission": {"kind": "emergency", **date_parts("date", today - dt.timedelta(days=1)),
                      "time": "21:15", "care": "inpatient", "nights": "3", "room": "unknown"},
        "hospital": {"name": "Hospital Universitario La Paz",
                     "address": "Paseo de la Castellana 261\n28046 Madrid", "country": "ES",
                     "contact_name": "Admissions office", "contact_phone": "+34 91 727 70 00",
                     "contact_email": "admisiones@hospital.example", "contact_fax": "",
                     "doctor_name": "Dra. Marta Gil", "doctor_specialty": "Paediatric surgery"},
        "medical": {"reason": "Acute appendicitis", "procedure": "Laparoscopic appendectomy",
                    "icd10": "k35.8", "cost": "9500", "currency": "EUR"},
        "consent": {"consent": "y", "member_email": ""},
        "attachments": [],
        "check": {},
    }



def openers() -> dict:
    """Every page of this journey is on the path above."""
    return {}


SHOWN = ("Leo Ruiz", "MIP-0077120")
