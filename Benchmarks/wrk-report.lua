-- wrk script for Benchmarks/run.
--
-- * Counts the answers whose body contains "cache":true, and the answers by status when
--   not 2xx. Each wrk thread has its own Lua state, so the counters live in the threads
--   and done() collects them.
--   Set BENCH_COUNT_CACHED=0 to leave out the response() hook: wrk then does no Lua work
--   per answer at all.
-- * With BENCH_KEYS=N, each request asks for /retrieve-data?key=K, K uniform in 1..N.
-- * done() prints one machine-readable line, "BENCH key=value ...", that run parses.
--   Latencies are in microseconds.

local keys = tonumber(os.getenv("BENCH_KEYS") or "0")
local count_cached = os.getenv("BENCH_COUNT_CACHED") ~= "0"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

-- Per thread.
cached = 0
answered = 0
statuses = {} -- status code → count, for the answers that were not 2xx

local function add_status(status)
   statuses[status] = (statuses[status] or 0) + 1
end

function init(args)
   -- Threads start in the same second: mix in the thread's number so their keys differ.
   math.randomseed(os.time() * 100 + (id or 0))
end

if keys > 0 then
   local path = wrk.path:match("^[^?]*")
   function request()
      return wrk.format(nil, path .. "?key=" .. math.random(1, keys))
   end
end

if count_cached then
   function response(status, headers, body)
      answered = answered + 1
      if status < 200 or status > 299 then add_status(status) end
      if body and body:find('"cache":true', 1, true) then
         cached = cached + 1
      end
   end
end

function done(summary, latency, requests)
   local total_cached, total_answered, by_status = 0, 0, {}
   for _, thread in ipairs(threads) do
      total_cached = total_cached + (thread:get("cached") or 0)
      total_answered = total_answered + (thread:get("answered") or 0)
      for status, n in pairs(thread:get("statuses") or {}) do
         by_status[status] = (by_status[status] or 0) + n
      end
   end
   local codes = {}
   for status, n in pairs(by_status) do table.insert(codes, status .. ":" .. n) end
   table.sort(codes)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50=%d p90=%d p99=%d max=%d " ..
      "non2xx=%d connect=%d read=%d write=%d timeout=%d answered=%d cached=%d counted=%d " ..
      "statuses=%s\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout,
      total_answered, total_cached, count_cached and 1 or 0,
      #codes > 0 and table.concat(codes, ",") or "-"))
end
