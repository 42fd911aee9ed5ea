"""Qt-free domain logic of RadiNet Studio (DICOM, workspace, imaging, reports, inference)."""

import os as _os

# onnxruntime's telemetry starts when the module is *imported*; only this variable,
# set before that, stops it (see core/inference/onnx_session.py).
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
