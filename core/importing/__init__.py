"""Import folders, DICOMDIRs, MURA trees and report CSVs into a workspace."""

from core.importing.importer import ImportResult, Rejection, import_paths

__all__ = ["ImportResult", "Rejection", "import_paths"]
