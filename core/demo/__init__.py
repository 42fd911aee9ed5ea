"""Synthetic demo radiographs, reports and labels (deterministic by seed).

    generate.generate_demo_files(out_dir, n_studies, seed)  DICOM files + reports.csv + ground_truth.csv
    workspace.build_demo_workspace(workspace, n_studies, seed)  the same, imported and labelled

anatomy (bone layouts) -> projection (X-ray path lengths) -> render (detector
values) -> dicom_out (CR files); plan draws every random choice up front and
reports writes the report text. No torch, no Qt.
"""
