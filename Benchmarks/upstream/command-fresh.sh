#!/bin/sh
# command-fresh: prints a small JSON value at once, so each retrieval costs one fork/exec
# of sh. Counts its runs in $BENCH_CALLS (one byte per run) for the table's "source calls".
printf . >>"$BENCH_CALLS"
printf '0.5'
