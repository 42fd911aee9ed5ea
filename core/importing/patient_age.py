"""Patient age in years, from (0010,1010) Patient's Age or from dates."""

from __future__ import annotations

import datetime as _dt

_UNIT_YEARS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def age_from_age_string(value: str | None) -> float | None:
    """(0010,1010) Patient's Age, an AS value ``nnnD|W|M|Y`` (e.g. ``045Y``) -> years."""
    if not value:
        return None
    value = str(value).strip().upper()
    if len(value) < 2 or value[-1] not in _UNIT_YEARS or not value[:-1].isdigit():
        return None
    return round(int(value[:-1]) * _UNIT_YEARS[value[-1]], 2)


def _date(value: str | None) -> _dt.date | None:
    if not value:
        return None
    try:
        return _dt.datetime.strptime(str(value).strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def age_from_dates(birth_date: str | None, study_date: str | None) -> float | None:
    """(0010,0030) Patient's Birth Date and (0008,0020) Study Date (DA, YYYYMMDD) -> years."""
    born, seen = _date(birth_date), _date(study_date)
    if born is None or seen is None or seen < born:
        return None
    return round((seen - born).days / 365.25, 2)


def patient_age_years(age: str | None, birth_date: str | None, study_date: str | None) -> float | None:
    """Patient's Age when present and valid, else computed from Birth Date and Study Date."""
    years = age_from_age_string(age)
    return years if years is not None else age_from_dates(birth_date, study_date)
