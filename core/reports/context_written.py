"""Trigger matches checked against the words as written (core.reports.context).

Spanish stems stand for every form of a verb; these checks keep the forms a trigger list means.
"""

from __future__ import annotations

import re

# An infinitive in a trigger list ("descartar", "valorar"): where the report's words are not their stems,
# it matches only as written (as_written).
_INFINITIVE = re.compile(r"^[a-z]{3,}(ar|er|ir)$")
# A participle in a trigger list ("consolidada", "descartado"): it matches only its own gender and number forms.
_PARTICIPLE = re.compile(r"^[a-z]{3,}[ai]d[ao]s?$")
# A noun of action in a trigger list ("consolidación", accents folded): it matches only itself, in either number.
_ACTION_NOUN = re.compile(r"^[a-z]{3,}cion$")


def as_written(found, doc):
    """The trigger matches whose words as written are what their list says, where the report's words
    are written in full (``doc.user_data["written"]``; a stemmed report has only the stems to go by).

    A Spanish stem stands for every form of its verb, and they say different things: the infinitive
    of a request ("para descartar fractura", "valorar fractura": hypothetical) and the finite forms
    of a result ("pruebas que descartan fracturas", "descartándose fractura": denied; "valorado por
    Traumatología": an assessment made, no trigger). So a listed infinitive matches only itself
    (with a pronoun after it: "descartarse"), and where one span is a phrase of several classes'
    lists, the class whose list holds it as written (in either number) wins ("descartar" is
    hypothetical, "descartan" a negation, though both lists match both; "sino" is the termination, not
    the negation "sin" its stem is). A termination matches only as written: a subjunctive after "que"
    has the stem of a finding verb and opens no clause ("no queda claro que presente una fractura").
    English words are their own normalised form, so none of this applies to them."""
    written = doc.user_data.get("written")
    forms = doc.user_data.get("written_forms")
    if not written or not forms:
        return found
    verdicts = {}
    for label, s, e in found:
        listed = forms.get(label, {}).get(" ".join(t.text for t in doc[s:e]))
        span = written[s:e]
        if not listed or all(w == t.text for w, t in zip(span, doc[s:e])):
            continue     # a variant without stop words, or a stemmed report: nothing to compare
        exact = any(all(same_word(lw, w) for lw, w in zip(form, span))
                    for form in listed if len(form) == len(span))
        fits = exact or label != "termination" and any(
            all(fits_written(lw, w) for lw, w in zip(form, span)) for form in listed)
        verdicts[(label, s, e)] = (exact, fits)
    spans_exact = {(s, e) for (label, s, e), (exact, _) in verdicts.items() if exact}
    return [(label, s, e) for label, s, e in found
            if (label, s, e) not in verdicts
            or (verdicts[(label, s, e)][0] if (s, e) in spans_exact else verdicts[(label, s, e)][1])]


def fits_written(listed: str, written: str) -> bool:
    """Whether a word as written can be a listed trigger word it shares its stem with: a listed
    infinitive only itself (with a pronoun after it), a listed participle only itself in either gender
    and number ("consolidada" is "consolidados", not the noun "consolidación": "consolidación basal
    derecha y fractura costal" reads no healed fracture), a listed noun in "-ción" only itself in either
    number ("consolidación de" is not "consolidada de"); any other word every form of its stem. A
    written stem that begins the listed word fits it: PadChest writes stems ("consolid"), and the stem
    of a stem may differ from it ("consol"), so such a report does not look stemmed to the caller."""
    if _INFINITIVE.search(listed):
        return written.startswith(listed)
    if listed.startswith(written):
        return True     # a stem as written (PadChest's reports: "consolid"), whose own stem may differ
    if _PARTICIPLE.search(listed):
        return written.rstrip("s")[:-1] == listed.rstrip("s")[:-1] and written.rstrip("s")[-1:] in ("a", "o")
    if _ACTION_NOUN.search(listed):
        return same_word(listed, written)
    return True


def same_word(listed: str, written: str) -> bool:
    """The same word as written, in either number ("tornillo" is the listed "tornillos")."""
    return listed == written or any(listed + end == written or written + end == listed for end in ("s", "es"))
