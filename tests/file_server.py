"""A local HTTP server for download tests: serves a folder on 127.0.0.1.

``server`` (a pytest fixture) serves ``tmp_path/served`` and points the
tinykeras cache at ``tmp_path/home``; ``server.requests`` lists the paths
asked for. No test uses the network.
"""
import functools
import hashlib
import http.server
import threading

import pytest


class FileServer:
    """Serves the files of a folder on 127.0.0.1 and counts the requests."""

    def __init__(self, folder):
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path == "/truncated.bin":  # the connection drops
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"only ten b")
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self.requests = []
        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}
        )
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def server(tmp_path, monkeypatch):
    folder = tmp_path / "served"
    folder.mkdir()
    monkeypatch.setenv("TINYKERAS_HOME", str(tmp_path / "home"))
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # talk to 127.0.0.1 directly
    file_server = FileServer(folder)
    file_server.folder = folder
    yield file_server
    file_server.stop()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


