# Not one of the seed's examples: a tiny webhook receiver for trying the
# API out (python3 webhook_receiver.py PORT [FILE]). It answers 204 to every
# POST, prints the event, and appends {"event", "verified", "body"} as one
# JSON line to FILE. With PNEUMATIC_WEBHOOK_SECRET set (GET /webhooks/secret)
# it checks the Standard Webhooks signature: v1,<base64 HMAC-SHA256 of
# "<webhook-id>.<webhook-timestamp>.<body>">, keyed with the secret's base64
# part. (python3 -m http.server cannot do this: it refuses POST.)
import base64
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

secret = os.environ.get('PNEUMATIC_WEBHOOK_SECRET', '')
out = sys.argv[2] if len(sys.argv) > 2 else None


def verified(headers, body):
    if not secret:
        return None
    key = base64.b64decode(secret.removeprefix('whsec_'))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f'v1,{want}' for part in headers.get('webhook-signature', '').split())


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        payload = json.loads(body)
        record = {'event': payload['hook']['event'], 'verified': verified(self.headers, body), 'body': payload}
        print(f"received {record['event']} (signature ok: {record['verified']})", flush=True)
        if out:
            with open(out, 'a') as f:
                f.write(json.dumps(record) + '\n')
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(('127.0.0.1', int(sys.argv[1])), Receiver).serve_forever()
