"""Prints Benchmarks/run's results as markdown: a pinned and an unpinned table of medians
over the rounds, the checks, and the targets of issue 9 with whether each was met.

Input: one tab-separated line per table × round × scenario × target, written by `run`:
    table (pinned or unpinned), round, scenario, target, connections, ideal (answers/s, or
    empty), deadline (ms, for the scenarios whose answers are due at it, or empty), note
    (why there is no measurement, or empty), peaks ("RSS-kB threads", or empty),
    wrk-report.lua's fields ("requests=… duration_us=… p50=… …", latencies in µs), and
    measures ("cpu_us=… nginx_cpu_us=… calls=…": the CPU time of the backend's and of
    nginx's process groups, reaped children included, and the source's calls during the
    measured run; any may be missing).

Every figure in a table is the median over the rounds of that figure; every ratio is the
median of the ratios computed within each round (a target against the references measured
in the same round). Errors are summed over the rounds, RSS and threads are the highest.
"""

import argparse
import csv
import statistics
import sys

PUNCTUAL = "Punctual"
C_CLASSIC = "C responder (classic)"
FASTAPI = "FastAPI"

# What each scenario is, printed under the tables for the scenarios that ran.
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

# The simulated source's row each source row is compared with, in the same round.
BASELINES = {
    "command-fresh": "fresh",
    "command-stale": "stale-256",
    "http-fresh": "fresh",
    "http-stale": "stale-256",
    "1mib": "fresh",
}


def is_punctual(target):
    return target.startswith(PUNCTUAL)


def parse(path):
    """One dict per line of the results file."""
    runs = []
    with open(path, newline="") as f:
        for fields in csv.reader(f, delimiter="\t"):
            fields += [""] * (11 - len(fields))
            table, round_, scenario, target, connections, ideal, deadline, note, peaks, wrk, measures = fields[:11]
            run = {
                "table": table,
                "round": round_,
                "scenario": scenario,
                "target": target,
                "connections": connections,
                "ideal": float(ideal) if ideal else None,
                "deadline_us": int(deadline) * 1000 if deadline else None,
                "note": note,
                "wrk": dict(item.split("=", 1) for item in wrk.split()),
            }
            rss, threads = (peaks.split() + ["", ""])[:2]
            run["rss_kb"] = int(rss) if rss else None
            run["threads"] = int(threads) if threads else None
            w = run["wrk"]
            seconds = int(w["duration_us"]) / 1e6 if w else 0
            requests = int(w["requests"]) if w else 0
            run["rps"] = requests / seconds if w else None
            # Ratios compare good answers: errors answered at once must not count as speed.
            run["ok_rps"] = (requests - int(w["non2xx"])) / seconds if w else None
            m = dict(item.split("=", 1) for item in measures.split())
            run["cpu_us"] = int(m["cpu_us"]) / requests if "cpu_us" in m and requests else None
            run["nginx_cpu_us"] = int(m["nginx_cpu_us"]) / requests if "nginx_cpu_us" in m and requests else None
            run["calls_per_second"] = int(m["calls"]) / seconds if "calls" in m and seconds else None
            run["warmup_cached"] = m.get("warmup_cached")  # "cached/answered", counted in the warm-up
            runs.append(run)
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def group(runs):
    """Rows in order of first appearance: (table, scenario, target) → their rounds."""
    rows = {}
    for run in runs:
        rows.setdefault((run["table"], run["scenario"], run["target"]), []).append(run)
    return rows


def find(runs, table, round_, scenario, target):
    return next(
        (r for r in runs if (r["table"], r["round"], r["scenario"], r["target"]) == (table, round_, scenario, target) and r["ok_rps"]),
        None,
    )


def latency(us):
    if us is None:
        return ""
    if us >= 1_000_000:
        return f"{us / 1e6:.2f} s"
    if us >= 10_000:
        return f"{us / 1e3:.0f} ms"
    return f"{us / 1e3:.2f} ms"


def late(us, deadline_us):
    """How long after the deadline, in ms, signed."""
    if us is None or deadline_us is None:
        return ""
    return f"{(us - deadline_us) / 1e3:+.1f} ms"


def wrk_median(rounds, key):
    return median([int(r["wrk"][key]) if r["wrk"] else None for r in rounds])


def errors(rounds):
    """Non-2xx answers by status and socket errors by kind, summed over the rounds."""
    counts = {}
    for r in rounds:
        w = r["wrk"]
        if not w:
            continue
        statuses = w.get("statuses", "-")
        if int(w["non2xx"]) and statuses == "-":  # not counted by status (no response hook)
            counts["non-2xx"] = counts.get("non-2xx", 0) + int(w["non2xx"])
        elif statuses != "-":
            for item in statuses.split(","):
                status, n = item.split(":")
                counts[status] = counts.get(status, 0) + int(n)
        for kind in ("connect", "read", "write", "timeout"):
            if int(w[kind]):
                counts[kind] = counts.get(kind, 0) + int(w[kind])
    total = sum(counts.values())
    if not total:
        return 0, "0"
    return total, f"{total} (" + ", ".join(f"{k} {n}" for k, n in counts.items()) + ")"


def cached_share(run):
    w = run["wrk"]
    if w.get("counted") != "1" or not int(w["answered"]):
        if run["warmup_cached"]:
            cached, answered = (int(n) for n in run["warmup_cached"].split("/"))
            if answered:
                return 100 * cached / answered, True
        return None, False
    return 100 * int(w["cached"]) / int(w["answered"]), False


def cached(rounds):
    shares = [cached_share(r) for r in rounds if r["wrk"]]
    share = median([s for s, _ in shares])
    if share is None:
        return ""
    return f"{share:.1f} %" + (" (warm-up)" if any(w for _, w in shares) else "")


def per_round(runs, rounds, other, figure="ok_rps"):
    """The median over the rounds of this row's figure over OTHER's (a function of the run
    that returns the reference run of the same round, or None)."""
    ratios = []
    for r in rounds:
        ref = other(r)
        if ref and r[figure] and ref[figure]:
            ratios.append(r[figure] / ref[figure])
    return median(ratios)


def ratios(row, rounds, runs):
    """The row against the ideal, and against the references measured in the same round:
    a fresh Punctual row against every other target (req/s, and backend CPU against the
    classic C responder's), a stale or mixed Punctual row against FastAPI, a source row
    against the simulated source's row of the same kind."""
    table, scenario, target = row
    parts = []
    if rounds[0]["ideal"]:
        value = median([r["ok_rps"] / r["ideal"] for r in rounds if r["ok_rps"] is not None])
        if value is not None:
            parts.append(f"{value:.2f}× ideal ({rounds[0]['ideal']:,.0f}/s)")
    if not is_punctual(target):
        return ", ".join(parts)
    if scenario in BASELINES:
        name = BASELINES[scenario]

        def base(r):
            return find(runs, table, r["round"], name, PUNCTUAL)

        rps = per_round(runs, rounds, base)
        if rps is None:
            parts.append(f"({name} not in this run)")
        else:
            text = f"{rps:.2f}× req/s"
            cpu = per_round(runs, rounds, base, "cpu_us")
            if cpu is not None:
                text += f" and {cpu:.1f}× CPU/req"
            parts.append(text + f" of {name}")
        return ", ".join(parts)
    others = [t for (tb, sc, t) in group(runs) if tb == table and sc == scenario and not is_punctual(t)]
    for other in others:
        value = per_round(runs, rounds, lambda r, o=other: find(runs, table, r["round"], scenario, o))
        if value is not None:
            parts.append(f"{value:.2f}× {other}")
    if C_CLASSIC in others:
        value = per_round(runs, rounds, lambda r: find(runs, table, r["round"], scenario, C_CLASSIC), "cpu_us")
        if value is not None:
            parts.append(f"backend CPU {value:.2f}× C classic's")
    return ", ".join(parts)


def calls(rounds):
    per_second = median([r["calls_per_second"] for r in rounds])
    if per_second is None:
        return ""
    rps = median([r["rps"] for r in rounds])
    return f"{per_second:,.1f}/s" + (f" ({per_second / rps:.2f}/req)" if rps else "")


def microseconds(value):
    return f"{value:,.1f} µs" if value is not None else ""


HEADER = ["scenario", "target", "conns", "req/s", "p50", "p99", "max", "p99 − deadline", "max − deadline",
          "errors (all rounds)", "cached", "RSS / threads (peak)", "backend CPU/req", "nginx CPU/req",
          "source calls", "ratios (medians of each round's)"]


def print_table(runs, table):
    rows = {k: v for k, v in group(runs).items() if k[0] == table}
    if not rows:
        return False
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join(["---"] * 2 + ["--:"] * (len(HEADER) - 3) + ["---"]) + "|")
    for key, rounds in rows.items():
        _, scenario, target = key
        cells = [scenario, target, rounds[0]["connections"]]
        measured = [r for r in rounds if r["wrk"]]
        if not measured:
            cells += [rounds[0]["note"]] + [""] * (len(HEADER) - 4)
        else:
            deadline = rounds[0]["deadline_us"]
            p99, worst = wrk_median(measured, "p99"), wrk_median(measured, "max")
            rss = max((r["rss_kb"] for r in measured if r["rss_kb"]), default=None)
            threads = max((r["threads"] for r in measured if r["threads"]), default=None)
            note = f" ({len(rounds) - len(measured)} round(s) failed: {rounds[0]['note'] or 'see log'})" if len(measured) < len(rounds) else ""
            cells += [
                f"{median([r['rps'] for r in measured]):,.0f}",
                latency(wrk_median(measured, "p50")), latency(p99), latency(worst),
                late(p99, deadline), late(worst, deadline),
                errors(measured)[1] + note, cached(measured),
                f"{rss / 1024:.0f} MB / {threads}" if rss else "",
                microseconds(median([r["cpu_us"] for r in measured])),
                microseconds(median([r["nginx_cpu_us"] for r in measured])),
                calls(measured),
                ratios(key, measured, runs),
            ]
        print("| " + " | ".join(cells) + " |")
    return True


def row_figures(runs, table, scenario, target):
    rounds = [r for r in group(runs).get((table, scenario, target), []) if r["wrk"]]
    if not rounds:
        return None
    deadline = rounds[0]["deadline_us"] or 0
    return {
        "rounds": rounds,
        "ideal": median([r["ok_rps"] / r["ideal"] for r in rounds]) if rounds[0]["ideal"] else None,
        "p99_late_ms": (wrk_median(rounds, "p99") - deadline) / 1e3,
        "errors": errors(rounds)[0],
        "rss_mb": max((r["rss_kb"] for r in rounds if r["rss_kb"]), default=0) / 1024,
        "threads": max((r["threads"] for r in rounds if r["threads"]), default=0),
        "cpu_us": median([r["cpu_us"] for r in rounds]),
        "nginx_cpu_us": median([r["nginx_cpu_us"] for r in rounds]),
    }


def versus(runs, table, scenario, target, reference, figure="ok_rps"):
    rounds = [r for r in group(runs).get((table, scenario, target), []) if r["wrk"]]
    return per_round(runs, rounds, lambda r: find(runs, table, r["round"], scenario, reference), figure)


def verdict(ok):
    return "**met**" if ok else "**not met**"


def targets(runs, soak):
    """Issue 9's targets, each with the figures that decide it."""
    lines = []
    for scenario, min_ideal, max_late in (("stale-256", 0.97, 5), ("stale-1000", 0.9, 25)):
        f = row_figures(runs, "pinned", scenario, PUNCTUAL)
        if f:
            ok = f["ideal"] >= min_ideal and f["p99_late_ms"] <= max_late
            text = f"{f['ideal']:.2f}× ideal (≥ {min_ideal}), p99 deadline {f['p99_late_ms']:+.1f} ms (≤ +{max_late})"
            if scenario == "stale-1000":
                ok = ok and f["errors"] == 0
                text += f", {f['errors']} errors (0)"
            lines.append((scenario, text, verdict(ok)))
    f = row_figures(runs, "pinned", "mixed", PUNCTUAL)
    if f:
        lines.append(("mixed", f"p99 deadline {f['p99_late_ms']:+.1f} ms (≤ +5)", verdict(f["p99_late_ms"] <= 5)))
    f = row_figures(runs, "pinned", "fresh", PUNCTUAL)
    if f:
        c = versus(runs, "pinned", "fresh", PUNCTUAL, C_CLASSIC)
        cpu = versus(runs, "pinned", "fresh", PUNCTUAL, C_CLASSIC, "cpu_us")
        fastapi = versus(runs, "pinned", "fresh", PUNCTUAL, FASTAPI)
        ref = row_figures(runs, "pinned", "fresh", C_CLASSIC)
        if c is not None:
            lines.append(("fresh vs C classic", f"{c:.2f}× (≥ 1.2)", verdict(c >= 1.2)))
        if cpu is not None and ref:
            lines.append(("fresh backend CPU/req", f"{f['cpu_us']:.1f} µs against C classic's {ref['cpu_us']:.1f} µs ({cpu:.2f}×, ≤ 1)", verdict(cpu <= 1)))
        if fastapi is not None:
            lines.append(("fresh vs FastAPI", f"{fastapi:.1f}× (≥ 10)", verdict(fastapi >= 10)))
    c2 = versus(runs, "unpinned", "fresh", "Punctual --io-threads 2", C_CLASSIC)
    if c2 is not None:
        lines.append(("unpinned fresh, --io-threads 2, vs C classic", f"{c2:.2f}× (≥ 1.3)", verdict(c2 >= 1.3)))
    for table, default in (("unpinned", "the default --io-threads, 2 here"), ("pinned", "the default --io-threads, 1 on one core")):
        f = row_figures(runs, table, "stale-1000", PUNCTUAL)
        if f and f["threads"]:
            ok = f["threads"] <= 16 and f["rss_mb"] <= 64
            lines.append((f"1000 waiting ({table}, {default})", f"{f['threads']} threads (≤ 16), {f['rss_mb']:.0f} MB RSS (≤ 64)", verdict(ok)))
    if soak:
        ok = soak["end_mb"] <= soak["first_mb"] * 1.1 and soak["requests"] >= 1_000_000
        lines.append(("flat memory over a million hanging requests", soak["text"] + " (≥ 1 M requests, end ≤ 1.1× the first second's)", verdict(ok)))
    return lines


def floor_note(runs):
    """What one core can do at best: nginx's own CPU per request is the floor."""
    f = row_figures(runs, "pinned", "fresh", PUNCTUAL)
    c = row_figures(runs, "pinned", "fresh", C_CLASSIC)
    if not (f and c and f["nginx_cpu_us"] and c["nginx_cpu_us"] and c["cpu_us"]):
        return None
    c_total = c["nginx_cpu_us"] + c["cpu_us"]
    budget = c_total / 1.2
    return (
        f"Floor (pinned fresh, one core): the classic C responder costs nginx {c['nginx_cpu_us']:.1f} + itself "
        f"{c['cpu_us']:.1f} = {c_total:.1f} µs per request; 1.2× its rate needs at most {budget:.1f} µs per request "
        f"on the core in all. Behind nginx with keep-alive, nginx's own share is {f['nginx_cpu_us']:.1f} µs, which "
        f"leaves a backend {budget - f['nginx_cpu_us']:.1f} µs; Punctual spends {f['cpu_us']:.1f} µs. "
        f"With a backend that cost nothing, nginx alone would cap the core at about {1e6 / f['nginx_cpu_us']:,.0f} requests/s."
    )


def read_soak(path):
    with open(path) as f:
        lines = f.read().split("\n")
    w = dict(item.split("=", 1) for item in lines[0].split()[1:])
    series = [tuple(int(x) for x in line.split()) for line in lines[1:] if line.strip()]
    if not w or not series:
        return None
    requests = int(w["requests"])
    errs = errors([{"wrk": w}])[1]
    first, end = series[0][1] / 1024, series[-1][1] / 1024
    peak = max(s[1] for s in series) / 1024
    threads = max(s[2] for s in series)
    text = (
        f"{requests / 1e6:.2f} M answers in {int(w['duration_us']) / 1e6:.0f} s, errors {errs}, "
        f"p99 {latency(int(w['p99']))}: RSS {first:.1f} MB after 1 s, {end:.1f} MB at the end (peak {peak:.1f} MB), "
        f"{threads} threads at most"
    )
    return {"requests": requests, "first_mb": first, "end_mb": end, "text": text}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--duration", default="?")
    parser.add_argument("--rounds", default="?")
    parser.add_argument("--load", default="?")
    parser.add_argument("--load-after", default="?")
    parser.add_argument("--cpus", default="?")
    parser.add_argument("--server-cpu", default="1")
    parser.add_argument("--client-cpu", default="0")
    parser.add_argument("--commit", default="?")
    parser.add_argument("--soak")
    args = parser.parse_args()
    runs = parse(args.results)
    soak = read_soak(args.soak) if args.soak else None

    print(
        f"Commit {args.commit}, {args.cpus} CPUs, medians of {args.rounds} round(s) of {args.duration} s runs "
        f"after a warm-up; load average before {args.load}, after {args.load_after}. Punctual runs with "
        f"--no-supervise (the serving process alone)."
    )
    print()
    if any(r["table"] == "pinned" for r in runs):
        print(f"**Pinned**: nginx (1 worker) and the backend on core {args.server_cpu}, wrk (1 thread) on core {args.client_cpu}.")
        print()
        print_table(runs, "pinned")
        note = floor_note(runs)
        if note:
            print()
            print(note)
        print()
    if any(r["table"] == "unpinned" for r in runs):
        print("**Unpinned**: everything shares every core; nginx 2 workers, wrk 2 threads.")
        print()
        print_table(runs, "unpinned")
        print()
    ran = [name for name in SCENARIOS if any(r["scenario"] == name for r in runs)]
    for name in ran:
        print(f"- **{name}**: {SCENARIOS[name]}")
    if soak:
        print()
        print(f"Soak (unpinned, default --io-threads, 1000 connections on a hanging source): {soak['text']}.")
    lines = targets(runs, soak)
    if lines:
        print()
        print("| target (issue 9) | measured | |")
        print("|---|---|---|")
        for name, text, ok in lines:
            print(f"| {name} | {text} | {ok} |")


if __name__ == "__main__":
    sys.exit(main())
