-- wrk script for the Roadpass benchmark.
--   wrk ... -s bench/wrk.lua -- get [HEADER: VALUE]...     repeat the GET in wrk's URL
--   wrk ... -s bench/wrk.lua -- holds FILE THREADS        POST a distinct hold each time
-- done() prints one line "RESULT {json}" with throughput, latency percentiles and errors.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode, entries, next_entry = "get", {}, 1

function init(args)
  mode = args[1] or "get"
  if mode == "holds" then
    local total = tonumber(args[3])
    local index = 0
    for line in io.lines(args[2]) do
      if index % total == id then
        local token, trip, seat = line:match("^(%S+) (%d+) (%S+)$")
        table.insert(entries, { token = token, trip = trip, seat = seat })
      end
      index = index + 1
    end
  else
    for i = 2, #args do
      local name, value = args[i]:match("^([^:]+):%s*(.*)$")
      wrk.headers[name] = value
    end
  end
end

function request()
  if mode ~= "holds" then
    return wrk.format(nil, nil, nil, nil)
  end
  local entry = entries[next_entry]
  if entry == nil then
    entry = entries[#entries]  -- ran out: repeats will be 409s, counted as errors
  else
    next_entry = next_entry + 1
  end
  local headers = {
    ["Authorization"] = "Bearer " .. entry.token,
    ["Content-Type"] = "application/json",
  }
  local body = '{"tripId": ' .. entry.trip .. ', "seatNumbers": ["' .. entry.seat .. '"]}'
  return wrk.format("POST", "/api/bookings/reserve", headers, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, ' ..
    '"bytes_per_request": %.1f, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.bytes / math.max(summary.requests, 1), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
