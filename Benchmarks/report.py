"""Prints Benchmarks/run's results as one markdown table.

Input: one tab-separated line per scenario × target, written by `run`:
    scenario, target, connections, ideal (answers/s, or empty), note (why there is no
    measurement, or empty), peaks ("RSS-kB threads", or empty), wrk-report.lua's fields
    ("requests=… duration_us=… p50=… …", latencies in µs).
"""

import argparse
import csv
import sys

PUNCTUAL = "Punctual"


def parse(path):
    rows = []
    with open(path, newline="") as f:
        for fields in csv.reader(f, delimiter="\t"):
            fields += [""] * (7 - len(fields))
            scenario, target, connections, ideal, note, peaks, wrk = fields[:7]
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


def cached_share(w):
    if w.get("counted") != "1" or not int(w["answered"]):
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
    otherwise Punctual's against every other target's (on Punctual's row)."""
    if row["ok_rps"] is None:
        return ""
    if row["ideal"]:
        return f"{row['ok_rps'] / row['ideal']:.2f}× ideal ({row['ideal']:,.0f}/s)"
    if row["target"] != PUNCTUAL:
        return ""
    others = [r for r in rows if r["scenario"] == row["scenario"] and r is not row and r["ok_rps"]]
    return ", ".join(f"{row['ok_rps'] / r['ok_rps']:.2f}× {r['target']}" for r in others)


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
              "socket errors", "cached", "peak RSS", "threads", "ratio"]
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
                non_2xx(w), socket_errors(w), cached_share(w),
                f"{row['rss_kb'] / 1024:.0f} MB" if row["rss_kb"] else "",
                str(row["threads"]) if row["threads"] else "",
                ratio(row, rows),
            ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
