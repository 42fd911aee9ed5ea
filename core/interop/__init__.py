"""Interoperability: results and cases leaving the workstation, studies arriving.

``labels``/``labels_command``  label table as CSV/JSON (spreadsheet-safe)
``sr``, ``overlay_capture``    DICOM Comprehensive SR + heatmap Secondary Capture (highdicom)
``dicom_export``               per study: SR + SC (+ de-identified images), written atomically
``deidentify``                 PS3.15 Annex E Basic Profile through deid, one pseudonym table per export
``report_text``                names, IDs and dates taken out of report text
``storage_scp``                pynetdicom Storage SCP for ``radinet listen``
``about``                      version, commit and published models for ``--version``

Qt-free like the rest of core.
"""
