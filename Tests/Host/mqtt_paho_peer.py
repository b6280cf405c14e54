#!/usr/bin/env python3
"""paho-mqtt as the other party of Uplink's MQTT tests and benchmark.

  pub: publish --count messages ("0", "1", ... or --payload-size bytes) at --qos, wait for every
       acknowledgment, exit 0.
  sub: subscribe at --qos, print READY once subscribed, then one line per message ("<qos> <payload>", or
       nothing with --quiet), exit 0 after --count messages. With --quiet, prints
       "RESULT <count> <seconds from first to last message>" at the end.
"""
import argparse
import sys
import threading
import time

try:
    import paho.mqtt.client as mqtt
except ImportError:
    sys.stderr.write("paho-mqtt is missing: pip install paho-mqtt (scripts/test installs it into .build-venv)\n")
    sys.exit(3)


def make_client(args, name):
    version = mqtt.MQTTv5 if args.version == "5" else mqtt.MQTTv311
    kwargs = {"callback_api_version": mqtt.CallbackAPIVersion.VERSION2, "client_id": f"paho-{name}-{time.time_ns()}",
              "protocol": version}
    if version == mqtt.MQTTv311:
        kwargs["clean_session"] = True
    client = mqtt.Client(**kwargs)
    if args.inflight is not None:
        client.max_inflight_messages_set(args.inflight)
    client.max_queued_messages_set(0)
    return client


def run_pub(args):
    client = make_client(args, "pub")
    connected = threading.Event()
    client.on_connect = lambda c, u, f, rc, p=None: connected.set()
    client.connect(args.host, args.port, keepalive=60)
    client.loop_start()
    if not connected.wait(10):
        sys.stderr.write("paho pub: no CONNACK\n")
        return 2
    infos = []
    fixed = b"x" * args.payload_size if args.payload_size else None
    for index in range(args.count):
        infos.append(client.publish(args.topic, fixed if fixed is not None else str(index).encode(), qos=args.qos))
    deadline = time.monotonic() + args.timeout
    for info in infos:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            sys.stderr.write("paho pub: timed out waiting for acknowledgments\n")
            return 2
        info.wait_for_publish(timeout=remaining)
    client.disconnect()
    client.loop_stop()
    return 0


def run_sub(args):
    client = make_client(args, "sub")
    done = threading.Event()
    subscribed = threading.Event()
    state = {"count": 0, "first": None, "last": None}
    out = sys.stdout

    def on_connect(c, userdata, flags, rc, properties=None):
        c.subscribe(args.topic, qos=args.qos)

    def on_subscribe(c, userdata, mid, reason_codes, properties=None):
        subscribed.set()
        out.write("READY\n")
        out.flush()

    def on_message(c, userdata, message):
        now = time.monotonic()
        if state["first"] is None:
            state["first"] = now
        state["last"] = now
        state["count"] += 1
        if not args.quiet:
            out.write(f"{message.qos} {message.payload.decode(errors='replace')}\n")
        if state["count"] >= args.count:
            done.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(args.host, args.port, keepalive=60)
    client.loop_start()
    ok = done.wait(args.timeout)
    client.disconnect()
    client.loop_stop()
    if args.quiet:
        span = (state["last"] - state["first"]) if state["first"] is not None else 0.0
        out.write(f"RESULT {state['count']} {span:.6f}\n")
    out.flush()
    if not ok:
        sys.stderr.write(f"paho sub: received {state['count']} of {args.count}\n")
        return 2
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["pub", "sub"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--version", choices=["5", "311"], default="5")
    parser.add_argument("--payload-size", type=int, default=0)
    # Default: paho's own (20), which a stock mosquitto (max_inflight_messages 20) accepts in MQTT 3.1.1.
    parser.add_argument("--inflight", type=int, default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    return run_pub(args) if args.mode == "pub" else run_sub(args)


if __name__ == "__main__":
    sys.exit(main())
