"""Background work. This package is the only place the GUI creates threads.

QThread/QThreadPool workers for decoding, predictions, import, the demo and
training; each talks to the GUI thread through queued signals only and opens
its own workspace Store (sqlite3 connections belong to one thread).
"""
