"""Take names, identifiers and dates out of free-text report text.

Written by hand, on purpose small: the libraries that find names in free text
(medspaCy/spaCy NER, Philter-style tools) need statistical models that would
have to be downloaded, and this workstation runs offline. So the rules are
(1) the study's own identifiers (patient name parts, patient ID, accession
number), removed wherever they appear; (2) dates in numeric and month-name
forms; (3) names after titles and sign-off phrases ("Dr.", "Dictated by:");
(4) long digit runs and digit-bearing codes (MRNs, phone numbers).
Clinical wording, measurements ("2 mm") and short numbers stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME, DATE, ID = "[NAME]", "[DATE]", "[ID]"

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATES = [
    re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b"),                       # 03/04/2024, 2024-04-03
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{2,4}}\b", re.I),   # 3 March 2024
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.I),   # March 3, 2024
    re.compile(r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b"),  # DICOM DA 20240403
]
_NAME_WORD = r"[A-Z][a-zA-Z'\-]+"
_NAMES = [
    # Titles: "Dr. Jane Smith", "Mr Smith", "Prof. A. Jones"
    re.compile(rf"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof|Doctor)\.?\s+(?:[A-Z]\.\s*)*{_NAME_WORD}(?:\s+{_NAME_WORD})?"),
    # Sign-offs: "Dictated by: Jane Smith", "Electronically signed by Smith, Jane"
    re.compile(rf"(?i:\b(?:dictated|signed|reported|read|verified|transcribed|approved)\s+by)\s*:?\s*"
               rf"(?:Dr\.?\s+)?{_NAME_WORD}(?:,?\s+{_NAME_WORD})?"),
]
_IDS = [
    re.compile(r"\b(?=[A-Za-z0-9-]*\d{5})[A-Za-z0-9][A-Za-z0-9-]{4,}\b"),     # MRN 12345678, A-00012345
    re.compile(r"\+?\(?\d{2,4}\)?[\s-]\d{3,4}[\s-]\d{3,4}\b"),                # phone numbers
]


def _known_terms(known: Iterable[str | None]) -> list[str]:
    terms = set()
    for value in known:
        if not value:
            continue
        text = str(value)
        terms.add(text)
        # A DICOM PN "FAMILY^GIVEN^MIDDLE" also appears as its separate names.
        terms.update(part for part in re.split(r"[\^\s,]+", text) if len(part) >= 2)
    return sorted(terms, key=len, reverse=True)


def deidentify_report(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with the study's identifiers, dates, titled names and ID-like codes replaced."""
    out = text
    for term in _known_terms(known):
        out = re.sub(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", ID, out, flags=re.I)
    for pattern in _DATES:
        out = pattern.sub(DATE, out)
    for pattern in _NAMES:
        out = pattern.sub(lambda m: _keep_lead(m.group(0)) + NAME, out)
    for pattern in _IDS:
        out = pattern.sub(ID, out)
    return out


def _keep_lead(match: str) -> str:
    """Keep the sign-off words ("Dictated by: ") so the sentence still reads; drop the name itself."""
    lead = re.match(r"(?i)((?:dictated|signed|reported|read|verified|transcribed|approved)\s+by\s*:?\s*)", match)
    return lead.group(1) if lead else ""
