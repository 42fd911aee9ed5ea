"""Mention-level context in English and Spanish: hand-written sentences for every class.

Each case lists the context of every FRACTURE mention of the sentence, in
order ("" = affirmed: no context class), so a sentence passes only if the
mentions are found AND each gets exactly its classes: a rule that marks
everything negated fails the affirmed cases, and one that marks nothing fails
the rest.
"""

import pytest

from core.reports.context import CONTEXT_CLASSES, PROBABLE, analyse, stopwords_removed
from core.reports.language import detect_language
from core.reports.normalise import normalise_word

CASES = [
    # --- English: negated
    ("en", "No acute fracture.", ["negated"]),
    ("en", "No displaced fracture is identified.", ["negated"]),
    ("en", "There is no radiographic evidence of an acute displaced angulated fracture of the radius.", ["negated"]),
    ("en", "A fracture of the scaphoid is not seen.", ["negated"]),
    ("en", "Fracture of the distal radius has been ruled out.", ["negated"]),
    ("en", "NO FRACTURE OR DISLOCATION.", ["negated"]),
    ("en", "Without evidence of fracture.", ["negated"]),
    ("en", "Negative for fracture.", ["negated"]),
    # --- English: uncertain
    # A termination word right after a hedge opens the phrase the hedge is about.
    ("en", "Possibly also a fracture of the ulna.", ["uncertain"]),
    ("en", "Possibly there is a fracture of the distal radius.", ["uncertain"]),
    ("en", "Fracture cannot be excluded.", ["uncertain"]),
    ("en", "Cannot exclude a scaphoid fracture.", ["uncertain"]),
    ("en", "Possible fracture of the fifth metacarpal.", ["uncertain"]),
    ("en", "Questionable nondisplaced fracture of the radial head.", ["uncertain"]),
    ("en", "Cortical irregularity which may represent a fracture.", ["uncertain"]),
    ("en", "Perhaps a nondisplaced fracture of the scaphoid.", ["uncertain"]),
    ("en", "Maybe a fracture of the radius.", ["uncertain"]),
    # --- English: probable (every hedge of the sentence a strong one; Panicek & Hricak's lexicon)
    ("en", "Findings are suspicious for an occult fracture.", ["probable"]),
    ("en", "Probable fracture of the 8th rib.", ["probable"]),
    ("en", "Likely nondisplaced fracture of the scaphoid.", ["probable"]),
    ("en", "Fracture is likely.", ["probable"]),
    ("en", "Apparent fracture of the distal radius.", ["probable"]),
    ("en", "Probable fracture of the radius, possibly a fracture of the ulna.", ["uncertain", "uncertain"]),
    ("en", "Fracture less likely.", ["uncertain"]),
    ("en", "Less likely fracture.", ["uncertain"]),
    ("en", "Is there a probable fracture?", ["uncertain"]),
    # --- English: historical / healed
    ("en", "Old healed right rib fractures.", ["historical"]),
    ("en", "Healed fracture of the distal ulna.", ["historical"]),
    ("en", "The fracture has healed.", ["historical"]),
    ("en", "Remote fracture of the clavicle.", ["historical"]),
    ("en", "Sequela of prior fracture of the fifth metacarpal.", ["historical"]),
    # --- English: post-operative / hardware
    ("en", "Status post ORIF of a distal radius fracture.", ["postop"]),
    ("en", "Postoperative changes after fixation of a fracture of the ulna.", ["postop"]),
    ("en", "Distal radius fracture fixed with a volar plate.", ["postop"]),
    ("en", "Intact orthopedic hardware transfixing a healed fracture.", ["historical,postop"]),
    # --- English: hypothetical
    ("en", "Rule out fracture.", ["hypothetical"]),
    ("en", "Fall on outstretched hand, evaluate for fracture.", ["hypothetical"]),
    ("en", "Follow-up radiographs to exclude an occult fracture.", ["hypothetical"]),
    # --- English: affirmed, and scope ends at sentence and clause boundaries
    ("en", "Acute transverse fracture of the distal radius.", [""]),
    ("en", "There is a comminuted fracture of the distal radius.", [""]),
    ("en", "No dislocation. Fracture of the radius.", [""]),
    ("en", "No dislocation but there is an acute fracture.", [""]),
    ("en", "No effusion, however a fracture of the radius is seen.", [""]),
    ("en", "No change in the fracture alignment.", [""]),
    ("en", "No acute fracture; old healed fracture of the ulna.", ["negated", "historical"]),
    ("en", "No acute fracture, old healed fracture of the ulna.", ["negated", "historical"]),
    # A one-word historical trigger after a negated mention opens its own scope; before any mention it does not.
    ("en", "No acute fracture, healed fracture of the ulna.", ["negated", "historical"]),
    ("en", "No acute fracture, old fracture of the ulna.", ["negated", "historical"]),
    ("en", "No old or new fracture.", ["historical,negated"]),
    ("en", "No displaced fracture, possible nondisplaced fracture.", ["negated", "uncertain"]),
    ("en", "Healed fracture of the radius. Acute fracture of the ulna.", ["historical", ""]),
    # --- Spanish: negated
    ("es", "Sin fracturas.", ["negated"]),
    ("es", "No se observan fracturas.", ["negated"]),
    ("es", "No se aprecian trazos de fractura.", ["negated"]),
    ("es", "No hay signos de fractura aguda.", ["negated"]),
    ("es", "Ausencia de fractura.", ["negated"]),
    ("es", "Fractura descartada.", ["negated"]),
    # --- Spanish: uncertain
    ("es", "Posiblemente existe fractura de radio.", ["uncertain"]),
    ("es", "No se descarta fractura de escafoides.", ["uncertain"]),
    ("es", "Posible fractura del quinto metacarpiano.", ["uncertain"]),
    ("es", "Dudosa fractura de la estiloides radial.", ["uncertain"]),
    ("es", "Fractura de radio remodelada.", ["historical"]),
    ("es", "Fracturas costales remodeladas.", ["historical"]),
    # Real sentences (public BIMCV reports, read after these rules were written) showed these.
    ("es", "Quizás fractura de escafoides.", ["uncertain"]),
    ("es", "Tal vez fractura de la séptima costilla.", ["uncertain"]),
    ("es", "Fractura de radio, quizás antigua.", ["historical"]),
    ("es", "Fracturas costales izquierdas: 5ª, 6ª y tal vez 7ª, antiguas.", ["historical"]),
    ("es", "Fractura de clavícula ya conocida.", ["historical"]),
    ("es", "Fractura de radio ya visible en estudios previos.", ["historical"]),
    # Spanish as PadChest ships it: stop words removed (es_stopwords.txt), then stemmed.
    ("es", "ausenci fractur .", ["negated"]),
    ("es", "sospech fractur escafoid .", ["probable"]),
    ("es", "imag sugest fractur no desplaz .", ["probable"]),
    ("es", "secuel fractur cubit .", ["historical"]),
    ("es", "posibil fractur escafoid .", ["uncertain"]),
    ("es", "fractur radi visibl .", [""]),                  # "ya visible" is not varied: "visible" is no cue
    # "no (hay) evidencia (de)" and "(fractura) no evidente" both come out "no evident": both ways.
    ("es", "no evident fractur .", ["negated"]),
    ("es", "fractur costal no evident .", ["negated"]),
    # Without stop words "pero" is gone and "se observa" is "observ": a termination there only.
    ("es", "sin derram observ fractur radi .", [""]),
    ("es", "sin fractur observ fractur clavicul .", ["negated", ""]),
    ("es", "no observ fractur costal .", ["negated"]),     # the trigger "no observ" holds the termination
    # ... and the variants change nothing in text written in full.
    ("es", "No hay evidencia de fractura.", ["negated"]),   # "se evidencia" (termination) is not varied
    ("es", "Impresión: fractura de radio distal.", [""]),   # "impresiona de" is not varied
    ("es", "Fractura de radio confirmada.", [""]),          # "por confirmar" is not varied
    # Not seen on an earlier examination is new, in PadChest's form ("en" gone) as in full text ...
    ("es", "fractur costal no visualiz estudi previ .", [""]),
    ("es", "perd altur d11 no vist tac previ fractur aplast .", [""]),
    # ... not a fracture denied on it, nor one denied with no examination named.
    ("es", "no fractur estudi previ .", ["negated"]),
    ("es", "fractur clavicul no visibl estudi actual .", ["negated"]),
    # Seen on an earlier examination is old, written in full or in PadChest's form ("ya" and "en" gone) ...
    ("es", "Fractura costal presente en estudio previo.", ["historical"]),
    ("es", "fractur costal present estudi previ .", ["historical"]),
    ("es", "acun l1 present estudi anterior fractur costal visibl estudi previ .", ["historical"]),
    # ... and not seen there is new, neither old nor denied.
    ("es", "Fractura costal no visible en el estudio previo.", [""]),
    ("es", "fractur costal no visibl estudi previ .", [""]),
    # Accents folded before stemming, as PadChest's were: "podría" and "podri(a)" are one word.
    ("es", "podri relacion con fractur plastamient benign .", ["uncertain"]),
    ("es", "Podria estar en relacion con fractura.", ["uncertain"]),
    # --- Spanish: probable
    ("es", "Imagen sugestiva de fractura no desplazada.", ["probable"]),
    ("es", "Fractura probable de la octava costilla.", ["probable"]),
    ("es", "Fracturas costales probables.", ["probable"]),
    ("es", "Sospecha de fractura de escafoides.", ["probable"]),
    ("es", "Probable fractura antigua de radio.", ["historical,probable"]),
    ("es", "Menos probable fractura.", ["uncertain"]),
    ("es", "Probable fractura de escafoides, no se descarta fractura de radio.", ["uncertain", "uncertain"]),
    ("es", "¿Probable fractura?", ["uncertain"]),
    ("es", "Fractura no descartable del escafoides.", ["uncertain"]),
    # --- Spanish: historical
    ("es", "Callo de fractura en el radio distal.", ["historical"]),
    ("es", "Fractura consolidada de radio distal.", ["historical"]),
    ("es", "Fractura antigua de costilla.", ["historical"]),
    ("es", "Secuelas de fractura del cúbito.", ["historical"]),
    # --- Spanish: post-operative
    ("es", "Material de osteosíntesis en fractura de radio.", ["postop"]),
    ("es", "Osteosíntesis de fractura de tobillo.", ["postop"]),
    ("es", "Fractura de húmero osteosintetizada con placa.", ["postop"]),
    # --- Spanish: hypothetical
    ("es", "Descartar fractura.", ["hypothetical"]),
    ("es", "Traumatismo en muñeca, para descartar fractura.", ["hypothetical"]),
    ("es", "Caída, valorar fractura de cadera.", ["hypothetical"]),
    # --- Spanish: affirmed, and boundaries
    ("es", "Fractura de radio distal desplazada.", [""]),
    ("es", "Se observa fractura del quinto metacarpiano.", [""]),
    ("es", "Sin derrame, pero se observa fractura de radio.", [""]),
    ("es", "Sin cambios en la alineación de la fractura.", [""]),
    ("es", "Sin embargo, fractura de cúbito.", [""]),
    ("es", "No se observa luxación. Fractura del escafoides.", [""]),
    ("es", "Fractura antigua de radio. Fractura aguda de cúbito.", ["historical", ""]),
    # --- Spanish stemmed and accent-less text (as some collections arrive)
    ("es", "no se observ fractur", ["negated"]),
    ("es", "fractur de radi distal desplaz", [""]),
    ("es", "no se descart fractur de escafoid", ["uncertain"]),
    ("es", "callo de fractur", ["historical"]),
    ("es", "material de osteosintesis en fractura de radio", ["postop"]),
    # --- A leading question mark is shorthand for "possible"; "query" hedges the same way
    ("en", "?fracture", ["uncertain"]),
    ("en", "? fracture of the left 5th rib", ["uncertain"]),
    ("en", "Fall on outstretched hand ?scaphoid fracture.", ["uncertain"]),
    ("en", "Query fracture of the left 5th rib.", ["uncertain"]),
    ("en", "?fracture. Fracture of the distal radius.", ["uncertain", ""]),
    ("en", "Pain? Fracture of the distal radius.", [""]),      # a trailing "?" hedges nothing after it
    ("en", "? fracture, no dislocation. No fracture.", ["uncertain", "negated"]),
    ("es", "?fractura de escafoides", ["uncertain"]),
    ("es", "Caída. ? fractura de cadera", ["uncertain"]),
    ("es", "¿Fractura de escafoides?", ["uncertain"]),
    # --- Negation runs on across "or" in a list; a semicolon or "but" ends it
    ("en", "No fracture or old fracture deformity.", ["negated", "historical,negated"]),
    ("en", "No fracture, dislocation or old fracture deformity.", ["negated", "historical,negated"]),
    ("en", "No acute or old healed fracture.", ["historical,negated"]),
    ("en", "No acute fracture; old healed fracture of the 6th rib.", ["negated", "historical"]),
    ("en", "No acute fracture but there is an old fracture deformity", ["negated", "historical"]),
    # Two fractures offered for each other are a fracture either way (no alternative's uncertainty).
    ("en", "Acute fracture or old fracture deformity of the radius.", ["", "historical"]),
    ("es", "Sin fracturas agudas o antiguas.", ["historical,negated"]),
    ("es", "Sin fracturas, se observa fractura de clavícula.", ["negated", ""]),
    # --- Spanish: a healed trigger after a comma governs the fracture before it
    ("es", "Fracturas costales antiguas, consolidadas.", ["historical"]),
    ("es", "Fractura de radio distal, consolidada.", ["historical"]),
    ("es", "Fractura de radio distal, en fase de consolidación.", ["historical"]),
    ("es", "Fractura de radio distal, callo de fractura.", ["historical", "historical"]),
    ("es", "Fractura de radio distal, sin callo de fractura.", ["", "historical,negated"]),
    ("es", "Fractura de clavícula, con callo de fractura.", ["historical", "historical"]),
    # --- A healed post-trigger is about the nearest mention before it, not one across another mention;
    # a new mention of the same finding after a comma ends the negated list (another finding does not)
    ("es", "Sin fractura aguda, fractura antigua de costilla.", ["negated", "historical"]),
    ("es", "No se observan fracturas agudas, fracturas costales consolidadas.", ["negated", "historical"]),
    ("es", "Fractura aguda de radio y fractura antigua de cúbito.", ["", "historical"]),
    ("es", "Sin fracturas, luxaciones ni derrame.", ["negated"]),
    ("es", "Sin fractura aguda, ni fractura antigua.", ["negated", "historical,negated"]),
    ("en", "No acute fracture, fractures of the ribs are healed.", ["negated", "historical"]),
    ("en", "No fracture of the radius, fracture of the ulna or dislocation.", ["negated", "negated"]),
    ("en", "No fracture, dislocation or subluxation.", ["negated"]),
    # --- "ni antiguas" / "nor old" go on with the negated list and are about its fracture
    ("es", "Sin fracturas agudas ni antiguas.", ["historical,negated"]),
    ("es", "Ni fractura aguda ni antigua.", ["historical,negated"]),
    ("es", "Sin luxación ni fractura antigua.", ["historical,negated"]),
    ("en", "No acute or old fracture.", ["historical,negated"]),
    ("en", "Neither acute nor old fracture.", ["historical,negated"]),
    ("en", "Neither fracture nor dislocation.", ["negated"]),
    ("en", "Neither the radius nor the ulna is fractured.", ["negated"]),
    # --- A question (an interrogative opening, "?" at the end) asks about a fracture: uncertain
    ("en", "Is there a fracture?", ["uncertain"]),
    ("en", "Any fracture of the scaphoid?", ["uncertain"]),
    ("es", "¿Hay fractura?", ["uncertain"]),
    ("es", "¿Existe fractura de escafoides?", ["uncertain"]),
    ("en", "Is there pain? Fracture of the distal radius.", [""]),   # the question is another sentence
    # --- A negation before one finding ends at a comma that opens a new finding's own phrase
    ("es", "Sin derrame, fractura antigua de costilla.", ["historical"]),
    ("es", "Sin derrame, fractura de costilla.", [""]),
    ("en", "No effusion, fracture of the distal radius.", [""]),
    # --- A plural healed post-trigger after mentions joined by "y" / "and" is about each of them
    ("es", "Fractura de radio y fractura de cúbito consolidadas.", ["historical", "historical"]),
    ("es", "Fractura de radio y fractura de cúbito consolidada.", ["", "historical"]),
    ("es", "Fractura aguda de radio y fracturas antiguas de cúbito.", ["", "historical"]),
    ("en", "Fracture of the radius and fracture of the ulna have healed.", ["historical", "historical"]),
    ("en", "Fracture of the radius and fracture of the ulna has healed.", ["", "historical"]),
    # --- A healed pre-trigger ends at a comma that opens a new mention's own phrase
    ("en", "Healed fracture of the radius, fracture of the ulna.", ["historical", ""]),
    ("en", "Healed fractures of the radius and ulna.", ["historical"]),
    ("es", "Fractura consolidada de radio, fractura de cúbito.", ["historical", ""]),
    # --- A question without an interrogative word: a sentence that is a mention and "?" asks about it
    ("en", "Fracture?", ["uncertain"]),
    ("en", "Fracture of the distal radius?", ["uncertain"]),
    ("es", "¿Fractura?", ["uncertain"]),
    ("es", "Fractura de escafoides?", ["uncertain"]),
    ("en", "Wrist pain, fracture?", ["uncertain"]),
    ("en", "Fracture of the distal radius, is it displaced?", [""]),   # the question is about the displacement
    ("en", "Fracture of the distal radius, displaced?", [""]),
    # --- A question's clause after a comma, opening with an interrogative word, asks about what it mentions
    ("en", "Wrist pain, is there a fracture?", ["uncertain"]),
    ("es", "Dolor de muñeca, ¿hay fractura?", ["uncertain"]),
    ("es", "Dolor de muñeca, hay fractura?", ["uncertain"]),
    # --- A question negates nothing: it is uncertain, whatever negation it holds
    ("en", "Is there no fracture?", ["uncertain"]),
    ("es", "¿No hay fractura?", ["uncertain"]),
    ("en", "No dislocation, is there a fracture?", ["uncertain"]),   # the negation before the question stays
    # --- A list "A, B and C" before a plural healed post-trigger, or a healed word set off after it, is healed
    ("es", "Fractura de radio, fractura de cúbito y fractura de escafoides consolidadas.",
     ["historical", "historical", "historical"]),
    ("es", "Fractura de radio, fractura de cúbito y fractura de escafoides consolidada.", ["", "", "historical"]),
    ("en", "Fracture of the radius, fracture of the ulna and fracture of the scaphoid, healed.",
     ["historical", "historical", "historical"]),
    ("en", "Fracture of the radius, fracture of the ulna and fracture of the scaphoid have healed.",
     ["historical", "historical", "historical"]),
    ("en", "Fracture of the radius, fracture of the ulna and fracture of the scaphoid has healed.",
     ["", "", "historical"]),
    ("en", "Fracture of the distal radius, healed.", ["historical"]),
    ("en", "Healed fracture of the radius, fracture of the ulna and fracture of the scaphoid.", ["historical", "", ""]),
    # --- "Luxación y fractura ... consolidadas": one fracture mention, healed; the dislocation is no fracture
    ("es", "Luxación y fractura de radio consolidadas.", ["historical"]),
    # --- A sentence ending in "?" is a question about the mentions of its last clause, whatever opens
    # that clause (a negation too); a Spanish "¿" opens one even where the closing "?" is left off
    ("en", "No fracture?", ["uncertain"]),
    ("en", "No acute fracture of the scaphoid?", ["uncertain"]),
    ("es", "No hay fractura?", ["uncertain"]),
    ("es", "Sin fractura de escafoides?", ["uncertain"]),
    ("es", "¿No hay fractura", ["uncertain"]),
    ("en", "No fracture. Dislocation?", ["negated"]),    # a question is one sentence: the first is no question
    ("en", "No fracture? Dislocation.", ["uncertain"]),
    ("en", "Where is the fracture?", [""]),      # a "where" question takes the fracture as given
    ("es", "Dónde está la fractura?", [""]),
    # --- A question's opening mark is about the whole question: an old / healed trigger in it ends no uncertainty
    ("en", "Is there an old fracture?", ["historical,uncertain"]),
    ("en", "Old fracture?", ["historical,uncertain"]),
    ("es", "¿Hay una fractura antigua?", ["historical,uncertain"]),
    ("es", "¿Hay una antigua fractura?", ["historical,uncertain"]),
    # A leading "?" is no question but shorthand for "possible": a possible old fracture, as "probable old rib
    # fractures" (it was "historical" only before a hedge ran on across a historical word).
    ("en", "?old fracture", ["historical,uncertain"]),
    # --- A healed word set off at the end is no modifier of a negated mention: the negated one stays negated
    ("en", "No acute fracture, healed.", ["negated"]),
    ("en", "No acute fracture, old healed.", ["negated"]),
    ("es", "Sin fractura aguda, consolidada.", ["negated"]),
    ("en", "No acute fracture, healed fracture of the ulna.", ["negated", "historical"]),
    ("en", "No fracture of the radius, fracture of the ulna and fracture of the scaphoid, healed.",
     ["negated", "historical", "historical"]),
    ("es", "Sin fractura consolidada.", ["historical,negated"]),    # not set off: a consolidated fracture denied
    # --- Phrases of real chest reports (read on 3,826 public English chest reports, not copied from them)
    # A hedge before a historical word hedges the old fracture too; after a hedged mention, a
    # historical word opens a new phrase.
    ("en", "Questionable old left posterior third and fourth rib fractures.", ["historical,uncertain"]),
    ("en", "Probable old lateral right rib fractures.", ["historical,probable"]),
    ("en", "This may represent residua of a healed rib fracture.", ["historical,uncertain"]),
    ("en", "Deformities of the left 7th and 8th ribs, possibly healing or old fractures.", ["historical,uncertain"]),
    ("en", "Possible fracture of the radius, old fracture of the ulna.", ["uncertain", "historical"]),
    ("en", "Possible effusion, old healed fracture of the ulna.", ["historical"]),
    ("es", "Posible fractura antigua de costilla.", ["historical,uncertain"]),
    ("es", "Dudosa fractura costal antigua.", ["historical,uncertain"]),
    # Age-indeterminate: the fracture is there, its age unknown.
    ("en", "An age-indeterminate fracture is present in the lower thoracic vertebra.", [""]),
    ("en", "Fracture of the 9th rib of indeterminate age.", [""]),
    ("en", "Indeterminate fracture line of the scaphoid.", ["uncertain"]),
    ("es", "Fractura de edad indeterminada del arco costal.", [""]),
    ("en", "Possibility of a nondisplaced fracture of the 7th rib.", ["uncertain"]),
    ("es", "Posibilidad de fractura de escafoides.", ["uncertain"]),
    # The disclaimer about fractures in general, and an examination's purpose.
    ("en", "Please note that nondisplaced rib fractures may not be demonstrated.", ["hypothetical"]),
    ("en", "Limited exam, for evaluation of fractures.", ["hypothetical"]),
    ("es", "Las fracturas no desplazadas pueden no ser visibles.", ["hypothetical"]),
    # A device's fracture (a broken screw, wire, lead, catheter): a device word reaches a few words
    # either way and stops at words that leave the device ("with", "intact").
    ("en", "The lateral most screw is fractured.", ["device"]),
    ("en", "All of the sternotomy wires are broken.", ["device"]),
    ("en", "Left central venous catheter fracture at the level of the first rib.", ["device"]),
    ("en", "There is fracture of the lateral most fixation screw.", ["device"]),
    ("en", "Fracture of the radius and a broken screw.", ["", "device"]),
    ("en", "The screw is not fractured.", ["device,negated"]),
    ("en", "Comminuted fracture of the distal radius with a plate.", [""]),
    ("en", "Screws intact, new fracture of the ulna.", [""]),
    ("en", "Salter-Harris II fracture through the growth plate.", [""]),
    # A fracture named by its kind, without the word (one fracture, one mention).
    ("en", "Torus of the distal radius.", [""]),
    ("en", "Buckle fracture of the distal radial metaphysis.", [""]),
    ("en", "Greenstick fracture of the ulnar shaft.", [""]),
    ("es", "Epifisiólisis tipo II del radio distal.", [""]),
    ("en", "Superior endplate fracture of L1.", [""]),
    ("en", "Displaced fracture of the radius, which may lead to malunion.", [""]),   # "lead to" is a verb
    ("es", "Fractura del electrodo del marcapasos.", ["device"]),
    ("es", "Tornillo distal fracturado.", ["device,postop"]),
    ("es", "Fractura del platillo vertebral superior de L1.", [""]),
    ("es", "Fractura de radio distal con placa de osteosíntesis.", [""]),
    # A nondisplaced fracture is a fracture: its "no" / "not" denies the displacement only.
    ("es", "Fractura no desplazada del radio distal.", [""]),
    ("en", "Fracture of the radius, not displaced.", [""]),
    # How hard a fracture is to see is not a doubt about it: "subtle" / "sutil" hedge nothing;
    # a subtle finding in doubt is hedged by words of its own.
    ("en", "Subtle nondisplaced fracture of the distal radius.", [""]),
    ("en", "Subtle lucency which may represent a nondisplaced fracture.", ["uncertain"]),
    ("es", "Sutil trazo de fractura no desplazado en el escafoides.", [""]),
    ("es", "Fractura mínimamente desplazada de la base del quinto metatarsiano.", [""]),
    ("es", "Fractura mínimamente desplazada del radio distal descartada.", ["negated"]),
    # Named by eponym or in one word, and compounds that are one fracture.
    ("en", "Small Hill-Sachs deformity of the humeral head.", ["historical"]),   # left by a past dislocation
    ("en", "Bony Bankart lesion of the anterior glenoid.", [""]),
    ("en", "Avulsion fracture of the tip of the lateral malleolus.", [""]),
    ("es", "Luxofractura de tobillo.", [""]),
    ("es", "No se observa luxofractura.", ["negated"]),
    ("es", "Fractura por avulsión del maléolo peroneo.", [""]),
    # The operation named after the fracture.
    ("en", "Ankle fracture, status post open reduction and internal fixation.", ["postop"]),
    ("en", "Rib fractures, status post fall.", [""]),                # the injury, not an operation
    ("es", "Fractura de cadera tratada con prótesis.", ["postop"]),
    ("es", "Fractura de tibia tratada mediante enclavado endomedular.", ["postop"]),
    # A fracture said to be acute or new is a phrase of its own inside an old or post-operative scope.
    ("en", "Old healed rib fracture, new fracture of the distal radius.", ["historical", ""]),
    ("en", "Healed fracture of the left clavicle and acute fracture of the right radius.", ["historical", ""]),
    ("en", "Status post ORIF of the ankle, acute fracture of the fifth metatarsal.", [""]),
    ("en", "Status post ORIF of an acute distal radius fracture.", ["postop"]),
    ("en", "Old healed rib fractures, no acute fracture.", ["historical", "negated"]),
    ("es", "Fractura antigua de clavícula y fractura aguda de radio.", ["historical", ""]),
    ("es", "Fractura de clavícula consolidada y fractura aguda de radio.", ["historical", ""]),
    ("es", "Fractura de radio distal intervenida, con nueva fractura de cúbito.", ["postop", ""]),
    ("es", "Fracturas costales antiguas, sin fracturas agudas.", ["historical", "negated"]),
    # Negation by a noun; what is said of the fracture denied is not the fracture denied; a device word
    # in the denied list; a denied fracture was not operated on.
    ("en", "Absence of fracture.", ["negated"]),
    ("en", "Fracture of the scaphoid with absent callus formation.", [""]),    # the callus is absent
    ("en", "No displacement of the fracture fragments.", [""]),               # the displacement is denied
    ("es", "Ausencia de desplazamiento de los fragmentos de fractura.", [""]),
    ("en", "No evidence of hardware failure or periprosthetic fracture.", ["negated,postop"]),
    ("en", "No hardware complication, fracture of the radius.", ["postop"]),
    ("en", "No acute fracture, status post ORIF of the radius fracture.", ["negated", "postop"]),
    ("es", "Sin signos de aflojamiento del material de osteosíntesis ni fractura periprotésica.", ["negated"]),
    # An earlier examination is not an old fracture; a caveat about occult fractures is no finding.
    ("en", "Comparison with prior shows a new fracture of the radius.", [""]),
    ("en", "Prior fracture of the radius.", ["historical"]),
    ("en", "No fracture is seen; however, a scaphoid fracture may be radiographically occult.",
     ["negated", "hypothetical"]),
    # A fracture that has not healed: neither the healing nor the fracture is denied.
    ("en", "Absence of healing of the scaphoid fracture.", [""]),
    ("en", "Lack of bridging callus across the tibial fracture.", [""]),
    ("es", "Ausencia de consolidación de la fractura de escafoides.", [""]),
    ("es", "Retardo de consolidación de la fractura de tibia.", [""]),
    # A hedge denied is a negation; "a valorar" hedges either way.
    ("es", "No impresiona de fractura.", ["negated"]),
    ("es", "No parece existir fractura.", ["negated"]),
    ("es", "No parece que exista fractura.", ["negated"]),
    ("es", "A valorar fisura en la cabeza del radio.", ["uncertain"]),
    # A device that fixes the fracture, and a device word set off by a comma, are not a device's fracture.
    ("en", "Intramedullary rod fixation of a femoral shaft fracture, hardware intact.", ["postop"]),
    ("en", "Femoral shaft fracture, hardware intact.", [""]),
    ("en", "Deformity of the distal ulna from prior fracture.", ["historical"]),   # not an earlier examination
    # A structured report's field; "favored", a strong hedge; a remodelled fracture is an old one.
    ("en", "Fracture: none.", ["negated"]),
    ("en", "Multiple left rib fractures, none displaced.", [""]),     # "none" counts the fractures named
    ("en", "Three rib fractures, none of which are displaced.", [""]),
    ("en", "Favored to represent a nondisplaced fracture.", ["probable"]),
    ("en", "A nondisplaced fracture is favored.", ["probable"]),
    ("en", "Remodeled fracture of the radius.", ["historical"]),
    # A hedge right after a negation is part of what it denies; after a mention, a hedge of its own.
    ("en", "No findings suggestive of fracture.", ["negated"]),
    ("en", "No suspicious fracture.", ["negated"]),
    ("es", "No se objetivan imágenes sugestivas de fractura.", ["negated"]),
    ("en", "No dislocation, possible fracture of the radial head.", ["uncertain"]),
    ("en", "Without comparison, this may represent a healing fracture.", ["historical,uncertain"]),
    ("es", "Fractura de escafoides no excluible.", ["uncertain"]),
    ("en", "A fracture is not definitely seen.", ["uncertain"]),     # as "no definite fracture"
    # "No definite": seen as absent, with a reservation (negated and uncertain, pyConText's "probable
    # negated existence"); the radiologists of the CheXpert test reports labelled it absent.
    ("en", "No definite rib fracture.", ["negated,uncertain"]),
    ("en", "There is no definite evidence of acute fracture.", ["negated,uncertain"]),
    ("en", "No definite change in the healing rib fracture.", ["historical"]),
    # "May" the modal hedges what follows it, with or without a verb after it; "May" the month after a
    # preposition ("since May", "of May 3") hedges nothing. Asked to check a history, the reader does not know it.
    ("en", "Lucency at the radial head that may indicate a fracture.", ["uncertain"]),
    ("en", "Focal density over the left 6th rib may healing fracture.", ["historical,uncertain"]),
    ("en", "Since May 2010 a new rib fracture has appeared.", [""]),
    ("en", "Compared with the study of May 3 2011 the rib fracture is new.", [""]),
    ("en", "Correlate clinically with history of fracture.", ["historical,uncertain"]),
    ("en", "Correlation with history of hip fracture is recommended.", ["historical,uncertain"]),
    # "Might" and "could" hedge as "may" does; with "not" and a participle after them, what "cannot be
    # excluded" and "not seen" say.
    ("en", "This might reflect a healing fracture.", ["historical,uncertain"]),
    ("en", "Overlying soft tissue could obscure a rib fracture.", ["uncertain"]),
    ("en", "A fracture could not be excluded on this view.", ["uncertain"]),
    ("en", "Fracture could not be confirmed.", ["uncertain"]),
    ("en", "A fracture could not be seen on this view.", ["negated"]),
    ("en", "A fracture cannot be seen on this view.", ["negated"]),
    # Spanish forms a real clinical corpus (NUBes) showed misread; sentences of our own in those forms.
    # A verb's stem stands for all its forms: the infinitive asks, a finite form reports a result.
    ("es", "Pruebas complementarias que descartan fracturas.", ["negated"]),
    ("es", "Valorado por Traumatología, descartándose fractura de cadera.", ["negated"]),
    ("es", "Descartar fractura de escafoides.", ["hypothetical"]),
    ("es", "Valorado por Traumatología por fractura de cadera.", [""]),
    ("es", "Valorar fractura de escafoides.", ["hypothetical"]),
    # A hedge after the mention, with a word after it that it qualifies, hedges that word.
    ("es", "Fractura de fémur probablemente patológica.", [""]),
    ("es", "Fractura de cadera (en probable relación con caída casual).", [""]),
    ("es", "Fractura de escafoides probable.", ["probable"]),
    ("es", "Fractura probable de escafoides.", ["probable"]),
    # A both-way trigger governs the mention after it, not one before a comma.
    ("es", "Fractura de radio, se descarta luxación.", [""]),
    ("es", "Callo de fractura en la clavícula, no observándose fracturas agudas.", ["historical", "negated"]),
    # Words that end a scope: "sino", "porque", a finding verb of its own clause; a subjunctive does not.
    ("es", "No se aprecia luxación, sino fractura del radio distal.", [""]),
    ("es", "No camina porque la fractura aún no ha consolidado.", [""]),
    ("es", "No se objetivó luxación y un TAC que evidenció una fractura de húmero.", [""]),
    ("es", "No queda claro que presente una fractura de cadera.", ["uncertain"]),
    ("es", "La rama está deformada, sin que hayamos podido demostrar línea de fractura.", ["negated"]),
    ("es", "Parecen fracturas costales recientes.", ["uncertain"]),
    # An aside in brackets denies nothing outside them; a negation with its own words ends at a colon.
    ("es", "TAC craneal (sin alteraciones), TAC torácico: fractura costal derecha.", [""]),
    ("es", "Hombro: sin hallazgos, columna lumbar: fractura-aplastamiento de L1.", [""]),
    ("es", "Negativo para: fractura.", ["negated"]),
    ("es", "Sin fracturas. (Sin derrame) fractura de cúbito.", ["negated", ""]),   # a bracket opens the sentence
    ("en", "Shoulder: no abnormality, lumbar spine: compression fracture of L1.", [""]),
    # "previo" of a prior examination describes the study, not the fracture; "sin cambios" does say it is known.
    ("es", "Comparado con estudios previos, fractura de cadera nueva.", [""]),
    ("es", "Fractura de L2, acentuada en relación a estudio previo.", [""]),
    ("es", "Fractura de radio distal sin cambios respecto al estudio previo.", ["historical"]),
    ("es", "Al parecer sufrió una fractura de tibia.", [""]),        # hearsay about the history
    ("es", "Camina sin ayuda (antigua fractura de cadera).", ["historical"]),
    # Sentences run together by a paste; a both-way trigger past a comma with an object of its own.
    ("es", "No se puede descartar sangrado en la fase arterial.Fractura de apófisis transversas.", [""]),
    ("es", "Se ven líneas de fractura, con edema óseo, no se visualiza hipointensidad en T2.", [""]),
    ("es", "Fractura de escafoides, no se descarta en la proyección oblicua.", ["uncertain"]),
    ("es", "Niega traumatismo y fractura.", ["negated"]),
    ("es", "La RM ha descartado la presencia de fractura.", ["negated"]),
    ("es", "Ninguna fractura.", ["negated"]),
    ("es", "Se intuye una línea de fractura en el escafoides.", ["uncertain"]),
    # The clinical history a request carries, and tests reported negative (the ConText test kit's forms).
    ("en", "Patient denied any fracture in the past.", ["negated"]),
    ("en", "CT for occult fracture was negative.", ["negated"]),
    ("en", "No dislocation and positive for fracture of the scaphoid.", [""]),
    # Offered as one of alternatives (the CheXpert labeller's "XXX or YYY"); not where the words joined are
    # not mentions, nor where the list is denied or asked for.
    ("en", "Linear lucency at the base of the fifth metatarsal, fracture or normal apophysis.", ["uncertain"]),
    ("en", "Nutrient channel or fracture of the tibia.", [""]),
    ("en", "Dislocation or subtle fracture of the lunate.", ["uncertain"]),
    ("en", "Fracture vs. nutrient channel in the proximal phalanx.", ["uncertain"]),
    ("en", "Deformity of the sixth rib with the appearance of an acute or subacute fracture.", [""]),
    ("en", "Fracture of the fifth or sixth rib.", [""]),
    ("en", "Radius or ulna fracture.", [""]),
    ("en", "Fracture or fracture-dislocation of the fifth metacarpal.", ["", ""]),
    ("en", "No fracture or dislocation.", ["negated"]),
    ("en", "Evaluate for fracture or dislocation.", ["hypothetical"]),
    ("es", "Línea radiolucente en el radio distal, fractura o canal nutricio.", ["uncertain"]),
    ("es", "Fractura de la quinta o sexta costilla.", [""]),
    # A hedge inside a denied list is a word of one of its items; after a comma with no list going on, a new phrase.
    ("en", "No pneumothorax, suspicious opacity, or rib fracture.", ["negated"]),
    ("en", "No effusion or suspicious fracture.", ["negated"]),
    ("en", "No displaced fracture, possible nondisplaced fracture.", ["negated", "uncertain"]),
    ("en", "No dislocation, possible fracture or bone bruise.", ["uncertain"]),
    # "Is seen" ends no negation where "to suggest" follows it (CMC 2007 reports).
    ("en", "No cortical break is seen to suggest a fracture.", ["negated"]),
    ("en", "No effusion is seen, fracture of the fifth metacarpal.", [""]),
    ("en", "It is unsure whether this represents a fracture.", ["uncertain"]),
    ("en", "A pathologic fracture should be included in the differential diagnosis.", ["uncertain"]),
    ("en", "Displaced fracture of the radius, orthopedic consultation should be considered.", [""]),
    ("es", "No se observan consolidaciones, nódulos sospechosos, derrame o fracturas.", ["negated"]),
    ("es", "No está claro si existe fractura.", ["uncertain"]),
    # Negative concord: a negative word before the verb denies the sentence, the verb ends nothing.
    ("es", "Tampoco se observan fracturas.", ["negated"]),
    ("es", "En ninguno de los niveles se identifica fractura.", ["negated"]),
    ("es", "Sin derrame ni luxación, se observa fractura del radio.", [""]),
    ("es", "No se identifica ninguna lesión y el TAC evidenció una fractura.", [""]),
    ("en", "Nor is there a fracture.", ["negated"]),
    ("es", "La fractura patológica debe incluirse en el diagnóstico diferencial.", ["uncertain"]),
    # The lung's consolidation: not the healed "consolidada" its stem is, and a denied list's first item.
    ("es", "Consolidación basal derecha y fractura costal.", [""]),
    ("es", "Fractura de tibia con signos de consolidación.", ["historical"]),
    ("es", "Consolidación de la fractura de radio.", ["historical"]),
    # A hedge ends at a comma that opens a phrase of its own; a hedged list goes on.
    ("en", "Densities most suggestive of artifacts, healed right 10th rib fracture noted.", ["historical"]),
    ("en", "Possible small effusion, with a fracture of the 6th rib.", [""]),
    ("en", "Possible effusion, atelectasis, or rib fracture.", ["uncertain"]),
    ("en", "Possibly, a fracture of the radius.", ["uncertain"]),
    ("es", "Probable osteoporosis severa, con fractura-aplastamiento de D6.", [""]),
    ("es", "Posible síncope, en el que ha presentado una caída con resultado de fractura de cadera.", [""]),
    ("es", "Posible luxación, fractura o contusión ósea.", ["uncertain"]),
    # Not seen on an EARLIER examination: new, not denied; a denial about the prior study still denies.
    ("en", "New right rib fracture not seen on prior study.", [""]),
    ("en", "Right rib fracture, not present on the previous radiograph.", [""]),
    ("en", "Rib fracture, not previously seen.", [""]),
    ("en", "No previously described fracture.", ["historical,negated"]),   # as "no prior fracture"
    ("en", "No fracture on the prior study.", ["negated"]),
    ("es", "Pérdida de altura de D11, no visto en TAC previo, por fractura-aplastamiento.", [""]),
    ("es", "Fractura de la sexta costilla, no visible en el estudio previo.", [""]),
    ("es", "No ha presentado en los días previos fiebre ni fractura.", ["negated"]),
    ("es", "No hay fractura en el estudio previo.", ["negated"]),
    ("es", "Pérdida de altura de D11, que podría estar en relación con fractura osteoporótica.", ["uncertain"]),
    # "Sí" (yes) is no "si" (if): it affirms, and after a denial it says what is there.
    ("es", "No se observa luxación pero sí fractura de cúbito.", [""]),
    ("es", "En la proyección lateral sí se aprecia una fractura.", [""]),
    ("es", "No hay luxación, sí fractura del estiloides radial.", [""]),
    ("es", "Si hay fractura, inmovilizar.", ["hypothetical"]),
    ("es", "No queda claro si hay fractura.", ["uncertain"]),
    # A consolidation named as a noun is about its object: the lung's, then a fresh fracture.
    ("es", "Consolidación de la língula y fractura costal.", [""]),
    ("es", "Signos de consolidación en el lóbulo inferior derecho y fracturas costales.", [""]),
    ("es", "Consolidación del lóbulo medio, fractura costal.", [""]),
    ("es", "Consolidación del lóbulo inferior derecho con derrame pleural y fractura costal.", [""]),
    ("es", "Signos de consolidación del foco de fractura de tibia.", ["historical"]),
    ("es", "Consolidación de las fracturas de radio y cúbito.", ["historical"]),
    # PadChest's form: the written word is a stem, whose own stem differs ("consolid" -> "consol").
    ("es", "fractur radi distal consolid", ["historical"]),
    ("es", "Sin consolidación, derrame pleural, fracturas.", ["negated"]),
    ("es", "Ausencia de consolidación de la fractura de tibia.", [""]),
    ("es", "Fractura de tibia sin consolidación, sin desplazamiento.", [""]),
    # A risk of a fracture is no fracture yet; a risk that a fracture there displaces, a fall risk or
    # a risk factor leave the fracture as it is.
    ("en", "Lytic lesion with risk of pathologic fracture.", ["hypothetical"]),
    ("en", "Osteoporosis; high risk for vertebral compression fractures.", ["hypothetical"]),
    ("en", "Impending pathologic fracture of the femur.", ["hypothetical"]),
    ("en", "There is risk of displacement of the fracture fragments.", [""]),
    ("en", "Comminuted fracture, high risk of nonunion.", [""]),
    ("en", "High fall risk, fracture of the left hip.", [""]),
    ("en", "Lytic lesion with risk of fracture; fracture of the 5th rib.", ["hypothetical", ""]),
    ("es", "Existe riesgo importante de fractura.", ["hypothetical"]),
    ("es", "Osteoporosis con alto riesgo de fracturas.", ["hypothetical"]),
    ("es", "Fractura patológica inminente de fémur.", ["hypothetical"]),
    ("es", "Riesgo de desplazamiento secundario de la fractura.", [""]),
    ("es", "Riesgo de caídas, fractura de cadera izquierda.", [""]),
    ("en", "Increased risk of falls and fractures.", ["hypothetical"]),
    ("es", "Riesgo de caídas y fracturas.", ["hypothetical"]),
    ("es", "Factores de riesgo: fractura de cadera previa.", ["historical"]),
    # PadChest's form: no preposition to find the object by; it is the next two words.
    ("es", "exist riesg import fractur", ["hypothetical"]),
    ("es", "riesg desplaz secundari fractur", [""]),
    # Evaluating a fracture is about its object, as a risk is: a patient evaluated by a service is no
    # fracture to evaluate -- which PadChest's form, where "valorado" and "valorar" share a stem, must tell.
    ("es", "Se solicita radiografía para valorar fractura de cadera.", ["hypothetical"]),
    ("es", "Valoración de fractura costal.", ["hypothetical"]),
    ("es", "No se puede valorar adecuadamente la presencia de fracturas.", ["hypothetical"]),
    ("es", "valor fractur costal", ["hypothetical"]),
    ("es", "rx valor posibl fractur costal", ["uncertain"]),
    ("es", "pacient valor servici traumatologi fractur humer izquierd", [""]),
    ("es", "valor neurologi ingres ahor fractur rotul tras caid", [""]),
    ("es", "Estudio para valoración de neoplasia oculta causante de la fractura.", [""]),
    # Doubt and improbability, before and after the fracture; "poco probable" is no "probable".
    ("en", "Fracture is doubtful.", ["uncertain"]),
    ("en", "Doubtful fracture.", ["uncertain"]),
    ("en", "This is unlikely to represent a fracture.", ["negated"]),
    ("en", "Lucency, unlikely a fracture.", ["negated"]),
    ("es", "Fractura poco probable.", ["negated"]),
    ("es", "Es poco probable que exista fractura.", ["negated"]),
    ("es", "Improbable fractura.", ["negated"]),
    # No change IN something denies nothing after it; without "en" the denied list goes on.
    ("es", "No se aprecian cambios en la fractura conocida.", ["historical"]),
    ("es", "No se aprecian cambios degenerativos ni fracturas.", ["negated"]),
    # A clinic or service named after fractures is no fracture mention.
    ("en", "Follow up in fracture clinic in 2 weeks.", []),
    ("en", "Fracture of the radius, follow up in fracture clinic.", [""]),
    ("es", "Control en consulta de fracturas en 2 semanas.", []),
    ("es", "control consult fractur", []),
    ("en", "Osteoporosis with increased fracture risk.", []),
    ("en", "Displaced fracture, risk of avascular necrosis.", [""]),
    # A child's bone bent without a break line (plastic deformation) is a fracture.
    ("en", "Plastic bowing deformity of the ulna.", [""]),
    ("es", "Incurvación plástica del cúbito.", [""]),
    # Callus before the fracture heals it; no callus yet leaves it there, unhealed.
    ("en", "Callus formation at the fracture site.", ["historical"]),
    ("en", "Bridging callus across the fracture.", ["historical"]),
    ("en", "No bridging callus across the fracture line.", [""]),
    ("es", "Sin callo óseo en el foco de fractura.", [""]),
    # What is denied is the fracture's extension or a change, not the fracture.
    ("en", "No intra-articular extension of the fracture.", [""]),
    ("en", "There is no significant change in the alignment of the fracture.", [""]),
    ("en", "No intra-articular extension, no fracture.", ["negated"]),
    ("es", "No hay extensión intraarticular de la fractura.", [""]),
    ("es", "No hay extensión articular, ni fractura.", ["negated"]),
    ("en", "Fracture of the radius. Clinical correlation for scaphoid fracture is recommended.", ["", "hypothetical"]),
    # Nothing suggests it: denied, where "is suggested" hedges.
    ("en", "Nothing to suggest a fracture.", ["negated"]),
    ("en", "Fracture is not suggested.", ["negated"]),
    ("en", "Fracture is suggested.", ["probable"]),
    ("es", "No hay nada que sugiera fractura.", ["negated"]),
    # An acute fracture on a chronic one is acute; healing said after the fracture heals it.
    ("en", "Acute on chronic compression fracture of L1.", [""]),
    ("en", "Sclerosis along the fracture line, consistent with healing.", ["historical"]),
    ("en", "Fracture lines are less distinct, consistent with healing.", ["historical"]),
    # A healed word after a compression is about it, not about the fracture before it (the fracture
    # mention's context listed); a compound of the two ("fractura-aplastamiento") is one mention.
    ("es", "Fractura aguda sobre aplastamiento crónico de L1.", [""]),
    ("es", "Fractura de radio sobre aplastamiento crónico de L1.", [""]),
    ("es", "Fractura aplastamiento crónica en L1.", ["historical"]),
    # Spanish puts "crónica" after what it qualifies: a chronic disease named before a fracture leaves
    # the fracture as it is.
    ("es", "Insuficiencia renal crónica, fractura de cadera derecha.", [""]),
    ("es", "Paciente con EPOC y bronquitis crónica que ingresa por fractura de cadera.", [""]),
    ("es", "Dolor crónico por fractura vertebral.", [""]),
    ("es", "insuficient renal cronic fractur cader derech", [""]),
    ("es", "fractur aplast cronic l1", ["historical"]),
    ("es", "Fractura por aplastamiento de L2, de aspecto crónico.", ["historical"]),
    ("es", "Fractura de radio y aplastamiento de L1 antiguos.", ["historical"]),
    # Seen before is a known, older fracture; not seen before is a new one, neither old nor denied.
    ("en", "Previously described left rib fractures.", ["historical"]),
    ("en", "Left rib fractures as before.", ["historical"]),
    ("en", "Left rib fractures, as previously noted.", ["historical"]),
    ("en", "New left rib fracture, not previously seen.", [""]),
    ("en", "Right rib fracture, not seen previously.", [""]),
    ("en", "Osseous demineralization, stable appearance of T9 and T12 fractures.", ["historical"]),
    ("en", "Stable burst fracture of L1.", [""]),
    ("es", "Fractura costal descrita previamente.", ["historical"]),
    ("es", "Fractura costal nueva, no vista previamente.", [""]),
    ("es", "La fractura de la cabeza radial ya no es visible.", ["negated"]),
    ("es", "La fractura previamente descrita de la cabeza radial ya no es visible.", ["historical,negated"]),
    ("es", "Fractura de radio, no se ve luxación.", [""]),
    # A fissure that is no bone's names no fracture.
    ("es", "Se sospecha una fisura anal.", []),
    ("es", "Fisura anular en L4-L5.", []),
    ("es", "Fisura de la rótula y fisura anal.", [""]),
    # A tube pulled out or a plexus torn is no bone's avulsion; a bony one is.
    ("es", "Problemas por arrancamiento de sonda que provoca hematuria.", []),
    ("es", "Secuela de arrancamiento de plexo braquial derecho en accidente de moto.", []),
    ("es", "problem arranc sond provoc hematuri orig uretral .", []),
    ("es", "Pequeño arrancamiento óseo en la base del quinto metatarsiano.", [""]),
    ("es", "Fractura por arrancamiento de la base del quinto metatarsiano, arrancamiento de sonda.", [""]),
    ("en", "Old right brachial plexus avulsion.", []),
    ("en", "Small avulsion fracture of the dorsal triquetrum.", [""]),
    # Found nothing, then the next examination's finding, its colon lost with the stop words (PadChest's
    # form): the negation ends at the examination's name ...
    ("es", "tac cerebral sin hallazg tac sacr pelvic imagen solucion continu fractur minim ala sacr .", [""]),
    ("es", "explor radiolog hombr sin hallazg rx lumb fx aplast anterior l1 .", [""]),
    ("es", "tac abdominal sin alter patologi agud tac torac fx costal derech .", [""]),
    # ... not where it names a finding before it or is of another kind ("no observ": the examination is
    # where nothing was seen), nor in text written in full, whose colon or full stop would be there.
    ("es", "sin hallazg fractur rx lumb .", ["negated"]),
    ("es", "sin hallazg sugest fractur tac .", ["negated"]),
    ("es", "no observ rx fractur .", ["negated"]),
    ("es", "Sin hallazgos en la TAC de fractura.", ["negated"]),
    # A negation of both directions before "other" findings, or before findings in general where PadChest's
    # form dropped the "otros", is about what follows: it denies no fracture named before it.
    ("es", "Fractura de arco costal, no se observan otros hallazgos.", [""]),
    ("es", "Callo de fractura costal, no se evidencian otras alteraciones.", ["historical"]),
    ("es", "callo fractur arc costal izquierd no evident hallazg .", ["historical"]),
    ("es", "fractur arc costal no identific hallazg signific .", [""]),
    ("es", "No se observan fracturas ni otros hallazgos.", ["negated"]),
    ("es", "no observ hallazg fractur .", ["negated"]),
    ("es", "fractur arc costal no observ .", ["negated"]),
    ("en", "Left rib fracture, no other abnormality is seen.", [""]),
    ("en", "No other fracture is seen.", ["negated"]),
    # A periprosthetic fracture is of the bone around the prosthesis: the device word after it is not
    # what broke, with or without the comma that PadChest's form drops.
    ("es", "fractur periprotes vancouv 1 protesis establ .", [""]),
    ("es", "Fractura periprotésica izquierda (prótesis colocada hace 15 años).", [""]),
    ("es", "Fractura del vástago de la prótesis.", ["device"]),
    # Spanish: a device word is what broke only as the fracture's object or before a participle; beside the
    # noun otherwise it is the bone's treatment or another finding (core.reports.context_device).
    ("es", "Fractura de uno de los cables de esternotomía.", ["device"]),
    ("es", "Fractura de 2 tornillos.", ["device"]),
    ("es", "Fractura de dicho material de osteosíntesis.", ["device"]),
    ("es", "Cables de esternotomía fracturados.", ["device"]),
    ("es", "fractur cabl esternotomi .", ["device"]),
    ("es", "Implantación de clavo gamma por fractura pertrocantérea.", [""]),
    ("es", "El paciente presentaba desinserción de tornillos de la fijación de la fractura de cadera.", ["postop"]),
    ("es", "Fractura de cadera IQ prótesis colocada.", [""]),
    ("es", "fractur cader iq protesis coloc .", [""]),
    ("es", "Fractura de fémur en extremidad portadora de prótesis.", [""]),
    ("es", "implant clav gamm fractur pertrocantere .", [""]),
    ("en", "Sternotomy wire fracture.", ["device"]),
    ("en", "Fracture of the distal locking screw.", ["device"]),
    # A finding the image fits is probably there; a note's working diagnosis is a hedge (NUBes marks both
    # "compatible con" and "orientación diagnóstica" as uncertainty cues).
    ("es", "Imagen compatible con fractura costal.", ["probable"]),
    ("es", "Hallazgos compatibles con líneas de fractura aguda.", ["probable"]),
    ("es", "No se observan imágenes compatibles con fractura.", ["negated"]),
    ("es", "imagen compat con fractur costal derech .", ["probable"]),
    ("es", "Orientación diagnóstica: fractura de cadera.", ["uncertain"]),
    ("es", "Orientación diagnóstica: fractura aplastamiento crónica en L1.", ["historical,uncertain"]),
    ("es", "orient diagnost fractur complej impact troquit humeral .", ["uncertain"]),
    # Where the stop words and punctuation went, a post-trigger reaches back eight words at most (a NegEx
    # window): the brackets that kept "no evidencia" apart from the fracture are lost. A Spanish noun phrase,
    # its site after the noun, is still reached.
    ("es", "fractur cader subcapital gard iv proced intervencion ver descripcion biopsi hues no evident "
           "enfermed neoplas .", [""]),
    ("es", "fractur conminut minim desplaz terci distal radi izquierd descart .", ["negated"]),
    ("es", "fractur arc costal anterior izquierd no evident .", ["negated"]),
    ("es", "fractur cuerp vertebral l1 l2 antigu .", ["historical"]),
    # Written in full, the clause decides.
    ("es", "Fractura conminuta mínimamente desplazada del tercio distal del radio izquierdo en la proyección "
           "oblicua descartada.", ["negated"]),
    # A history with nothing of note is a statement of its own: it neither denies nor dates what follows.
    ("es", "Paciente sin antecedentes de interés que ingresa por fractura de cadera.", [""]),
    ("es", "pacient sin antecedent inter ingres fractur cader .", [""]),
    ("es", "Antecedentes de interés: fractura de cadera.", ["historical"]),
    ("es", "Sin antecedentes de fractura.", ["historical,negated"]),
    ("en", "Patient with no significant past medical history presenting with a hip fracture.", [""]),
    ("en", "No significant PMH, fell, wrist fracture.", [""]),
    ("en", "No past medical history of fracture.", ["historical,negated"]),
    ("en", "No significant PMH of fracture.", ["historical,negated"]),
    # A word between the negation and "history of" / "antecedentes" is still inside the denied phrase.
    ("en", "No prior history of fracture.", ["historical,negated"]),
    ("en", "No acute fracture, history of rib fractures.", ["negated", "historical"]),
    ("es", "No refiere antecedentes de fractura.", ["historical,negated"]),
    ("es", "no refier antecedent fractur .", ["historical,negated"]),
]


def fracture_contexts(language, text):
    return [",".join(sorted(c)) for c in analyse(text, language).classes_of("fracture")]


@pytest.mark.parametrize("language,text,expected", CASES, ids=[c[1][:40] for c in CASES])
def test_fracture_mention_context(language, text, expected):
    assert fracture_contexts(language, text) == expected


def test_the_cases_cover_every_class_in_both_languages_with_affirmed_ones():
    assert len(CASES) >= 60
    for language in ("en", "es"):
        seen = {cls for lang, _, exp in CASES if lang == language for e in exp for cls in e.split(",")}
        assert seen == set(CONTEXT_CLASSES) | {PROBABLE, ""}, language


def test_other_findings_get_their_own_context():
    a = analyse("No dislocation. Small joint effusion.", "en")
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", ["negated"]), ("finding", [])]
    a = analyse("There is a subtle left basilar opacity.", "en")      # subtle, but there
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", [])]
    a = analyse("No suspicious pulmonary nodules.", "en")             # denied, not suspected (30 OpenI sentences)
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", ["negated"])]
    a = analyse("Sin ascitis, edemas hasta las rodillas.", "es")      # a new finding's own phrase after the comma
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", [])]
    a = analyse("Cardiomegalia, se descartó derrame pericárdico.", "es")
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", []), ("finding", ["negated"])]
    # "más" (more) has the stem of "masa" (mass) and is a stop word: no mention -- unless the report's stop
    # words were removed, where a stop word's spelling is only a stem.
    assert [m.category for m in analyse("Algo más cansado. Masa en fosa ilíaca.", "es").mentions] == ["finding"]
    padchest = ("mas lobul superior pulmon derech contorn espicul sugest neoplas sin derram pleural sin neumotorax "
                "silu cardiac normal hil pulmonar normal marc oseo normal")
    assert [padchest[m.start:m.end] for m in analyse(padchest, "es").mentions][0] == "mas"
    a = analyse("Sin derrame articular.", "es")
    assert [(m.category, sorted(m.classes)) for m in a.mentions] == [("finding", ["negated"])]
    # "Clear of" denies; a hedge inside the denied list denies too (OpenI's lists).
    a = analyse("The lungs are clear of focal airspace disease, pneumothorax, or pleural effusion.", "en")
    assert [sorted(m.classes) for m in a.mentions] == [["negated"]] * 3
    a = analyse("No focal consolidation, suspicious pulmonary opacity, pleural effusion, or pneumothorax.", "en")
    assert [sorted(m.classes) for m in a.mentions] == [["negated"]] * 4
    # Alternatives: each is uncertain, and "or" / "and/or" / "vs" is the cue.
    text = "Left basilar atelectasis and/or infiltrate. Scarring vs. atelectasis in the right base."
    a = analyse(text, "en")
    assert [sorted(m.classes) for m in a.mentions] == [["uncertain"]] * 4
    assert [text[c.start:c.end] for c in a.cues if c.kind == "uncertain"] == ["and/or", "vs"]
    assert len(a.sentences) == 2       # "vs." ends no sentence


def test_words_that_imply_a_compression_fracture_are_a_category_of_their_own():
    """"Wedge deformity" implies a vertebral compression fracture without the word: its mentions are
    'compression' ones with their own context, so each collection's labels teach whether they count."""
    cases = [("en", "Mild anterior wedge deformity of T12.", [("compression", [])]),
             ("en", "No compression deformity. Old fracture of the 9th rib.",
              [("compression", ["negated"]), ("fracture", ["historical"])]),
             ("es", "Aplastamiento vertebral de L1.", [("compression", [])]),
             ("es", "Sin aplastamientos vertebrales. Fractura de radio.",
              [("compression", ["negated"]), ("fracture", [])]),
             ("es", "Hundimiento del platillo superior de L1.", [("compression", [])]),
             ("es", "Hundimiento esternal.", []),       # a sunken sternum, no compression
             # The healed word is the compression's; the fracture before it is acute.
             ("es", "Fractura aguda sobre aplastamiento crónico de L1.",
              [("fracture", []), ("compression", ["historical"])])]
    for language, text, expected in cases:
        a = analyse(text, language)
        assert [(m.category, sorted(m.classes)) for m in a.mentions] == expected, text
    assert analyse("Mild wedge deformity of T12.", "en").mentions[0].features == ["compression_affirmed"]


def test_a_sign_of_a_fracture_on_the_cortex_is_a_category_of_its_own():
    """"Cortical disruption", "solución de continuidad" describe what the cortex shows, not a diagnosis:
    'cortical' mentions with their own context. A report often hedges the diagnosis in the next sentence
    (as OpenI's two such reports do, both tagged no fracture), so the labels teach what a sign means."""
    cases = [("en", "No cortical disruption.", [("cortical", ["negated"])]),
             ("en", "Oblique lucency with cortical disruption. Findings are concerning for possible rib fractures.",
              [("cortical", []), ("fracture", ["uncertain"])]),
             ("en", "Break in the cortex of the distal radius.", [("cortical", [])]),     # not "break", a fracture
             ("es", "No se observan soluciones de continuidad óseas.", [("cortical", ["negated"])]),
             ("es", "Solución de continuidad en la cortical del radio distal.", [("cortical", [])]),
             ("es", "Sin signos de rotura cortical.", [("cortical", ["negated"])]),
             ("es", "no observ solucion continu ose", [("cortical", ["negated"])])]        # PadChest form
    for language, text, expected in cases:
        a = analyse(text, language)
        assert [(m.category, sorted(m.classes)) for m in a.mentions] == expected, text
    assert analyse("No cortical break.", "en").mentions[0].features == ["cortical_negated"]


def test_mentions_and_cues_point_into_the_original_text():
    text = "FINDINGS:  XXXX pain.\nThere is NO evidence of Fracture. Possible effusion."
    a = analyse(text, "en")
    fracture = next(m for m in a.mentions if m.category == "fracture")
    assert text[fracture.start:fracture.end] == "Fracture"
    assert fracture.features == ["fracture_negated"]
    assert [(c.kind, text[c.start:c.end]) for c in a.cues] == [("negated", "There is NO evidence of"),
                                                             ("uncertain", "Possible")]
    sentence = a.sentences[fracture.sentence]
    assert text[sentence.start:sentence.end] == "There is NO evidence of Fracture"


def test_a_leading_question_mark_is_a_cue_but_not_a_feature_word():
    text = "Wrist pain ?scaphoid fracture."
    a = analyse(text, "en")
    assert [(c.kind, text[c.start:c.end]) for c in a.cues] == [("uncertain", "?")]
    assert a.sentences[0].words == ("wrist", "pain", "scaphoid", "fracture")


def test_a_trigger_of_two_classes_is_the_cue_of_the_class_it_gave():
    """Stemmed, "descartada" is the negation "descartada" and the hypothetical "descartar": its cue is the
    class the mention was given, so the report panel and the JSON output do not say both."""
    text = "Fractura de radio descartada."
    a = analyse(text, "es")
    assert a.classes_of() == [frozenset({"negated"})]
    assert [c.as_dict(text) for c in a.cues] == [{"kind": "negated", "text": "descartada", "start": 18, "end": 28}]


def test_a_question_s_cue_is_its_question_mark_and_not_a_feature_word():
    text = "Clinical question: is there a fracture?"
    a = analyse(text, "en")
    assert [(c.kind, c.start, text[c.start:c.end]) for c in a.cues] == [("uncertain", len(text) - 1, "?")]
    assert a.sentences[0].words == ("clinical", "question", "is", "there", "a", "fracture")
    assert [text[m.start:m.end] for m in a.mentions] == ["fracture"]
    assert a.classes_of("fracture") == [frozenset({"uncertain"})]


def test_list_rules_leave_the_other_findings_as_they_were():
    def contexts(text, language):
        return [(m.category, ",".join(sorted(m.classes))) for m in analyse(text, language).mentions]

    assert contexts("Sin fracturas, luxaciones ni derrame.", "es") == [
        ("fracture", "negated"), ("finding", "negated"), ("finding", "negated")]
    assert contexts("No dislocation, effusion or fracture.", "en") == [
        ("finding", "negated"), ("finding", "negated"), ("fracture", "negated")]
    assert contexts("Sin fracturas antiguas ni luxaciones.", "es") == [
        ("fracture", "historical,negated"), ("finding", "negated")]
    assert contexts("Neither fracture nor dislocation.", "en") == [("fracture", "negated"), ("finding", "negated")]
    # A comma that opens the fracture's own phrase ends the negation of the finding before it,
    # and the fracture's healed trigger does not reach back across it.
    assert contexts("Sin derrame, fractura antigua de costilla.", "es") == [
        ("finding", "negated"), ("fracture", "historical")]
    # A negation before a question's clause stays; the question is uncertain, not negated.
    assert contexts("No dislocation, is there a fracture?", "en") == [("finding", "negated"), ("fracture", "uncertain")]
    # A question in a sentence's last clause asks about that clause only.
    assert contexts("Fracture of the radius, dislocation?", "en") == [("fracture", ""), ("finding", "uncertain")]
    # The dislocation before "y fractura ... consolidadas" stays a finding: never a fracture mention.
    assert [m.category for m in analyse("Luxación y fractura de radio consolidadas.", "es").mentions] == [
        "finding", "fracture"]
    # A question in the last clause asks about that clause only; the negation before it stays.
    assert contexts("No fracture, no dislocation?", "en") == [("fracture", "negated"), ("finding", "uncertain")]
    assert contexts("No fracture. Dislocation?", "en") == [("fracture", "negated"), ("finding", "uncertain")]


def test_a_question_s_negation_is_no_cue():
    text = "Is there no fracture?"
    a = analyse(text, "en")
    assert [(c.kind, text[c.start:c.end]) for c in a.cues] == [("uncertain", "?")]
    assert a.sentences[0].words == ("is", "there", "no", "fracture")


def test_affirmed_mention_feature_name():
    a = analyse("Fracture of the radius.", "en")
    assert a.mentions[0].features == ["fracture_affirmed"]


@pytest.mark.parametrize("text,language,removed", [
    ("sin derram pleural observ fractur arco costal", "es", True),              # PadChest's form
    ("cambi postquirurg esternotomi cerclaj sin hallazg relev", "es", True),
    ("Sin derrame pleural, se observa fractura del arco costal.", "es", False),  # written in full
    ("No hay evidencia de fractura.", "es", False),
    ("Fractura costal.", "es", False),                    # too short to tell
    ("no acute fracture or dislocation of the wrist", "en", False),   # no English stop-word list
])
def test_a_report_whose_stop_words_were_removed_is_told_from_one_written_in_full(text, language, removed):
    assert stopwords_removed(text.lower().replace(",", "").replace(".", "").split(), language) is removed


def test_spanish_normalisation_meets_raw_and_stemmed_text():
    for raw in ("fractura", "fracturas", "Fractúra", "consolidada", "consolidación", "dudosa", "intervenido"):
        once = normalise_word(normalise_word(raw.lower(), "es"), "es")
        assert once == normalise_word(raw.lower(), "es")
    assert normalise_word("fracturas", "es") == normalise_word("fractur", "es") == "fractur"
    assert normalise_word("fractures", "en") == "fractures"     # English is not stemmed
    # Written with or without its accent, or as PadChest ships it (folded, then stemmed once): one word.
    for written in (("podría", "podria", "podri"), ("neumonía", "neumonia", "neumoni"),
                    ("radiografía", "radiografia", "radiografi"), ("evidenció", "evidencio", "evidenci")):
        assert len({normalise_word(w, "es") for w in written}) == 1, written


def test_a_pneumonic_finding_is_a_finding_mention_with_or_without_accents():
    for text in ("Condensación neumónica en língula.", "Neumonia basal derecha.", "neumoni basal derech ."):
        assert [m.category for m in analyse(text, "es").mentions] == ["finding"], text


@pytest.mark.parametrize("text,language", [
    ("No acute fracture or dislocation of the wrist.", "en"),
    ("There is a transverse fracture of the distal radius.", "en"),
    ("No se observan fracturas ni luxaciones.", "es"),
    ("Fractura de la extremidad distal del radio con desplazamiento.", "es"),
    ("no se observ fractur de la diafisis", "es"),
    ("fractur radi distal .", "es"),                 # PadChest: stemmed, stop words removed
    ("ausenci fractur .", "es"),
])
def test_language_detection(text, language):
    assert detect_language(text) == language


def test_a_report_with_no_telling_word_takes_its_collections_language():
    """"Cardiomegaly." says nothing of its language; PadChest's stemmed reports often say no more."""
    from core.reports.language import report_languages

    assert detect_language("normal .", default=None) is None
    assert report_languages(["sin derram pleural .", "fractur costal .", "normal ."]) == ["es", "es", "es"]
    assert report_languages(["No effusion.", "Normal."]) == ["en", "en"]
    assert report_languages(["normal ."], "en") == ["en"]


def test_report_analysis_does_not_import_torch():
    """thinc imports torch when installed; `radinet reports` must not pay for it (core.reports.spacy_import)."""
    import subprocess
    import sys

    code = ("import sys; from core.reports.context import analyse; analyse('No fracture.', 'en'); "
            "from core.reports.language import detect_language; detect_language('Sin fracturas.'); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_probable_hedge_is_an_uncertainty_trigger_of_its_language():
    """The probable list only grades triggers: a phrase found nowhere else would never be matched."""
    from core.reports.phrases import read_phrases
    for language in ("en", "es"):
        triggers = set(read_phrases(language, "uncertainty_pre")) | set(read_phrases(language, "uncertainty_post"))
        probable = read_phrases(language, "uncertainty_probable")
        assert probable and set(probable) <= triggers, language


def test_spacy_is_imported_torch_free_in_its_own_thread_only():
    """The block that keeps thinc from importing torch must not reach other threads: the panel's
    analysis imports spaCy on a worker while a labelling job (scikit-learn) or a predictor runs."""
    import importlib
    import sys
    import threading

    from core.reports.spacy_import import blocked_in_this_thread

    name = "colorsys"                 # a small standard module, standing in for torch
    sys.modules.pop(name, None)
    seen = {}

    def other_thread():
        seen["module"] = importlib.import_module(name)

    with blocked_in_this_thread(name):
        with pytest.raises(ImportError):
            importlib.import_module(name)
        assert sys.modules.get(name, "absent") is not None       # no None left for others to trip on
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen["module"].__name__ == name
    assert importlib.import_module(name) is seen["module"]        # and this thread imports it afterwards
