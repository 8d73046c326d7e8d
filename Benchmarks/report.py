"""Prints Benchmarks/run's results as one markdown table.

Input: one tab-separated line per scenario × target, written by `run`:
    scenario, target, connections, ideal (answers/s, or empty), note (why there is no
    measurement, or empty), peaks ("RSS-kB threads", or empty), wrk-report.lua's fields
    ("requests=… duration_us=… p50=… …", latencies in µs), and measures ("cpu_us=…
    calls=…": Punctual's CPU time, its reaped children's included, and the source's calls
    during the measured run; either may be missing).
"""

import argparse
import csv
import sys

PUNCTUAL = "Punctual"

# What each scenario is, printed under the table for the scenarios that ran.
SCENARIOS = {
    "fresh": "simulated source, instant; deadline 5 s",
    "stale-256": "simulated source, hangs; deadline 100 ms (every answer cached)",
    "stale-1000": "as stale-256, 1000 connections",
    "mixed": "simulated source, uniform 0–200 ms; deadline 100 ms",
    "keys": "as mixed, ?key= uniform over 10 000 keys",
    "command-fresh": "--source command: a sh script printing a small value at once (a fork/exec per retrieval); deadline 5 s",
    "command-stale": "--source command: a script that hangs (exec sleep 3600), killed with its group when nobody waits; deadline 100 ms",
    "http-fresh": "--source http: a second nginx (1 worker) serving a small static JSON file; deadline 5 s",
    "http-stale": "--source http: an upstream that accepts and never answers; deadline 100 ms",
    "1mib": "a 1 MiB JSON string answered from the cache at once (--source command, first run prints it, later runs fail, --retry-after 3600)",
}

# The simulated source's row each source row is compared with, in the same run.
BASELINES = {
    "command-fresh": "fresh",
    "command-stale": "stale-256",
    "http-fresh": "fresh",
    "http-stale": "stale-256",
    "1mib": "fresh",
}


def parse(path):
    rows = []
    with open(path, newline="") as f:
        for fields in csv.reader(f, delimiter="\t"):
            fields += [""] * (8 - len(fields))
            scenario, target, connections, ideal, note, peaks, wrk, measures = fields[:8]
            row = {
                "scenario": scenario,
                "target": target,
                "connections": connections,
                "ideal": float(ideal) if ideal else None,
                "note": note,
                "wrk": dict(item.split("=", 1) for item in wrk.split()),
            }
            rss, threads = (peaks.split() + ["", ""])[:2]
            row["rss_kb"] = int(rss) if rss else None
            row["threads"] = int(threads) if threads else None
            w = row["wrk"]
            seconds = int(w["duration_us"]) / 1e6 if w else 0
            row["rps"] = int(w["requests"]) / seconds if w else None
            # Ratios compare good answers: errors answered at once must not count as speed.
            row["ok_rps"] = (int(w["requests"]) - int(w["non2xx"])) / seconds if w else None
            m = dict(item.split("=", 1) for item in measures.split())
            requests = int(w["requests"]) if w else 0
            row["cpu_per_request_us"] = int(m["cpu_us"]) / requests if "cpu_us" in m and requests else None
            row["calls_per_second"] = int(m["calls"]) / seconds if "calls" in m and seconds else None
            row["warmup_cached"] = m.get("warmup_cached")  # "cached/answered", counted in the warm-up
            rows.append(row)
    return rows


def latency(us):
    us = int(us)
    if us >= 1_000_000:
        return f"{us / 1e6:.2f} s"
    if us >= 10_000:
        return f"{us / 1e3:.0f} ms"
    return f"{us / 1e3:.2f} ms"


def socket_errors(w):
    kinds = {k: int(w[k]) for k in ("connect", "read", "write", "timeout") if int(w[k])}
    if not kinds:
        return "0"
    return f"{sum(kinds.values())} (" + ", ".join(f"{k} {n}" for k, n in kinds.items()) + ")"


def cached_share(row):
    w = row["wrk"]
    if w.get("counted") != "1" or not int(w["answered"]):
        if row["warmup_cached"]:
            cached, answered = (int(n) for n in row["warmup_cached"].split("/"))
            if answered:
                return f"{100 * cached / answered:.1f} % (warm-up)"
        return ""
    return f"{100 * int(w['cached']) / int(w['answered']):.1f} %"


def non_2xx(w):
    if not int(w["non2xx"]):
        return "0"
    statuses = w.get("statuses", "-")
    if statuses == "-":  # not counted (no response hook)
        return w["non2xx"]
    return w["non2xx"] + " (" + statuses.replace(":", ": ").replace(",", ", ") + ")"


def ratio(row, rows):
    """2xx answers/s compared: against the ideal where the scenario has one (each row);
    a source row also against the simulated source's row it corresponds to; otherwise
    Punctual's against every other target's (on Punctual's row)."""
    if row["ok_rps"] is None:
        return ""
    parts = []
    if row["ideal"]:
        parts.append(f"{row['ok_rps'] / row['ideal']:.2f}× ideal ({row['ideal']:,.0f}/s)")
    if row["scenario"] in BASELINES:
        parts.append(versus_simulated(row, rows))
    elif row["target"] == PUNCTUAL and not row["ideal"]:
        others = [r for r in rows if r["scenario"] == row["scenario"] and r is not row and r["ok_rps"]]
        parts += [f"{row['ok_rps'] / r['ok_rps']:.2f}× {r['target']}" for r in others]
    return ", ".join(parts)


def versus_simulated(row, rows):
    """req/s and CPU per request over those of the simulated source's corresponding row."""
    name = BASELINES[row["scenario"]]
    base = next((r for r in rows if r["scenario"] == name and r["target"] == PUNCTUAL and r["ok_rps"]), None)
    if base is None:
        return f"({name} not in this run)"
    text = f"{row['ok_rps'] / base['ok_rps']:.2f}× req/s"
    if row["cpu_per_request_us"] and base["cpu_per_request_us"]:
        text += f" and {row['cpu_per_request_us'] / base['cpu_per_request_us']:.1f}× CPU/req"
    return text + f" of {name}"


def calls(row):
    if row["calls_per_second"] is None:
        return ""
    per_request = f" ({row['calls_per_second'] / row['rps']:.2f}/req)" if row["rps"] else ""
    return f"{row['calls_per_second']:,.1f}/s{per_request}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--duration", default="?")
    parser.add_argument("--load", default="?")
    parser.add_argument("--cpus", default="?")
    parser.add_argument("--commit", default="?")
    parser.add_argument("--c-keepalive", default="?")
    args = parser.parse_args()
    rows = parse(args.results)

    print(
        f"Commit {args.commit}, {args.cpus} CPUs, {args.duration} s per run after a warm-up, "
        f"load average before: {args.load}. C responder: {args.c_keepalive}."
    )
    print()
    header = ["scenario", "target", "conns", "req/s", "p50", "p90", "p99", "max", "non-2xx",
              "socket errors", "cached", "peak RSS", "threads", "CPU/req", "source calls", "ratio"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] * 2 + ["--:"] * (len(header) - 3) + ["---"]) + "|")
    for row in rows:
        cells = [row["scenario"], row["target"], row["connections"]]
        w = row["wrk"]
        if not w:
            cells += [row["note"]] + [""] * (len(header) - 4)
        else:
            cells += [
                f"{row['rps']:,.0f}",
                latency(w["p50"]), latency(w["p90"]), latency(w["p99"]), latency(w["max"]),
                non_2xx(w), socket_errors(w), cached_share(row),
                f"{row['rss_kb'] / 1024:.0f} MB" if row["rss_kb"] else "",
                str(row["threads"]) if row["threads"] else "",
                f"{row['cpu_per_request_us']:,.0f} µs" if row["cpu_per_request_us"] is not None else "",
                calls(row),
                ratio(row, rows),
            ]
        print("| " + " | ".join(cells) + " |")
    ran = [name for name in SCENARIOS if any(r["scenario"] == name for r in rows)]
    if ran:
        print()
        for name in ran:
            print(f"- **{name}**: {SCENARIOS[name]}")


if __name__ == "__main__":
    sys.exit(main())
