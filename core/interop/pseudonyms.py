"""One export's consistent replacements for identifiers (PS3.15 Annex E).

Every replacement is a keyed hash (HMAC-SHA256) of the original under a
secret drawn fresh for each export: within one export the same UID, patient
or reader always gets the same pseudonym (so an SR still points at its
images), while two exports cannot be linked to each other or back to the
originals. Nothing of the table is written anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

# Modified-dates option: every date of a patient moves back by the same number
# of days, between about two months and two years (the range dicognito uses).
MIN_SHIFT_DAYS = 62
MAX_SHIFT_DAYS = 730


class Pseudonyms:
    def __init__(self, shift_dates: bool = False, secret: bytes | None = None):
        self.shift_dates = shift_dates
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._readers: dict[str, str] = {}

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._secret, f"{kind}\0{value}".encode(), hashlib.sha256).digest()

    def uid(self, uid: str) -> str:
        """(0008,0018)/(0020,000D)/(0020,000E)… action U: a new UID, 2.25 + a 128-bit number (PS3.5 B.2)."""
        return "2.25." + str(int.from_bytes(self._digest("uid", str(uid))[:16], "big"))

    def patient(self, patient_key: str) -> str:
        """(0010,0010) Patient's Name and (0010,0020) Patient ID of the de-identified patient."""
        return "ANON-" + self._digest("patient", str(patient_key))[:5].hex().upper()

    def reader(self, author: str) -> str:
        """A radiologist's name in label tables: reader-1, reader-2, … in order of appearance."""
        return self._readers.setdefault(author, f"reader-{len(self._readers) + 1}")

    def day_offset(self, patient_key: str) -> int | None:
        """Days added to every date of this patient (negative), or None when dates are removed."""
        if not self.shift_dates:
            return None
        span = MAX_SHIFT_DAYS - MIN_SHIFT_DAYS
        return -(MIN_SHIFT_DAYS + int.from_bytes(self._digest("days", str(patient_key))[:4], "big") % span)

    def date(self, value: str | None, patient_key: str) -> str:
        """A DA value (YYYYMMDD) shifted by the patient's offset; empty when dates are removed or unreadable."""
        days = self.day_offset(patient_key)
        if days is None or not value:
            return ""
        try:
            day = dt.datetime.strptime(str(value).strip()[:8], "%Y%m%d").date()
        except ValueError:
            return ""
        return (day + dt.timedelta(days=days)).strftime("%Y%m%d")

    def timestamp(self, value: str | None, patient_key: str) -> str:
        """An ISO time stamp (the workspace's label times) shifted like the patient's dates, else empty."""
        days = self.day_offset(patient_key)
        if days is None or not value:
            return ""
        try:
            when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return ""
        return (when + dt.timedelta(days=days)).isoformat()
