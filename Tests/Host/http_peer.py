#!/usr/bin/env python3
"""A small HTTP server for the module's HTTP client tests: http_peer.py PORT [CERT KEY].

Listens on 127.0.0.1:PORT (HTTPS with CERT/KEY), prints "listening PORT" once ready. Fixed Server and Date
headers, so the tests can check the module's output byte for byte. Routes:
  GET  /hello          200, "hello world\n" with Content-Length
  GET|POST|PUT /echo   the request as received (request line, headers, body) as the body
  GET  /big?n=N        N bytes (a-z repeated) with Content-Length
  GET  /chunked        HTTP/1.1, Transfer-Encoding: chunked, "hello chunked world" in three chunks
  GET  /stall          a head announcing 100 bytes, 10 bytes, then silence (until the test stops the server)
  GET  /short          a head announcing 100 bytes, 5 bytes, then close
  GET  /garbage        bytes that are not HTTP, then close
  GET  /missing        404 with a short body
"""
import http.server
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def version_string(self):
        return "peer"

    def date_time_string(self, timestamp=None):
        return "Thu, 01 Jan 2026 00:00:00 GMT"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def echo(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else b""
        text = self.requestline + "\r\n"
        for name, value in self.headers.items():
            text += "%s: %s\r\n" % (name, value)
        self.reply(200, text.encode() + b"\r\n" + body)

    def do_POST(self):
        if self.path.startswith("/echo"):
            self.echo()
        else:
            self.reply(404, b"no such page\n")

    def do_PUT(self):
        if self.path.startswith("/echo"):
            self.echo()
        else:
            self.reply(404, b"no such page\n")

    def do_GET(self):
        if self.path == "/hello":
            self.reply(200, b"hello world\n")
        elif self.path.startswith("/echo"):
            self.echo()
        elif self.path.startswith("/big?n="):
            count = int(self.path.split("=", 1)[1])
            pattern = bytes(range(97, 123))
            body = (pattern * (count // 26 + 1))[:count]
            self.reply(200, body, "application/octet-stream")
        elif self.path == "/chunked":
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(120)
        elif self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"short")
            self.wfile.flush()
        elif self.path == "/garbage":
            self.wfile.write(b"SPAM SPAM SPAM\r\n\r\n")
            self.wfile.flush()
        else:
            self.reply(404, b"no such page\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port = int(sys.argv[1])
    server = Server(("127.0.0.1", port), Handler)
    if len(sys.argv) >= 4:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening %d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
