"""Cold A lookups with dnspython's resolver against one server: prints JSON {"qps":..., "p50_ms":..., "records":...}.

Usage: dnspython_bench.py SERVER PORT NAME COUNT
The resolver has no cache (every lookup goes to the server) and uses EDNS with a 1232-byte buffer,
so it does the same work as Uplink's resolver: one UDP round trip for the seed's answer.
"""
import json
import sys
import time

import dns.resolver


def main():
    server, port, name, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server]
    resolver.port = port
    resolver.cache = None
    resolver.use_edns(0, 0, 1232)
    resolver.lifetime = 5
    latencies = []
    records = 0
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        answer = resolver.resolve(name, "A")
        latencies.append(time.perf_counter() - t0)
        records = len(answer.rrset)
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({"qps": count / elapsed, "p50_ms": latencies[len(latencies) // 2] * 1000, "records": records}))


if __name__ == "__main__":
    main()
