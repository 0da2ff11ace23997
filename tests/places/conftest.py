"""A local HTTP server on 127.0.0.1 that replays the recorded responses in responses/
(written from the APIs' public documentation), in place of postcodes.io and OS Places:
the look-up tests never call the internet."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

RESPONSES = Path(__file__).parent / "responses"
ADDRESS_KEY = "test-key-not-a-secret-7f3a"
SLOW_SECONDS = 1.0


def _recorded(name):
    return (RESPONSES / name).read_bytes()


# What the server answers, by path: (HTTP status, body), or "slow".
POSTCODES = {
    "SW1A 2AA": (200, _recorded("postcodes_io_sw1a_2aa.json")),
    "ZZ1 1ZZ": (404, _recorded("postcodes_io_not_found.json")),
    "EH1 1AA": (500, b'{"status": 500, "error": "Internal server error"}'),
    "CF10 1AA": (200, b"<html>Service unavailable</html>"),
    "LS1 1AA": (200, b'{"status": 200, "result": {"postcode": "LS1 1AA"}}'),  # JSON, but no district
    "TN1 1AA": "slow",
}


def _bulk(postcodes):
    """postcodes.io's POST /postcodes: each postcode's result, or null for one it does not
    know; a postcode whose own answer fails (500, not JSON, slow) fails the request."""
    answers = [POSTCODES.get(p, WESTMINSTER if p.startswith("SW1") else (404, b"")) for p in postcodes]
    failing = next((a for a in answers if a == "slow" or (a[0] not in (200, 404))), None)
    if failing:
        return failing
    try:
        results = [json.loads(body)["result"] if status == 200 else None for status, body in answers]
    except ValueError:
        return (200, b"<html>Service unavailable</html>")
    return (200, json.dumps({"status": 200, "result": [
        {"query": p, "result": r} for p, r in zip(postcodes, results)]}).encode())

# postcodes.io's bulk look-up here places every other SW1 postcode in Westminster, so
# that a test can ask for many postcodes that it finds.
WESTMINSTER = POSTCODES["SW1A 2AA"]


class Replay(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.server.seen.append({"path": self.path, "key": self.headers.get("key"), "postcodes": body.get("postcodes")})
        if self.path == "/postcodes" and len(body.get("postcodes") or ()) <= 100:
            self.answer(_bulk(body["postcodes"]))
        else:
            self.answer((400, b'{"status": 400, "error": "No more than 100 postcodes per request"}'))

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.seen.append({"path": self.path, "key": self.headers.get("key")})
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/postcodes/"):
            answer = POSTCODES.get(unquote(url.path.removeprefix("/postcodes/")), (404, _recorded("postcodes_io_not_found.json")))
        elif url.path in ("/find", "/uprn"):
            if self.headers.get("key") != ADDRESS_KEY:
                answer = (401, b'{"error": {"statuscode": 401, "message": "Missing or unsupported API key provided."}}')
            elif url.path == "/find" or query.get("uprn") == "100023336956":
                answer = (200, _recorded("os_places_find.json"))
            else:
                answer = (200, _recorded("os_places_no_results.json"))
        elif url.path == "/postcode":  # OS Places' addresses at a postcode
            if self.headers.get("key") != ADDRESS_KEY:
                answer = (401, b'{"error": {"statuscode": 401, "message": "Missing or unsupported API key provided."}}')
            elif query.get("postcode") == "SW1A 2AA":
                answer = (200, _recorded("os_places_postcode_sw1a_2aa.json"))
            elif query.get("postcode") == "EH1 1AA":
                answer = (500, b'{"error": {"statuscode": 500}}')
            else:
                answer = (200, _recorded("os_places_no_results.json"))
        else:
            answer = (404, b"{}")
        self.answer(answer)

    def answer(self, answer):
        if answer == "slow":
            time.sleep(SLOW_SECONDS)
            answer = (200, _recorded("postcodes_io_sw1a_2aa.json"))
        status, body = answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: pytest shows what the adapters log
        pass


@pytest.fixture
def replay_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def lookups_on(settings, replay_server):
    """Both look-ups pointed at the replaying server."""
    base = f"http://127.0.0.1:{replay_server.server_address[1]}"
    settings.CLDC_POSTCODE_LOOKUP_URL = base
    settings.CLDC_ADDRESS_SEARCH_URL = base
    settings.CLDC_ADDRESS_SEARCH_KEY = ADDRESS_KEY
    settings.CLDC_PLACES_TIMEOUT_SECONDS = 0.3
    return replay_server


def body_of(name):
    return json.loads(_recorded(name))
