"""Workspace schema as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. Each migration
runs in one transaction together with the version bump, so a crash leaves the
database either before or after it, never half way. A database whose version
is higher than ``len(MIGRATIONS)`` was written by a newer RadiNet Studio and is
refused rather than guessed at.

Append-only tables (``APPEND_ONLY_TABLES``: labels, difficulty, comments,
reports, audit, model_events, reading_answers, nlp_suggestions,
review_rejections) carry triggers that abort any UPDATE or DELETE: a label is
never rewritten, a correction is a new row.
"""

from __future__ import annotations

# The tables migration 1 made append-only. Frozen: migration 1 is released, and a table added to it here
# would get triggers before the migration that creates the table has run.
_MIGRATION_1_APPEND_ONLY = ("labels", "difficulty", "comments", "reports", "audit", "model_events", "reading_answers")
# Every append-only table, whichever migration gave it its triggers.
APPEND_ONLY_TABLES = (*_MIGRATION_1_APPEND_ONLY, "nlp_suggestions", "review_rejections")

_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"


def _append_only(table: str) -> str:
    return f"""
    CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END;
    CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END;
    """


MIGRATION_1 = f"""
CREATE TABLE patients (
    id           INTEGER PRIMARY KEY,
    patient_key  TEXT NOT NULL UNIQUE,      -- (0010,0020) Patient ID, or the MURA patient folder
    sex          TEXT,                      -- (0010,0040) Patient's Sex
    birth_date   TEXT,                      -- (0010,0030) Patient's Birth Date, YYYYMMDD
    created_at   TEXT NOT NULL DEFAULT {_NOW}
);

CREATE TABLE studies (
    id            INTEGER PRIMARY KEY,
    study_uid     TEXT NOT NULL UNIQUE,     -- (0020,000D) Study Instance UID, or 'mura:<path>'
    patient_id    INTEGER NOT NULL REFERENCES patients(id),
    accession     TEXT,                     -- (0008,0050) Accession Number
    study_date    TEXT,                     -- (0008,0020) Study Date
    description   TEXT,                     -- (0008,1030) Study Description
    body_part     TEXT,                     -- normalised: finger, hand, wrist, forearm, elbow, humerus, shoulder, ...
    patient_age   REAL,                     -- years at the study date
    origin        TEXT NOT NULL DEFAULT 'dicom',   -- dicom | mura | demo
    created_at    TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX studies_patient ON studies(patient_id);
CREATE INDEX studies_accession ON studies(accession);

CREATE TABLE images (
    id               INTEGER PRIMARY KEY,
    study_id         INTEGER NOT NULL REFERENCES studies(id),
    sop_uid          TEXT NOT NULL UNIQUE,  -- (0008,0018) SOP Instance UID, or 'file:<sha1 of path>' for PNG/JPEG
    series_uid       TEXT,                  -- (0020,000E)
    source_path      TEXT NOT NULL,         -- absolute path; pixels stay in the source file
    file_format      TEXT NOT NULL DEFAULT 'dicom',   -- dicom | png | jpeg
    view             TEXT,                  -- (0018,5101) View Position, e.g. PA, AP, LAT
    body_part        TEXT,
    frames           INTEGER NOT NULL DEFAULT 1,      -- (0028,0008) Number of Frames
    rows             INTEGER,               -- (0028,0010)
    columns          INTEGER,               -- (0028,0011)
    photometric      TEXT,                  -- (0028,0004) Photometric Interpretation
    bits_stored      INTEGER,               -- (0028,0101)
    transfer_syntax  TEXT,                  -- (0002,0010)
    file_size        INTEGER,
    file_mtime       REAL,
    created_at       TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX images_study ON images(study_id);
CREATE UNIQUE INDEX images_source ON images(source_path);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies(id),
    text        TEXT NOT NULL,
    origin      TEXT,                       -- where it came from (file name, 'demo')
    created_at  TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX reports_study ON reports(study_id);

-- Every label is a new row. The current label of a (study, task) is the newest
-- radiologist row, else the newest nlp row, else the newest import row; model
-- rows are predictions kept for the record and never become the label.
-- Undo appends a row whose 'retracts' names the row it withdraws.
CREATE TABLE labels (
    id                INTEGER PRIMARY KEY,
    study_id          INTEGER NOT NULL REFERENCES studies(id),
    image_id          INTEGER REFERENCES images(id),   -- NULL: the label is for the whole study
    task              TEXT NOT NULL,                    -- fracture | body_part | ...
    value             TEXT,                             -- NULL only on retraction rows
    source            TEXT NOT NULL CHECK (source IN ('import', 'nlp', 'radiologist', 'model')),
    confidence        REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    author            TEXT NOT NULL,
    labeller_version  TEXT,                             -- nlp labeller or model id that produced it
    retracts          INTEGER REFERENCES labels(id),
    created_at        TEXT NOT NULL DEFAULT {_NOW},
    CHECK ((retracts IS NULL) = (value IS NOT NULL))
);
CREATE INDEX labels_study_task ON labels(study_id, task);

CREATE TABLE difficulty (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies(id),
    grade       TEXT CHECK (grade IS NULL OR grade IN ('easy', 'difficult')),
    author      TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT 'radiologist' CHECK (source IN ('radiologist', 'ground_truth')),
    retracts    INTEGER REFERENCES difficulty(id),
    created_at  TEXT NOT NULL DEFAULT {_NOW},
    CHECK ((retracts IS NULL) = (grade IS NOT NULL))
);
CREATE INDEX difficulty_study ON difficulty(study_id);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies(id),
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT {_NOW}
);

CREATE TABLE predictions (
    id            INTEGER PRIMARY KEY,
    study_id      INTEGER NOT NULL REFERENCES studies(id),
    image_id      INTEGER REFERENCES images(id),       -- NULL: study-level aggregate
    model_id      TEXT NOT NULL,
    task          TEXT NOT NULL,
    probability   REAL NOT NULL,
    heatmap_path  TEXT,
    created_at    TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX predictions_lookup ON predictions(study_id, task, model_id);

CREATE TABLE models (
    id             TEXT PRIMARY KEY,
    task           TEXT NOT NULL,               -- body_part | fracture
    stage          TEXT NOT NULL,               -- body-part | target | fast-refresh
    architecture   TEXT NOT NULL,
    parent_id      TEXT REFERENCES models(id),
    weights_path   TEXT NOT NULL,               -- relative to the workspace
    sidecar_json   TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT {_NOW}
);

-- Registry history: publish/reject/rollback decisions are appended, the
-- champion of a task is derived from them.
CREATE TABLE model_events (
    id          INTEGER PRIMARY KEY,
    model_id    TEXT NOT NULL REFERENCES models(id),
    task        TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('candidate', 'promote', 'reject', 'rollback')),
    reason      TEXT,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT {_NOW}
);

-- Reader-study answers (blinded reading): one row per view or study answer.
CREATE TABLE reading_answers (
    id           INTEGER PRIMARY KEY,
    session      TEXT NOT NULL,
    study_id     INTEGER NOT NULL REFERENCES studies(id),
    image_id     INTEGER REFERENCES images(id),
    reader       TEXT NOT NULL,
    value        TEXT NOT NULL,
    seconds      REAL,
    created_at   TEXT NOT NULL DEFAULT {_NOW}
);

-- Who did what to which object. Never patient names or report text: ids only.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL DEFAULT {_NOW},
    user         TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT,
    object_id    TEXT,
    detail       TEXT
);

{''.join(_append_only(t) for t in _MIGRATION_1_APPEND_ONLY)}
"""

# Report labeller (core/reports/queue.py): every decision of `radinet reports label`
# about an unlabelled study, append-only like labels. 'applied' rows point at the
# nlp label they wrote; 'review' rows put the study in the review queue, which is
# derived: studies whose newest suggestion is 'review' and that have no
# radiologist label.
MIGRATION_2 = f"""
CREATE TABLE nlp_suggestions (
    id                INTEGER PRIMARY KEY,
    study_id          INTEGER NOT NULL REFERENCES studies(id),
    task              TEXT NOT NULL DEFAULT 'fracture',
    value             TEXT NOT NULL,            -- what the labeller thinks: positive | negative
    probability       REAL NOT NULL CHECK (probability >= 0 AND probability <= 1),
    labeller_version  TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('applied', 'review')),
    label_id          INTEGER REFERENCES labels(id),
    created_at        TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX nlp_suggestions_study ON nlp_suggestions(study_id, task);
CREATE INDEX nlp_suggestions_version ON nlp_suggestions(labeller_version);
{_append_only("nlp_suggestions")}
"""

# Report labeller: the sentence that decided each suggestion (the one whose words and
# context-marked mentions pushed the probability furthest towards the decision), with
# its offsets into the report text, so the report panel can show why a label was given.
MIGRATION_3 = """
ALTER TABLE nlp_suggestions ADD COLUMN deciding_sentence TEXT;
ALTER TABLE nlp_suggestions ADD COLUMN sentence_start INTEGER;
ALTER TABLE nlp_suggestions ADD COLUMN sentence_end INTEGER;
ALTER TABLE nlp_suggestions ADD COLUMN report_id INTEGER REFERENCES reports(id);
"""

# Issue 12.
# Measurements (length, angle) drawn in the viewer, so they survive closing the study and the application.
# They are annotations, not labels: a reader may clear them, so no append-only trigger; every save and
# clear is written to the audit table instead (core/store/measurements.py). ``points`` is a JSON list of
# [row, col] continuous coordinates on the stored pixel matrix (pixel k spans [k, k+1)), the coordinates
# the viewer measures in, so zoom, rotation and flip never change them.
# Review-queue rejections: the reader dismissed a 'review' suggestion without labelling the study. A
# reader's decision, kept like a label (append-only); the queue leaves out studies whose newest suggestion
# has a rejection, so a newer suggestion from a later labeller run brings the study back.
MIGRATION_4 = f"""
CREATE TABLE measurements (
    id          INTEGER PRIMARY KEY,
    image_id    INTEGER NOT NULL REFERENCES images(id),
    kind        TEXT NOT NULL CHECK (kind IN ('length', 'angle')),
    points      TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX measurements_image ON measurements(image_id);

CREATE TABLE review_rejections (
    id             INTEGER PRIMARY KEY,
    suggestion_id  INTEGER NOT NULL REFERENCES nlp_suggestions(id),
    author         TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT {_NOW}
);
CREATE INDEX review_rejections_suggestion ON review_rejections(suggestion_id);
{_append_only("review_rejections")}
"""

# Index 0 holds migration 1. Append new migrations; never edit a released one.
MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4]

SCHEMA_VERSION = len(MIGRATIONS)
