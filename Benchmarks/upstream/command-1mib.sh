#!/bin/sh
# 1mib: the first run prints the 1 MiB JSON value in $BENCH_VALUE; every later run fails,
# so with a long --retry-after every request is answered from the cache at once: the row
# measures the 1 MiB answer path (Punctual → nginx → wrk), not the source.
# $BENCH_STATE is a directory this creates on its first run (mkdir is atomic).
printf . >>"$BENCH_CALLS"
if mkdir "$BENCH_STATE" 2>/dev/null; then
    exec cat "$BENCH_VALUE"
fi
exit 1
