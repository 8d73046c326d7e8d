#!/bin/sh
# command-stale: never answers. With --on-timeout cancel, Punctual kills its process group
# once no request waits for it any more. Counts its runs in $BENCH_CALLS.
printf . >>"$BENCH_CALLS"
exec sleep 3600
