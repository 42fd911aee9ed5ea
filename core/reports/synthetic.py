"""Synthetic musculoskeletal radiograph reports with known labels (tests and bench).

Deterministic for a seed. ``negation_rate`` sets how often a normal study's
report mentions a fracture only to deny it ("no radiographic evidence of an
acute displaced fracture"), and how often an abnormal report also denies other
findings with the same words ("dislocation is excluded"): where it is high,
word n-grams alone cannot tell the two apart. Uncertain reports ("cannot
exclude a scaphoid fracture") carry a label drawn at random, as in a clinic
where follow-up decides. Old, healed fractures are labelled negative (no
acute fracture). ``language="es"`` writes the same mixture in Spanish
("Sin fracturas.", "No se descarta fractura del escafoides.", "Callo de
fractura ..."). This is NOT the demo workspace generator (core/demo).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PARTS = ("distal radius", "ulnar styloid", "scaphoid", "fifth metacarpal", "proximal phalanx of the ring finger",
         "middle phalanx of the index finger", "radial head", "olecranon", "surgical neck of the humerus",
         "greater tuberosity", "distal ulna", "base of the thumb metacarpal", "lateral epicondyle", "clavicle")
DESCRIPTORS = ("acute", "transverse", "oblique", "comminuted", "nondisplaced", "minimally displaced", "impacted",
               "displaced", "angulated", "spiral", "intra articular", "buckle", "avulsion")
# What a finding other than a fracture is said to be: a fracture's descriptors on it would make
# "a buckle dislocation", a sentence no radiologist writes, and a fracture mention ("buckle") on it.
OTHER_DESCRIPTORS = ("small", "large", "mild", "moderate", "acute", "new")
OTHER_FINDINGS = ("dislocation", "joint effusion", "soft tissue swelling", "radiopaque foreign body",
                  "subluxation", "lytic lesion", "periosteal reaction", "malalignment", "erosive change")
NORMAL_SENTENCES = ("Joint spaces are preserved.", "Alignment is anatomic.", "Bone mineralization is normal.",
                    "Soft tissues are unremarkable.", "Mild degenerative change of the radiocarpal joint.",
                    "Normal study.", "The carpal bones are intact.", "Growth plates are open.",
                    "Vascular calcifications are noted.", "Orthopedic hardware is intact.")
HISTORY = ("XXXX year old with fall on outstretched hand.", "Pain after XXXX injury.", "Trauma. Pain and swelling.",
           "XXXX-year-old XXXX, wrist pain.", "Follow up.", "Sports injury.")


@dataclass(frozen=True)
class SyntheticReport:
    text: str
    label: int      # 1 = acute fracture, 0 = none
    kind: str       # positive | negated | normal | uncertain | healed


def _mods(rng: random.Random, most: int = 3, descriptors: tuple[str, ...] = DESCRIPTORS) -> str:
    k = rng.randint(0, most)
    return " ".join(rng.sample(descriptors, k)) + (" " if k else "")


# The same sentence shapes affirm or deny any finding, so the words of a report
# say little about WHICH finding is denied: only the scope of the trigger does.
_AFFIRMED = ("There is a {m}{f} of the {p}.", "A {m}{f} of the {p} is seen.", "{M}{f} of the {p} is identified.",
             "Evidence of {m}{f} of the {p}.", "{M}{f} of the {p}.", "Findings consistent with a {m}{f} of the {p}.")
_DENIED = ("There is no {m}{f} of the {p}.", "A {m}{f} of the {p} is not seen.", "No {m}{f} of the {p} is identified.",
           "No evidence of {m}{f} of the {p}.", "A {m}{f} of the {p} is excluded.", "Without evidence of {m}{f}.",
           "No radiographic evidence of {m}{f} of the {p}.", "{M}{f} of the {p} has been ruled out.")


def _sentence(rng: random.Random, finding: str, denied: bool, most_mods: int = 3) -> str:
    mods = _mods(rng, most_mods, DESCRIPTORS if finding == "fracture" else OTHER_DESCRIPTORS)
    template = rng.choice(_DENIED if denied else _AFFIRMED)
    return template.format(m=mods, M=mods.capitalize() or "A ", f=finding, p=rng.choice(PARTS))


def _positive(rng: random.Random) -> str:
    return _sentence(rng, "fracture", denied=False, most_mods=2)


def _negated_fracture(rng: random.Random) -> str:
    return _sentence(rng, "fracture", denied=True)


def _negated_other(rng: random.Random) -> str:
    return _sentence(rng, rng.choice(OTHER_FINDINGS), denied=True, most_mods=1)


def _affirmed_other(rng: random.Random) -> str:
    return _sentence(rng, rng.choice(OTHER_FINDINGS), denied=False, most_mods=1)


def _uncertain(rng: random.Random) -> str:
    part, mods = rng.choice(PARTS), _mods(rng, 1)
    return rng.choice((
        f"Possible {mods}fracture of the {part}.",
        f"Cannot exclude a {mods}fracture of the {part}; suggest follow up.",
        f"Questionable lucency in the {part}, fracture cannot be excluded.",
        f"Suspected occult fracture of the {part}.",
        f"Subtle cortical irregularity of the {part} may represent a {mods}fracture.",
    ))


def _healed(rng: random.Random) -> str:
    part = rng.choice(PARTS)
    return rng.choice((
        f"Old healed fracture of the {part}.",
        f"Healing fracture of the {part} with callus formation.",
        f"Remote fracture of the {part} has healed.",
        f"Well healed {rng.choice(DESCRIPTORS)} fracture of the {part}.",
    ))


# Spanish: the same report kinds and sentence shapes.
PARTS_ES = ("radio distal", "estiloides cubital", "escafoides", "quinto metacarpiano", "falange proximal del anular",
            "cabeza del radio", "olécranon", "cuello quirúrgico del húmero", "troquíter", "cúbito distal",
            "base del primer metacarpiano", "epicóndilo", "clavícula")
DESCRIPTORS_ES = ("aguda", "transversa", "oblicua", "conminuta", "no desplazada", "mínimamente desplazada",
                  "impactada", "desplazada", "anulada", "espiroidea", "intraarticular", "en rodete", "por avulsión")
OTHER_FINDINGS_ES = ("luxación", "derrame articular", "aumento de partes blandas", "cuerpo extraño radiopaco",
                     "subluxación", "lesión lítica", "reacción perióstica", "erosión")
NORMAL_SENTENCES_ES = ("Espacios articulares conservados.", "Alineación anatómica.", "Mineralización ósea normal.",
                       "Partes blandas sin alteraciones.", "Leves cambios degenerativos radiocarpianos.",
                       "Estudio normal.", "Huesos del carpo íntegros.", "Fisis abiertas.",
                       "Calcificaciones vasculares.")
HISTORY_ES = ("Caída sobre la mano extendida.", "Dolor tras traumatismo XXXX.", "Traumatismo. Dolor y tumefacción.",
              "Paciente de XXXX años con dolor de muñeca.", "Control.", "Lesión deportiva.")
_AFFIRMED_ES = ("Se observa {f} {m}del {p}.", "{F} {m}del {p}.", "Se aprecia {f} {m}del {p}.",
                "Hallazgos compatibles con {f} {m}del {p}.", "Existe {f} {m}del {p}.")
_DENIED_ES = ("No se observa {f} {m}del {p}.", "Sin {f} {m}del {p}.", "No se aprecia {f} {m}del {p}.",
              "No hay signos de {f} {m}del {p}.", "Se descarta {f} {m}del {p}.", "Sin evidencia de {f}.",
              "{F} {m}del {p} descartada.", "No se identifica {f} {m}del {p}.")


def _sentence_es(rng: random.Random, finding: str, denied: bool, most_mods: int = 3) -> str:
    k = rng.randint(0, min(most_mods, 1) if finding != "fractura" else most_mods)
    mods = " ".join(rng.sample(DESCRIPTORS_ES, k)) + (" " if k else "") if finding == "fractura" else ""
    template = rng.choice(_DENIED_ES if denied else _AFFIRMED_ES)
    return template.format(m=mods, f=finding, F=finding.capitalize(), p=rng.choice(PARTS_ES))


def _uncertain_es(rng: random.Random) -> str:
    part = rng.choice(PARTS_ES)
    return rng.choice((f"Posible fractura del {part}.", f"No se descarta fractura del {part}; se sugiere control.",
                       f"Dudosa línea de fractura en el {part}.", f"Sospecha de fractura oculta del {part}.",
                       f"Irregularidad cortical del {part} que podría corresponder a una fractura."))


def _healed_es(rng: random.Random) -> str:
    part = rng.choice(PARTS_ES)
    return rng.choice((f"Fractura antigua consolidada del {part}.", f"Callo de fractura en el {part}.",
                       f"Secuelas de fractura antigua del {part}.", f"Fractura del {part} ya consolidada."))


def _synthetic_report_es(rng: random.Random, negation_rate: float, positive_rate: float, uncertain_rate: float,
                         healed_rate: float) -> SyntheticReport:
    roll = rng.random()
    findings: list[str] = []
    if roll < positive_rate:
        kind, label = "positive", 1
        findings.append(_sentence_es(rng, "fractura", denied=False, most_mods=2))
        if rng.random() < negation_rate:
            findings.append(_sentence_es(rng, rng.choice(OTHER_FINDINGS_ES), denied=True))
    elif roll < positive_rate + uncertain_rate:
        kind, label = "uncertain", int(rng.random() < 0.4)
        findings.append(_uncertain_es(rng))
    elif roll < positive_rate + uncertain_rate + healed_rate:
        kind, label = "healed", 0
        findings.append(_healed_es(rng))
        if rng.random() < 0.5:
            findings.append("Sin fracturas agudas.")
    elif rng.random() < negation_rate:
        kind, label = "negated", 0
        findings.append(_sentence_es(rng, "fractura", denied=True))
        if rng.random() < 0.5:
            findings.append(_sentence_es(rng, rng.choice(OTHER_FINDINGS_ES), denied=False))
    else:
        kind, label = "normal", 0
    findings.extend(rng.sample(NORMAL_SENTENCES_ES, rng.randint(0, 2)))
    if rng.random() < negation_rate:
        findings.append(_sentence_es(rng, rng.choice(OTHER_FINDINGS_ES), denied=True))
    rng.shuffle(findings)
    body = " ".join(findings) or "Estudio normal."
    text = f"ANTECEDENTES: {rng.choice(HISTORY_ES)}\nHALLAZGOS: {body}\nCONCLUSIÓN: {findings[0] if findings else body}"
    return SyntheticReport(text, label, kind)


def synthetic_report(rng: random.Random, negation_rate: float = 0.6, positive_rate: float = 0.25,
                     uncertain_rate: float = 0.08, healed_rate: float = 0.08, language: str = "en") -> SyntheticReport:
    """One report with its label; see the module docstring for the mixture."""
    if language == "es":
        return _synthetic_report_es(rng, negation_rate, positive_rate, uncertain_rate, healed_rate)
    roll = rng.random()
    findings: list[str] = []
    if roll < positive_rate:
        kind, label = "positive", 1
        findings.append(_positive(rng))
        if rng.random() < negation_rate:
            findings.append(_negated_other(rng))
        if rng.random() < negation_rate / 2:
            findings.append(_negated_fracture(rng))  # "... No fracture of the ulna."
    elif roll < positive_rate + uncertain_rate:
        kind, label = "uncertain", int(rng.random() < 0.4)
        findings.append(_uncertain(rng))
    elif roll < positive_rate + uncertain_rate + healed_rate:
        kind, label = "healed", 0
        findings.append(_healed(rng))
        if rng.random() < 0.5:
            findings.append(_negated_fracture(rng))
    elif rng.random() < negation_rate:
        kind, label = "negated", 0
        findings.append(_negated_fracture(rng))
        if rng.random() < 0.5:
            findings.append(_affirmed_other(rng))
    else:
        kind, label = "normal", 0
    findings.extend(rng.sample(NORMAL_SENTENCES, rng.randint(0, 2)))
    if rng.random() < negation_rate:
        findings.append(_negated_other(rng))
    rng.shuffle(findings)
    impression = findings[0] if findings else "Normal study."
    body = " ".join(findings) or "Normal study."
    text = f"HISTORY: {rng.choice(HISTORY)}\nFINDINGS: {body}\nIMPRESSION: {impression}"
    return SyntheticReport(text, label, kind)


def synthetic_reports(n: int, seed: int = 0, **mixture) -> list[SyntheticReport]:
    """``n`` reports, identical for identical arguments."""
    rng = random.Random(seed)
    return [synthetic_report(rng, **mixture) for _ in range(n)]
