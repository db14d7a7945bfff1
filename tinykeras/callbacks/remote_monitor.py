"""`RemoteMonitor`: POST each epoch's logs to a server.

>>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
>>> monitor.root + monitor.path
'http://localhost:9000/publish/epoch/end/'
"""
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .callback import Callback


class RemoteMonitor(Callback):
    """``RemoteMonitor(root="http://localhost:9000", path="/publish/epoch/end/",
    field="data", headers=None, send_as_json=False)``, as Keras 3.

    At each epoch end it POSTs ``{"epoch": epoch, **logs}`` (NumPy values
    as Python scalars) to ``root + path``: as a form whose ``field`` holds
    the JSON text (``application/x-www-form-urlencoded``), or, with
    ``send_as_json``, as a JSON body (``application/json``).  ``headers`` are
    added to the request.  A server that cannot be reached gives a warning,
    never an error.

    Deviation: it sends with the standard library (``urllib``) where Keras
    needs the ``requests`` package; the bodies are the same bytes.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        try:
            if self.send_as_json:
                body = json.dumps(send, allow_nan=False).encode()   # as requests' json=
                headers.setdefault("Content-Type", "application/json")
            else:
                body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                             method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError:
            pass   # the server answered (an error status): as with requests, no warning
        except (OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
