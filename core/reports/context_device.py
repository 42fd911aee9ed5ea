"""Which fracture mentions a device word is about, in a language whose modifiers follow their noun.

A device word a few words from a fracture mention (core.reports.context: "device", within
DEVICE_REACH) says a device broke in English: "broken screw", "the screw is fractured", "fracture of
the distal locking screw", "screw fracture". Spanish says it two ways only: the device is the
fracture's object ("fractura del tornillo", "fractura de uno de los cables de esternotomía"), or a
participle qualifies the device ("tornillo distal fracturado"). Everywhere else a device word beside
a fracture is the bone's treatment or another finding: "implantación de clavo gamma por fractura
pertrocantérea", "portador de prótesis de rodilla y fractura de cadera", "fractura de cadera,
IQ prótesis colocada". A language says so with two lists:

- ``<lang>_device_participle.txt``, the fracture words as written that are participles
  ("fracturado"): a device word BEFORE a mention governs only these. Where the report's stop words
  were removed, the participle and the noun share one stem ("fractur"), and a device word before a
  mention governs none.
- ``<lang>_device_object.txt``, the words that may stand between a fracture and the device it is of
  ("de", "del", "uno", "los"; numbers too): a device word AFTER a mention governs it only across these.

A language without the lists (English) keeps the reach alone.
"""

from __future__ import annotations


def device_governs(doc, mention, trigger_start: int, trigger_end: int) -> bool:
    """Whether a device trigger (words ``trigger_start:trigger_end``) is about ``mention`` (a Span),
    under the lists of this module's docstring stored on the Doc."""
    participles = doc.user_data.get("device_participles")
    between = doc.user_data.get("device_object_words")
    # The words as written (lower case, accents folded); without them, as normalised.
    words = doc.user_data.get("written") or [t.text for t in doc]
    if trigger_end <= mention.start:        # the device word before the mention
        return participles is None or any(words[i] in participles for i in range(mention.start, mention.end))
    # The device word after the mention.
    return between is None or all(words[i] in between or words[i].isdigit() for i in range(mention.end, trigger_start))
