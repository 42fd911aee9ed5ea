"""DICOM Storage SCP (pynetdicom) for ``radinet listen``: radiographs in, workspace rows out.

Accepts C-STORE of Computed Radiography, Digital X-Ray (for presentation
and for processing) and Secondary Capture images, and C-ECHO. Each received
instance is checked (it decodes, its SOP Instance UID matches the request,
it carries pixels), written into ``W/inbox/<study>/<instance>.dcm`` through
a temporary file renamed into place, and handed to a background importer
that imports the inbox files in batches with the ordinary importer. The
handler already holds the decoded data set, so it hands over the file's
probe (header and checks, core.importing.probe.probe_received) and the
importer does not parse the file again. A dataset that fails a check is
refused with a DICOM status and the listener goes on.

Safety defaults: binds to 127.0.0.1 unless another address is given; only
calling AE titles in ``allowed_callers`` may associate (pynetdicom's
``require_calling_aet``), and binding beyond this machine requires that list.
Logs carry SOP classes and counts, never patient data.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt
from pynetdicom.dsutils import encode_file_meta
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
    Verification,
)

from core.errors import InputError
from core.importing.probe import Probe, probe_file, probe_received

log = logging.getLogger(__name__)

STORAGE_CLASSES = (ComputedRadiographyImageStorage, DigitalXRayImageStorageForPresentation,
                   DigitalXRayImageStorageForProcessing, SecondaryCaptureImageStorage)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

# C-STORE statuses (PS3.4 Annex B.2.3 and pynetdicom's service-class statuses)
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700          # Refused: out of resources (disk full, inbox not writable)
DATASET_MISMATCH = 0xA900          # Error: data set does not match SOP class
CANNOT_UNDERSTAND = 0xC000         # Error: cannot understand


@dataclass
class ListenerStats:
    received: int = 0
    refused: int = 0
    imported: int = 0
    import_rejected: int = 0
    refusals: list[str] = field(default_factory=list)   # reasons only, no patient data

    def as_dict(self) -> dict:
        return {"received": self.received, "refused": self.refused, "imported": self.imported,
                "import_rejected": self.import_rejected, "refusals": self.refusals[-20:]}


def _valid_uid(value) -> bool:
    from pydicom.uid import UID

    text = str(value or "")
    return bool(text) and UID(text).is_valid


def check_received(dataset, affected_sop_instance_uid: str) -> str | None:
    """Why a received dataset is refused, or None when it is usable."""
    if not _valid_uid(dataset.get("SOPInstanceUID")):
        return "no valid (0008,0018) SOP Instance UID"
    if str(dataset.SOPInstanceUID) != str(affected_sop_instance_uid):
        return "(0008,0018) SOP Instance UID differs from the C-STORE request's"
    if not _valid_uid(dataset.get("StudyInstanceUID")):
        return "no valid (0020,000D) Study Instance UID"
    if "PixelData" not in dataset:
        return "no (7FE0,0010) Pixel Data"
    return None


class _Importer(threading.Thread):
    """Imports inbox files in batches: whatever has arrived while the last batch was importing.

    No waiting to fill a batch: the first file after a quiet spell is imported at once, and
    during a burst the files that arrive during one import form the next batch (one importer
    call per batch, not per file). A fixed 0.5 s gathering window used to delay the last
    file of every burst by up to half a second.
    """

    def __init__(self, workspace, stats: ListenerStats, batch_size: int = 200):
        super().__init__(name="radinet-listen-import", daemon=True)
        self.workspace, self.stats = workspace, stats
        self.batch_size = batch_size
        # A received file's probe, or its path where it must be read from disk; None: stop.
        self.inbox: queue.Queue[Probe | Path | None] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self._store = None      # the import connection, this thread's own (sqlite3's rule)

    def run(self) -> None:
        try:
            self._import_until_closed()
        finally:
            self._close_store()

    def _import_until_closed(self) -> None:
        done = False
        while not done:
            batch = []
            item = self.inbox.get()
            while True:
                if item is None:
                    done = True
                else:
                    batch.append(item)
                if done or len(batch) >= self.batch_size:
                    break
                try:
                    item = self.inbox.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._import(batch)
            if self.inbox.empty():
                self.idle.set()

    def _import(self, batch: list[Probe | Path]) -> None:
        from core.importing.importer import import_probed, open_import_store

        # One connection for all batches, not one each: opening one (and its schema check)
        # cost more CPU than filing a file, and closing the last connection to a WAL database
        # checkpoints the log into the database and deletes it (fsyncs included, 10-20 ms),
        # which a burst paid once a batch. Between batches it runs no transaction, so it pins
        # no snapshot and blocks no writer; SQLite's automatic checkpoints still run.
        try:
            if self._store is None:
                self._store = open_import_store(self.workspace)
            result = import_probed(_one_probe_per_file(batch), self._store, author="dicom-listener")
            self.stats.imported += result.imported
            self.stats.import_rejected += len(result.rejected)
        except Exception:  # never let the importer thread die; the files stay in the inbox
            log.exception("importing %d received files failed; they stay in the inbox", len(batch))
            self._close_store()     # the next batch starts on a fresh connection

    def _close_store(self) -> None:
        if self._store is not None:
            store, self._store = self._store, None
            try:
                store.close()
            except Exception:  # noqa: BLE001 - closing after a failure must not hide it
                log.exception("closing the import connection failed")

    def put(self, received: Probe | Path) -> None:
        self.idle.clear()
        self.inbox.put(received)

    def close(self) -> None:
        self.inbox.put(None)
        self.join()


def _one_probe_per_file(batch: list[Probe | Path]) -> list[Probe]:
    """A probe per inbox file, in arrival order; files without one are probed from disk here.

    A file received twice in one batch holds the bytes of whichever write renamed last, which its
    probes cannot tell, so it is probed from disk, once (import_paths likewise read each file once).
    """
    paths = [item.path if isinstance(item, Probe) else item for item in batch]
    arrivals = Counter(paths)
    probes, seen = [], set()
    for path, item in zip(paths, batch):
        if path in seen:
            continue
        seen.add(path)
        probes.append(item if isinstance(item, Probe) and arrivals[path] == 1 else probe_file(path))
    return probes


class StorageSCP:
    def __init__(self, workspace, ae_title: str = "RADINET", port: int = 11112, host: str = "127.0.0.1",
                 allowed_callers: list[str] | None = None):
        ae_title = ae_title.strip()
        if not 1 <= len(ae_title) <= 16:
            raise InputError(f"The AE title must be 1 to 16 characters, not {ae_title!r}.")
        if host not in LOCAL_HOSTS and not allowed_callers:
            raise InputError("Listening beyond this computer needs the calling AE titles that may send "
                             "(--allow AE_TITLE); none were given.")
        self.workspace = workspace
        self.host, self.port = host, int(port)
        # Resolved once: the importer files each received file under its real path, as import_paths does.
        self.inbox = Path(os.path.realpath(workspace.subdir("inbox")))
        self.stats = ListenerStats()
        self.ae = AE(ae_title=ae_title)
        self.ae.maximum_pdu_size = 0          # no limit: radiographs are large
        for sop_class in STORAGE_CLASSES:
            self.ae.add_supported_context(sop_class, ALL_TRANSFER_SYNTAXES)
        self.ae.add_supported_context(Verification)
        if allowed_callers:
            self.ae.require_calling_aet = [a.strip() for a in allowed_callers]
        self._importer = _Importer(workspace, self.stats)
        self._server = None

    # ------------------------------------------------------------ C-STORE
    def _on_store(self, event) -> int:
        try:
            dataset = event.dataset
            reason = check_received(dataset, event.request.AffectedSOPInstanceUID)
        except Exception as err:  # pydicom raises many types on damaged data; refuse, never crash
            return self._refuse(CANNOT_UNDERSTAND, f"the data set cannot be decoded ({err.__class__.__name__})")
        if reason:
            return self._refuse(DATASET_MISMATCH, reason)
        try:
            received = self._store(event, dataset)
        except OSError as err:
            return self._refuse(OUT_OF_RESOURCES, f"the inbox could not be written ({err.strerror or err})")
        self.stats.received += 1
        self._importer.put(received)
        return SUCCESS

    def _refuse(self, status: int, reason: str) -> int:
        self.stats.refused += 1
        self.stats.refusals.append(reason)
        log.warning("refused a C-STORE (status 0x%04X): %s", status, reason)
        return status

    def _store(self, event, dataset) -> Probe | Path:
        """Write the received file into the inbox; its probe, or its path where a probe needs the file.

        The file holds what event.encoded_dataset() returns (preamble, File Meta, the data set as
        sent), written here in two parts so that the data set's offset in the file is known.
        """
        meta = event.file_meta
        head = b"\x00" * 128 + b"DICM" + encode_file_meta(meta)
        data = event.encoded_dataset(include_meta=False)
        # UIDs were validated: digits and dots only
        path, mtime = self._write(self.inbox / str(dataset.StudyInstanceUID), f"{dataset.SOPInstanceUID}.dcm",
                                  head, data)
        if event.context.transfer_syntax.is_deflated:
            return path     # the decoded data set's offsets are the inflated stream's, not the file's
        dataset.file_meta = meta
        try:
            return probe_received(path, dataset, len(head) + len(data), mtime, data_offset=len(head))
        except Exception:  # noqa: BLE001 - what the decoded data set cannot answer, the file will
            log.debug("a received file is probed from disk instead", exc_info=True)
            return path

    @staticmethod
    def _write(folder: Path, name: str, *parts: bytes) -> tuple[Path, float]:
        """``folder/name`` written through a temporary file renamed into place when complete; (path, mtime)."""
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / name
        fd, tmp = tempfile.mkstemp(prefix=".receiving-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                for part in parts:
                    f.write(part)
                f.flush()
                mtime = os.fstat(f.fileno()).st_mtime   # renaming keeps it: what a later stat returns
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return final, mtime

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start listening in the background (returns at once)."""
        self._importer.start()
        try:
            self._server = self.ae.start_server((self.host, self.port), block=False,
                                                evt_handlers=[(evt.EVT_C_STORE, self._on_store)])
        except OSError as err:
            self._importer.close()
            raise InputError(f"Cannot listen on {self.host}:{self.port} ({err.strerror or err}); "
                             "is another program using that port?") from err

    @property
    def bound_port(self) -> int:
        return self._server.server_address[1] if self._server else self.port

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once every received file has gone through the importer."""
        return self._importer.idle.wait(timeout)

    def stop(self) -> ListenerStats:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._importer.is_alive():
            self._importer.close()
        return self.stats
