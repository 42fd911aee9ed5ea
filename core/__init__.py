"""Qt-free domain logic of RadiNet Studio (DICOM, workspace, imaging, reports, inference)."""
