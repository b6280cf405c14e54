#!/usr/bin/env python3
"""A real third-party host for `uplink module`: drives it with pyserial over its serial device.

Usage:
    pyserial_host.py PORT [--dialect spwf01|spwf04] [--mode full|save|check] [--var NAME --value TEXT]

Modes:
    full   Wi-Fi join, TCP echo, UDP echo, peer close, reopen of the port (the default).
    save   Set a configuration variable and save it to flash (AT&W / AT+S.WCFG).
    check  Check that a configuration variable has a value (after a restart of the module).

Exit code 0 when every check passed; 1 on a mismatch (with a message saying what was sent,
what came back and what was expected); 2 on a usage error; 3 when the whole run overran its
time budget. Every wait has a deadline, so the script never hangs.

Only the Python standard library and pyserial are used. The peers (a TCP echo server, a UDP echo
server and a TCP server that sends a known payload then closes) run on threads on 127.0.0.1.
"""

import argparse
import os
import random
import re
import socket
import sys
import threading
import time

try:
    import serial  # pyserial
except ImportError:  # pragma: no cover - reported clearly to the test
    sys.stderr.write("pyserial_host: pyserial is not installed in this Python (run scripts/test)\n")
    sys.exit(2)


class HostFailure(Exception):
    """A reply that does not match what the module should say, or a deadline that passed."""


# ---------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------

class Peers:
    """The network peers the module's sockets connect to, each on its own thread."""

    def __init__(self, close_payload, close_pieces=3, close_gap=0.15):
        self.errors = []
        self.close_payload = close_payload
        self.close_pieces = close_pieces
        self.close_gap = close_gap
        self._stop = threading.Event()
        self._sockets = []

        self.tcp_echo = self._listen()
        self.close_server = self._listen()
        self.udp_echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp_echo.bind(("127.0.0.1", 0))
        self.udp_echo.settimeout(0.2)
        self._sockets.append(self.udp_echo)
        self.udp_datagrams = 0

        for target in (self._serve_tcp_echo, self._serve_udp_echo, self._serve_send_then_close):
            threading.Thread(target=target, daemon=True).start()

    def _listen(self):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.settimeout(0.2)
        self._sockets.append(server)
        return server

    @staticmethod
    def port(sock):
        return sock.getsockname()[1]

    def _accept(self, server):
        while not self._stop.is_set():
            try:
                connection, _ = server.accept()
                connection.settimeout(None)
                return connection
            except socket.timeout:
                continue
            except OSError:
                return None
        return None

    def _serve_tcp_echo(self):
        while not self._stop.is_set():
            connection = self._accept(self.tcp_echo)
            if connection is None:
                return
            threading.Thread(target=self._echo_connection, args=(connection,), daemon=True).start()

    def _echo_connection(self, connection):
        connection.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = connection.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    return
                connection.sendall(data)
        except OSError as error:
            if not self._stop.is_set():
                self.errors.append("TCP echo peer: %s" % error)
        finally:
            connection.close()

    def _serve_udp_echo(self):
        while not self._stop.is_set():
            try:
                data, address = self.udp_echo.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.udp_datagrams += 1
            try:
                self.udp_echo.sendto(data, address)
            except OSError as error:
                self.errors.append("UDP echo peer: %s" % error)

    def _serve_send_then_close(self):
        while not self._stop.is_set():
            connection = self._accept(self.close_server)
            if connection is None:
                return
            try:
                # In pieces with pauses, so the module sees several arrivals (several +WIND:55).
                payload = self.close_payload
                size = -(-len(payload) // self.close_pieces)
                for start in range(0, len(payload), size):
                    connection.sendall(payload[start:start + size])
                    time.sleep(self.close_gap)
                connection.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                self.errors.append("send-then-close peer: %s" % error)
            finally:
                connection.close()

    def stop(self):
        self._stop.set()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# The module's serial protocol
# ---------------------------------------------------------------------------------------------

class Wind:
    """One `+WIND:<n>:<text>` indication, with its position in the stream."""

    def __init__(self, number, text, sequence):
        self.number = number
        self.text = text
        self.sequence = sequence

    def __repr__(self):
        return "+WIND:%d:%s" % (self.number, self.text)


class Reply:
    """A command's reply: its information lines and its final result."""

    def __init__(self, lines, ok, error):
        self.lines = lines
        self.ok = ok
        self.error = error

    def describe(self):
        parts = [repr(line) for line in self.lines]
        parts.append("OK" if self.ok else "ERROR %r" % self.error)
        return " ".join(parts)


def show(data, limit=400):
    """Printable bytes for messages (the tail when long)."""
    data = bytes(data)
    if len(data) > limit:
        return "...(%d bytes before) %r" % (len(data) - limit, data[-limit:])
    return repr(data)


SPWF01_WIND_FRAME = re.compile(rb"\r\n\+WIND:[^\r\n]*\r\n")
SPWF04_WIND_FRAME = re.compile(rb"\+WIND:[^\r\n]*\r\n")


class Module:
    """A careful reader/writer of the SPWF01 or SPWF04 AT dialect over pyserial.

    Input is buffered; lines are split at CR LF, and WIND lines are taken out wherever they appear
    between replies and queued in `winds`. SOCKR payloads are read by exact length, never by lines.
    """

    def __init__(self, path, dialect, step_timeout, verbose=False):
        self.path = path
        self.dialect = dialect
        self.step_timeout = step_timeout
        self.verbose = verbose
        self.ser = None
        self.buf = bytearray()
        self.winds = []
        self.sequence = 0  # bumped for every reply and WIND parsed, to order them
        self.history = bytearray()  # the last bytes received, for failure messages
        self.last_command = None

    # -- port ------------------------------------------------------------------------------

    def open(self):
        # pyserial flushes the input buffer on open, so output printed before it is gone.
        self.ser = serial.Serial(self.path, 115200, timeout=0.05, write_timeout=5)
        self.buf = bytearray()
        self.winds = []

    def close(self):
        if self.ser is not None:
            self.ser.close()
            self.ser = None

    def deadline(self, seconds=None):
        return time.monotonic() + (self.step_timeout if seconds is None else seconds)

    def write(self, data):
        if self.verbose:
            sys.stderr.write("host -> %s\n" % show(data, 120))
        self.ser.write(data)
        self.ser.flush()

    def fail(self, message):
        context = "\n  last command: %r\n  last bytes received: %s\n  unparsed: %s" % (
            self.last_command, show(self.history), show(self.buf))
        raise HostFailure(message + context)

    def _read_some(self, deadline, what):
        if time.monotonic() >= deadline:
            self.fail("timed out waiting for %s" % what)
        waiting = self.ser.in_waiting
        data = self.ser.read(max(1, min(waiting, 65536)))
        if data:
            if self.verbose:
                sys.stderr.write("host <- %s\n" % show(data, 200))
            self.buf += data
            self.history += data
            del self.history[:-600]
        return len(data)

    # -- lines and WINDs -------------------------------------------------------------------

    def _next_line(self, deadline, what):
        """The next non-empty CR LF terminated line (without its terminator)."""
        while True:
            index = self.buf.find(b"\r\n")
            if index >= 0:
                line = bytes(self.buf[:index])
                del self.buf[:index + 2]
                if line:
                    return line
                continue
            self._read_some(deadline, what)

    def _take_wind(self, line):
        match = re.match(rb"\+WIND:(\d+):(.*)\Z", line, re.S)
        if not match:
            self.fail("malformed WIND line %r" % line)
        self.sequence += 1
        wind = Wind(int(match.group(1)), match.group(2).decode("latin-1"), self.sequence)
        self.winds.append(wind)
        return wind

    def is_ok(self, line):
        if self.dialect == "spwf01":
            return line == b"OK"
        return line == b"AT-S.OK" or line.startswith(b"AT-S.OK:")

    def error_text(self, line):
        """The text of an error line (`ERROR: text` / `AT-S.ERROR:code:text`), or None."""
        if self.dialect == "spwf01":
            if line == b"ERROR" or line.startswith(b"ERROR:"):
                return line[6:].strip().decode("latin-1")
            return None
        if line == b"AT-S.ERROR" or line.startswith(b"AT-S.ERROR:"):
            fields = line.decode("latin-1").split(":", 2)
            return fields[2] if len(fields) == 3 else ":".join(fields[1:])
        return None

    def pump_winds(self, seconds=0.0):
        """Reads what arrives for `seconds` (at least what is already there); only WINDs may come."""
        deadline = time.monotonic() + seconds
        while True:
            while True:
                index = self.buf.find(b"\r\n")
                if index < 0:
                    break
                line = bytes(self.buf[:index])
                del self.buf[:index + 2]
                if not line:
                    continue
                if not line.startswith(b"+WIND:"):
                    self.fail("unexpected line %r while no command was outstanding" % line)
                self._take_wind(line)
            if time.monotonic() >= deadline and not self.ser.in_waiting:
                return
            self._read_some(max(deadline, time.monotonic() + 0.06), "WINDs")

    def wait_wind(self, predicate, what, deadline=None):
        """Removes and returns the first queued WIND matching `predicate`, reading until it comes."""
        deadline = deadline or self.deadline()
        while True:
            for index, wind in enumerate(self.winds):
                if predicate(wind):
                    return self.winds.pop(index)
            line = self._next_line(deadline, what)
            if not line.startswith(b"+WIND:"):
                self.fail("unexpected line %r while waiting for %s" % (line, what))
            self._take_wind(line)

    def forget_winds(self, predicate):
        self.winds = [wind for wind in self.winds if not predicate(wind)]

    # -- commands --------------------------------------------------------------------------

    def command(self, text, payload=b"", deadline=None):
        """Sends a command line (and an optional data block), returns its Reply."""
        deadline = deadline or self.deadline()
        self.last_command = text if not payload else "%s + %d data bytes" % (text, len(payload))
        self.write(text.encode("latin-1") + b"\r" + payload)
        return self.read_reply(text, deadline)

    def read_reply(self, text, deadline):
        lines = []
        while True:
            line = self._next_line(deadline, "the reply to %s" % text)
            if line.startswith(b"+WIND:"):
                self._take_wind(line)
                continue
            if line.rstrip(b"\r") == text.encode("latin-1"):
                continue  # local echo (only ever before echo is turned off)
            if self.is_ok(line):
                self.sequence += 1
                return Reply(lines, True, None)
            error = self.error_text(line)
            if error is not None:
                self.sequence += 1
                return Reply(lines, False, error)
            if line in (b"OK", b"AT-S.OK") or line.startswith((b"ERROR:", b"AT-S.ERROR")):
                self.fail("%s: a result line of the other dialect: %r (is the module's profile %s?)" % (
                    text, line, self.dialect))
            lines.append(line)

    def ok(self, text, payload=b"", lines=None):
        """Sends a command that must succeed; returns its information lines."""
        reply = self.command(text, payload)
        if not reply.ok:
            self.fail("%s: expected OK, got %s" % (self.last_command, reply.describe()))
        if lines is not None and len(reply.lines) != lines:
            self.fail("%s: expected %d information line(s), got %s" % (text, lines, reply.describe()))
        return reply.lines

    def error(self, text, expected_text):
        """Sends a command that must fail with `expected_text`."""
        reply = self.command(text)
        if reply.ok or reply.error != expected_text or reply.lines:
            self.fail("%s: expected only the error %r, got %s" % (text, expected_text, reply.describe()))

    # -- dialect-specific commands ----------------------------------------------------------

    def variable_line(self, name, value):
        if self.dialect == "spwf01":
            return ("#  %s = %s" % (name, value)).encode("latin-1")
        return ("AT-S.Var:%s=%s" % (name, value)).encode("latin-1")

    def parse_variable(self, line, name):
        if self.dialect == "spwf01":
            match = re.match(rb"#  ([^ ]+) = (.*)\Z", line)
        else:
            match = re.match(rb"AT-S\.Var:([^=]+)=(.*)\Z", line)
        if not match or match.group(1).decode() != name:
            self.fail("expected the variable line of %s, got %r" % (name, line))
        return match.group(2).decode("latin-1")

    def socket_open(self, port, transport):
        if self.dialect == "spwf01":
            text = "AT+S.SOCKON=127.0.0.1,%d,%s,ind" % (port, transport)
        else:
            text = "AT+S.SOCKON=127.0.0.1,%d,NULL,%s" % (port, transport)
        lines = self.ok(text, lines=1)
        if self.dialect == "spwf01":
            match = re.match(rb" ID: (\d\d)\Z", lines[0])
        else:
            match = re.match(rb"AT-S\.On:127\.0\.0\.1:(\d+)\Z", lines[0])
        if not match:
            self.fail("%s: unexpected socket id line %r" % (text, lines[0]))
        ident = int(match.group(1))
        self.forget_winds(lambda wind: wind.number in (55, 58) and self.wind_socket(wind) == ident)
        return ident

    def socket_close(self, ident):
        self.ok("AT+S.SOCKC=%d" % ident, lines=0)
        self.forget_winds(lambda wind: wind.number in (55, 58) and self.wind_socket(wind) == ident)

    def query(self, ident):
        text = "AT+S.SOCKQ=%d" % ident
        lines = self.ok(text, lines=1)
        if self.dialect == "spwf01":
            match = re.match(rb" DATALEN: (\d+)\Z", lines[0])
        else:
            match = re.match(rb"AT-S\.Query:(\d+)\Z", lines[0])
        if not match:
            self.fail("%s: unexpected length line %r" % (text, lines[0]))
        return int(match.group(1))

    def pending_data(self, wind):
        """(socket, received or None, unread) of a +WIND:55."""
        if self.dialect == "spwf01":
            match = re.match(r"Pending Data:(\d+):(\d+)\Z", wind.text)
            if not match:
                self.fail("malformed %r (expected +WIND:55:Pending Data:<id>:<unread>)" % wind)
            return int(match.group(1)), None, int(match.group(2))
        match = re.match(r"Pending Data::(\d+):(\d+):(\d+)\Z", wind.text)
        if not match:
            self.fail("malformed %r (expected +WIND:55:Pending Data::<id>:<received>:<unread>)" % wind)
        if int(match.group(2)) == 0:
            self.fail("%r announces no received bytes" % wind)
        return int(match.group(1)), int(match.group(2)), int(match.group(3))

    def wind_socket(self, wind):
        if wind.number == 55:
            return self.pending_data(wind)[0]
        if wind.number == 58:
            expected = r"Socket Closed:(\d+)\Z" if self.dialect == "spwf01" else r"Socket Closed:(\d+):0\Z"
            match = re.match(expected, wind.text)
            if not match:
                self.fail("malformed %r" % wind)
            return int(match.group(1))
        return None

    def read_socket(self, ident, count, unread_before=None):
        """SOCKR of exactly `count` bytes that must succeed; returns the payload.

        `unread_before`: how many bytes are unread when the command runs, when the host knows it
        exactly (no more data can arrive); SPWF04 announces it in its `AT-S.Reading` header.
        """
        text = "AT+S.SOCKR=%d,%d" % (ident, count)
        self.last_command = text
        deadline = self.deadline()
        self.write(text.encode() + b"\r")
        if self.dialect == "spwf04":
            payload = self._read_socket_spwf04(text, count, unread_before, deadline)
        else:
            payload = self._read_socket_spwf01(text, count, deadline)
        self.sequence += 1
        return payload

    def _read_socket_spwf04(self, text, count, unread_before, deadline):
        # AT-S.Reading:<n>:<pending> CR LF, then n raw bytes, then AT-S.OK CR LF.
        while True:
            line = self._next_line(deadline, "the reply to %s" % text)
            if line.startswith(b"+WIND:"):
                self._take_wind(line)
                continue
            error = self.error_text(line)
            if error is not None:
                self.fail("%s: expected %d bytes, got the error %r" % (text, count, error))
            match = re.match(rb"AT-S\.Reading:(\d+):(\d+)\Z", line)
            if not match:
                self.fail("%s: expected AT-S.Reading:%d:<pending>, got %r" % (text, count, line))
            if int(match.group(1)) != count:
                self.fail("%s: header announces %d bytes" % (text, int(match.group(1))))
            pending = int(match.group(2))
            if unread_before is not None and pending != unread_before:
                self.fail("%s: header says %d pending, SOCKQ said %d" % (text, pending, unread_before))
            if pending < count:
                self.fail("%s: header says only %d pending" % (text, pending))
            break
        while len(self.buf) < count + len(b"AT-S.OK\r\n"):
            self._read_some(deadline, "%d payload bytes and AT-S.OK after %s" % (count, text))
        payload = bytes(self.buf[:count])
        del self.buf[:count]
        line = self._next_line(deadline, "AT-S.OK after the payload of %s" % text)
        if not self.is_ok(line):
            self.fail("%s: expected AT-S.OK right after %d payload bytes, got %r" % (text, count, line))
        return payload

    def _read_socket_spwf01(self, text, count, deadline):
        # SPWF01 sends the n raw bytes at once, then CR LF OK CR LF. WIND frames queued before the
        # command ran may come first. The payload may contain anything, so a leading WIND frame is
        # only taken out when the bytes after it, not the bytes from the start, are a payload
        # followed by the OK frame.
        ok = b"\r\nOK\r\n"
        quiet_since = time.monotonic()
        while True:
            # With count + 6 bytes buffered, "payload then OK" is decidable from the start.
            decidable = len(self.buf) >= count + len(ok)
            if decidable and self.buf[count:count + len(ok)] == ok:
                payload = bytes(self.buf[:count])
                del self.buf[:count + len(ok)]
                return payload
            frame = SPWF01_WIND_FRAME.match(self.buf)
            if frame and decidable:
                self._take_wind(bytes(self.buf[2:frame.end() - 2]))
                del self.buf[:frame.end()]
                continue
            if decidable or time.monotonic() - quiet_since > 0.5:
                # Not a payload (or nothing more came for a while): an error reply after WINDs?
                position = 0
                while True:
                    frame = SPWF01_WIND_FRAME.match(self.buf, position)
                    if not frame:
                        break
                    position = frame.end()
                error = re.compile(rb"\r\nERROR:([^\r\n]*)\r\n").match(self.buf, position)
                if error:
                    self.fail("%s: expected %d bytes, got the error %r" % (
                        text, count, error.group(1).strip().decode("latin-1")))
                if decidable:
                    self.fail("%s: expected %d raw bytes then CR LF OK CR LF" % (text, count))
            if self._read_some(deadline, "%d payload bytes and OK after %s" % (count, text)):
                quiet_since = time.monotonic()

    def read_error(self, ident, count, expected_text):
        self.error("AT+S.SOCKR=%d,%d" % (ident, count), expected_text)

    # -- Wi-Fi -----------------------------------------------------------------------------

    def reset(self):
        """Resets the module and checks the boot WINDs; returns them."""
        text = "AT+CFUN=1" if self.dialect == "spwf01" else "AT+S.RESET"
        self.forget_winds(lambda w: w.number in (0, 1, 2, 13, 32))
        self.last_command = text
        self.write(text.encode() + b"\r")
        deadline = self.deadline()
        order = []
        for number in (2, 1, 13, 0, 32):
            wind = self.wait_wind(lambda w, n=number: w.number == n, "+WIND:%d after %s" % (number, text), deadline)
            order.append(wind)
        if order[0].text != "Reset":
            self.fail("expected +WIND:2:Reset, got %r" % order[0])
        if not re.match(r"Poweron \(.+\)\Z", order[1].text):
            self.fail("expected +WIND:1:Poweron (<build>), got %r" % order[1])
        if order[3].text != "Console active":
            self.fail("expected +WIND:0:Console active, got %r" % order[3])
        if order[4].text != "WiFi Hardware Started":
            self.fail("expected +WIND:32:WiFi Hardware Started, got %r" % order[4])
        sequences = [wind.sequence for wind in order]
        if sequences != sorted(sequences):
            self.fail("boot WINDs out of order: %r" % order)
        return order


# ---------------------------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------------------------

class Run:
    def __init__(self, args):
        self.args = args
        self.dialect = args.dialect
        self.module = Module(args.port, args.dialect, args.step_timeout, args.verbose)
        self.summary = []
        self.rng = random.Random(args.seed)

    def step(self, name, function):
        started = time.monotonic()
        try:
            detail = function()
        except HostFailure as failure:
            raise HostFailure("step '%s' failed: %s" % (name, failure))
        elapsed = time.monotonic() - started
        self.summary.append("  %-24s %6.2f s  %s" % (name, elapsed, detail or ""))

    def check(self, condition, message):
        if not condition:
            self.module.fail(message)

    def echo_variable(self):
        return "localecho1" if self.dialect == "spwf01" else "console_echo"

    def save_command(self):
        return "AT&W" if self.dialect == "spwf01" else "AT+S.WCFG"

    # -- step 1 ----------------------------------------------------------------------------

    def attention(self):
        module = self.module
        module.open()
        module.ok("AT", lines=0)
        module.ok("AT+S.SCFG=%s,0" % self.echo_variable(), lines=0)
        module.ok("AT", lines=0)
        line = module.ok("AT+S.GCFG=%s" % self.echo_variable(), lines=1)[0]
        self.check(line == module.variable_line(self.echo_variable(), "0"), "echo still on: %r" % line)
        return "AT OK, echo off"

    # -- step 2 ----------------------------------------------------------------------------

    def wifi(self):
        module = self.module
        module.ok("AT+S.SSIDTXT=lab", lines=0)
        module.ok("AT+S.SCFG=wifi_wpa_psk_text,secret", lines=0)
        module.ok("AT+S.SCFG=wifi_priv_mode,2", lines=0)
        module.ok("AT+S.SCFG=wifi_mode,1", lines=0)
        module.ok(self.save_command(), lines=0)
        module.reset()
        up = module.wait_wind(lambda w: w.number == 24, "+WIND:24 (WiFi Up)")
        prefix = "WiFi Up:" if self.dialect == "spwf01" else "WiFi Up:0:"
        match = re.match(re.escape(prefix) + r"(\d+\.\d+\.\d+\.\d+)\Z", up.text)
        self.check(match, "expected +WIND:24:%s<ipv4>, got %r" % (prefix, up))
        address = match.group(1)
        failed = [w for w in module.winds if w.number in (20, 40, 74)]
        self.check(not failed, "join failure WINDs: %r" % failed)
        line = module.ok("AT+S.STS=ip_ipaddr", lines=1)[0]
        self.check(line == module.variable_line("ip_ipaddr", address),
                   "AT+S.STS=ip_ipaddr: expected %r, got %r" % (module.variable_line("ip_ipaddr", address), line))
        line = module.ok("AT+S.GCFG=%s" % self.echo_variable(), lines=1)[0]
        self.check(line == module.variable_line(self.echo_variable(), "0"),
                   "echo setting not restored from flash after reset: %r" % line)
        self.address = address
        return "WiFi Up:%s" % address

    # -- step 3 ----------------------------------------------------------------------------

    def drain(self, ident, total, received, deadline, wait=True):
        """Reads `ident` driven by +WIND:55 until `received` holds `total` bytes.

        With `wait` false, only acts on the WINDs already queued (reading while still writing).
        Returns how many reads it made.
        """
        module = self.module
        reads = 0
        is_data = lambda w: w.number == 55 and module.pending_data(w)[0] == ident
        while len(received) < total:
            if not wait and not any(is_data(w) for w in module.winds):
                break
            wind = module.wait_wind(
                is_data, "+WIND:55 for socket %d (%d of %d bytes read)" % (ident, len(received), total), deadline)
            _, _, unread = module.pending_data(wind)
            self.check(unread > 0, "%r reports no data" % wind)
            length = module.query(ident)
            if wind.sequence > self.last_read:
                # Nothing was read since this WIND was sent, so at least that much must be unread
                # (the WIND carries the running total, not the bytes of one arrival).
                self.check(length >= unread,
                           "%r announced %d unread bytes, then SOCKQ said %d" % (wind, unread, length))
            if length == 0:
                continue  # a WIND sent before an earlier read took its bytes
            self.check(len(received) + length <= total,
                       "SOCKQ=%d says %d bytes; only %d more were sent" % (ident, length, total - len(received)))
            received += module.read_socket(ident, length)  # more may arrive meanwhile
            self.last_read = module.sequence
            reads += 1
        return reads

    def tcp_echo(self):
        module, peers = self.module, self.peers
        ident = module.socket_open(peers.port(peers.tcp_echo), "t")
        self.tcp_id = ident
        data = self.rng.randbytes(self.args.tcp_bytes)
        # Make sure the payload also carries what a line parser would trip over.
        traps = b"\r\nOK\r\n\r\n+WIND:55:Pending Data:0:9\r\nERROR: x\r\nAT-S.OK\r\n"
        data = traps + data[len(traps):]
        deadline = module.deadline()
        received = bytearray()
        offset = 0
        writes = 0
        reads = 0
        self.last_read = module.sequence
        while offset < len(data):
            size = min(self.args.chunk, len(data) - offset, self.rng.randint(1, self.args.chunk))
            if writes == 0:
                size = min(self.args.chunk, len(data))
            module.ok("AT+S.SOCKW=%d,%d" % (ident, size), payload=data[offset:offset + size], lines=0)
            offset += size
            writes += 1
            # Like a real host, read what the WINDs announced so far between two writes.
            reads += self.drain(ident, offset, received, deadline, wait=False)
        reads += self.drain(ident, len(data), received, deadline)
        if bytes(received) != data:
            first = next(i for i in range(min(len(received), len(data))) if received[i] != data[i]) \
                if len(received) == len(data) else min(len(received), len(data))
            module.fail("TCP echo: %d bytes sent, %d read back, first difference at byte %d" % (
                len(data), len(received), first))
        self.check(module.query(ident) == 0, "SOCKQ not 0 after reading everything")
        module.read_error(ident, 1, "Not enough data in buffer")
        return "%d bytes in %d SOCKW, back in %d WIND:55-driven reads, identical" % (len(data), writes, reads)

    # -- step 4 ----------------------------------------------------------------------------

    def udp_echo(self):
        module, peers = self.module, self.peers
        ident = module.socket_open(peers.port(peers.udp_echo), "u")
        self.udp_id = ident
        sizes = self.args.udp_sizes
        datagrams = []
        for index, size in enumerate(sizes):
            datagram = bytes([index + 1]) * 2 + self.rng.randbytes(size - 2) if size > 2 else bytes([index + 1]) * size
            if size >= 8 and index % 2 == 0:
                datagram = b"\r\nOK\r\n" + datagram[6:]
            datagrams.append(datagram)
        deadline = module.deadline()
        for datagram in datagrams:
            module.ok("AT+S.SOCKW=%d,%d" % (ident, len(datagram)), payload=datagram, lines=0)
        total = sum(sizes)
        # The WINDs carry the running total of unread bytes: wait for the one that counts them all.
        seen = []
        while True:
            wind = module.wait_wind(
                lambda w: w.number == 55 and module.pending_data(w)[0] == ident,
                "+WIND:55 announcing all %d echoed bytes on socket %d" % (total, ident), deadline)
            unread = module.pending_data(wind)[2]
            seen.append(unread)
            self.check(len(seen) < 2 or seen[-1] > seen[-2],
                       "UDP +WIND:55 totals must rise while nothing is read (running total): %r" % seen)
            self.check(unread <= total, "%r: more unread than was sent (%d)" % (wind, total))
            if unread == total:
                break
        for index, datagram in enumerate(datagrams):
            length = module.query(ident)
            self.check(length == len(datagram),
                       "UDP datagram %d: SOCKQ gave %d, expected the datagram size %d" % (index, length, len(datagram)))
            remaining = sum(sizes[index:])
            payload = module.read_socket(ident, length, unread_before=remaining)
            self.check(payload == datagram, "UDP datagram %d: content differs: %s" % (index, show(payload, 80)))
        self.check(module.query(ident) == 0, "SOCKQ not 0 after the last datagram")
        module.read_error(ident, 1, "Not enough data in buffer")
        return "%d datagrams (%s bytes), boundaries and content kept; WIND totals %s" % (
            len(sizes), "+".join(map(str, sizes)), seen)

    # -- step 5 ----------------------------------------------------------------------------

    def peer_close(self):
        module, peers = self.module, self.peers
        payload = peers.close_payload
        ident = module.socket_open(peers.port(peers.close_server), "t")
        closed = module.wait_wind(lambda w: w.number == 58 and module.wind_socket(w) == ident,
                                  "+WIND:58 (peer closed socket %d)" % ident, module.deadline())
        winds = [w for w in module.winds
                 if w.number == 55 and module.pending_data(w)[0] == ident and w.sequence < closed.sequence]
        self.check(winds, "no +WIND:55 for socket %d before %r" % (ident, closed))
        pending = [module.pending_data(w)[2] for w in winds]
        self.check(pending[-1] == len(payload),
                   "+WIND:55 totals %r should rise to the %d bytes sent (running total of unread bytes)" % (
                       pending, len(payload)))
        if self.dialect == "spwf04":
            # Nothing was read yet, so the <received> fields add up to everything the peer sent.
            received_fields = [module.pending_data(w)[1] for w in winds]
            self.check(sum(received_fields) == len(payload),
                       "+WIND:55 <received> fields %r do not add up to the %d bytes sent" % (
                           received_fields, len(payload)))
        # Nothing was read, so each +WIND:55 must announce new data: its total rises every time
        # (a repeated total is a spurious WIND, a lower one a count of increments).
        self.check(all(later > earlier for earlier, later in zip(pending, pending[1:])),
                   "+WIND:55 totals must rise with each WIND while nothing is read: %s" % (
                       ", ".join(repr(w) for w in winds)))
        module.forget_winds(lambda w: w.number == 55 and module.pending_data(w)[0] == ident)
        module.error("AT+S.SOCKC=%d" % ident, "Pending data")
        received = bytearray()
        piece = self.args.read_piece
        while True:
            length = module.query(ident)
            self.check(length == len(payload) - len(received),
                       "SOCKQ gave %d, expected %d still unread" % (length, len(payload) - len(received)))
            if length == 0:
                break
            received += module.read_socket(ident, min(piece, length), unread_before=length)
        self.check(bytes(received) == payload, "peer-close payload differs from what the peer sent")
        module.read_error(ident, 1, "Not enough data in buffer")
        module.socket_close(ident)
        module.socket_close(self.tcp_id)
        module.socket_close(self.udp_id)
        return "%d bytes, WIND:55 totals %s, WIND:58, SOCKC refused then OK" % (len(payload), pending)

    # -- step 6 ----------------------------------------------------------------------------

    def reopen(self):
        module = self.module
        module.close()
        time.sleep(0.2)
        module.open()
        module.ok("AT", lines=0)
        line = module.ok("AT+S.STS=ip_ipaddr", lines=1)[0]
        self.check(line == module.variable_line("ip_ipaddr", self.address), "after reopen: %r" % line)
        module.pump_winds(0.2)
        return "AT OK after close and reopen, still up"

    # -- modes -----------------------------------------------------------------------------

    def full(self):
        close_payload = bytes(random.Random(self.args.seed + 1).randbytes(self.args.close_bytes))
        traps = b"\r\n+WIND:58:Socket Closed:0\r\n\r\nOK\r\n"
        close_payload = traps + close_payload[len(traps):]
        self.peers = Peers(close_payload)
        try:
            self.step("1 attention", self.attention)
            self.step("2 wifi", self.wifi)
            self.step("3 tcp echo", self.tcp_echo)
            self.step("4 udp echo", self.udp_echo)
            self.step("5 peer close", self.peer_close)
            self.step("6 reopen", self.reopen)
        finally:
            self.peers.stop()
            self.module.close()
        if self.peers.errors:
            raise HostFailure("peer errors: %s" % "; ".join(self.peers.errors))

    def save(self):
        module = self.module
        try:
            self.step("1 attention", self.attention)
            self.step("2 save", lambda: self._save(module))
        finally:
            module.close()

    def _save(self, module):
        name, value = self.args.var, self.args.value
        module.ok("AT+S.SCFG=%s,%s" % (name, value), lines=0)
        line = module.ok("AT+S.GCFG=%s" % name, lines=1)[0]
        self.check(module.parse_variable(line, name) == value, "GCFG after SCFG: %r" % line)
        module.ok(self.save_command(), lines=0)
        return "%s = %s saved with %s" % (name, value, self.save_command())

    def check_mode(self):
        module = self.module
        try:
            def check():
                module.open()
                module.ok("AT", lines=0)
                line = module.ok("AT+S.GCFG=%s" % self.args.var, lines=1)[0]
                value = module.parse_variable(line, self.args.var)
                self.check(value == self.args.value,
                           "AT+S.GCFG=%s: expected %r, got %r" % (self.args.var, self.args.value, value))
                return "%s = %s" % (self.args.var, value)
            self.step("1 check", check)
        finally:
            module.close()


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="A pyserial host for `uplink module`.")
    parser.add_argument("port", help="the module's serial device (a pty or its --link path)")
    parser.add_argument("--dialect", choices=["spwf01", "spwf04"], default="spwf01")
    parser.add_argument("--mode", choices=["full", "save", "check"], default="full")
    parser.add_argument("--var", help="save/check: the configuration variable")
    parser.add_argument("--value", help="save/check: its value")
    parser.add_argument("--step-timeout", type=float, default=10.0, help="seconds per step (default 10)")
    parser.add_argument("--total-timeout", type=float, default=120.0, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--tcp-bytes", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=730, help="largest SOCKW block")
    parser.add_argument("--udp-sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 730, 17, 300, 64, 512, 2])
    parser.add_argument("--close-bytes", type=int, default=3000)
    parser.add_argument("--read-piece", type=int, default=1000, help="SOCKR size when draining a closed socket")
    parser.add_argument("--verbose", action="store_true", help="print every byte exchanged")
    args = parser.parse_args(argv)
    if args.mode in ("save", "check") and (not args.var or args.value is None):
        parser.error("--mode %s needs --var and --value" % args.mode)
    if any(size < 1 or size > args.chunk for size in args.udp_sizes):
        parser.error("--udp-sizes must each be 1...%d" % args.chunk)
    if args.close_bytes < 40:
        parser.error("--close-bytes must be at least 40")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    return args


def report(run):
    """Prints the steps done so far, with their timings."""
    for line in run.summary:
        print(line)
    sys.stdout.flush()


def main(argv):
    args = parse_arguments(argv)

    def overran():
        sys.stderr.write("pyserial_host: FAIL: the run overran its %.0f s budget\n" % args.total_timeout)
        sys.stderr.flush()
        os._exit(3)

    watchdog = threading.Timer(args.total_timeout, overran)
    watchdog.daemon = True
    watchdog.start()

    run = Run(args)
    started = time.monotonic()
    header = "pyserial_host: %s mode, %s dialect, port %s, seed %d, pyserial %s" % (
        args.mode, args.dialect, args.port, args.seed, serial.__version__)
    print(header, flush=True)
    try:
        {"full": run.full, "save": run.save, "check": run.check_mode}[args.mode]()
    except HostFailure as failure:
        report(run)
        sys.stderr.write("pyserial_host: FAIL: %s\n" % failure)
        return 1
    except (serial.SerialException, OSError) as error:
        report(run)
        sys.stderr.write("pyserial_host: FAIL: serial/OS error: %s\n" % error)
        return 1
    finally:
        watchdog.cancel()
    report(run)
    print("pyserial_host: PASS (%d steps, %.2f s)" % (len(run.summary), time.monotonic() - started), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
