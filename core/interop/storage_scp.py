"""DICOM Storage SCP (pynetdicom) for ``radinet listen``: radiographs in, workspace rows out.

Accepts C-STORE of Computed Radiography, Digital X-Ray (for presentation
and for processing) and Secondary Capture images, and C-ECHO. Each received
instance is checked (it decodes, its SOP Instance UID matches the request,
it carries pixels), written into ``W/inbox/<study>/<instance>.dcm`` through
a temporary file renamed into place, and handed to a background importer
that imports the inbox files in batches with the ordinary importer. A
dataset that fails a check is refused with a DICOM status and the listener
goes on.

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
from dataclasses import dataclass, field
from pathlib import Path

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    SecondaryCaptureImageStorage,
    Verification,
)

from core.errors import InputError

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
        self.inbox: queue.Queue[Path | None] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()

    def run(self) -> None:
        from core.importing.importer import import_paths

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
                try:
                    result = import_paths(batch, self.workspace, author="dicom-listener")
                    self.stats.imported += result.imported
                    self.stats.import_rejected += len(result.rejected)
                except Exception:  # never let the importer thread die; the files stay in the inbox
                    log.exception("importing %d received files failed; they stay in the inbox", len(batch))
            if self.inbox.empty():
                self.idle.set()

    def put(self, path: Path) -> None:
        self.idle.clear()
        self.inbox.put(path)

    def close(self) -> None:
        self.inbox.put(None)
        self.join()


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
        self.inbox = Path(workspace.subdir("inbox"))
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
            path = self._store(event, str(dataset.StudyInstanceUID), str(dataset.SOPInstanceUID))
        except OSError as err:
            return self._refuse(OUT_OF_RESOURCES, f"the inbox could not be written ({err.strerror or err})")
        self.stats.received += 1
        self._importer.put(path)
        return SUCCESS

    def _refuse(self, status: int, reason: str) -> int:
        self.stats.refused += 1
        self.stats.refusals.append(reason)
        log.warning("refused a C-STORE (status 0x%04X): %s", status, reason)
        return status

    def _store(self, event, study_uid: str, sop_uid: str) -> Path:
        """The received bytes (preamble, file meta, data set as sent) renamed into place when complete."""
        folder = self.inbox / study_uid          # UIDs were validated: digits and dots only
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{sop_uid}.dcm"
        fd, tmp = tempfile.mkstemp(prefix=".receiving-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(event.encoded_dataset())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return final

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
