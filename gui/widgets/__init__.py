"""Qt widgets that present the Qt-free models of gui/ (worklist, reading session, predictions)."""
