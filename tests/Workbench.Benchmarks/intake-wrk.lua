-- wrk script for intake-wrk.sh: every request is a new case, with its own externalId and Idempotency-Key.
-- The key is a random UUID, as clients make them (so each lands anywhere in the keys' index); the externalId counts
-- up, as a client system's own ids do.
-- Arguments (after wrk's --): BODY_FILE RUN_TAG [BEARER_KEY]
-- At the end it prints one line: RESULT sent=… created=… other=… seconds=… p50_ms=… p99_ms=… first_error=…
-- (created counts 201s only: a replay (200) or a problem would not be a new committed case; sent − created − other
-- were still in flight when wrk stopped, and may or may not have committed).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local prefix, suffix, tag
sequence = 0
created = 0
other = 0
first_error = ""

function init(args)
  local file = assert(io.open(args[1], "rb"), "cannot read " .. tostring(args[1]))
  local body = file:read("*a")
  file:close()
  tag = args[2] .. "-" .. thread_no
  -- Each thread of each run its own stream: the tag is new per run (its $RANDOM) and ends with the thread's number.
  local seed = os.time()
  for i = 1, #tag do seed = (seed * 31 + tag:byte(i)) % 2147483647 end
  math.randomseed(seed)
  -- Evidence stays fresh whenever the script runs: the policy hands stale evidence (over 180 days) to a human.
  local published = os.date("!%Y-%m-%dT00:00:00Z", os.time() - 20 * 86400)
  body = body:gsub('("publishedAt"%s*:%s*)"[^"]*"', '%1"' .. published .. '"')
  local s, e = body:find('"externalId"%s*:%s*"[^"]*"')
  assert(s, "the body has no externalId")
  prefix = body:sub(1, s - 1) .. '"externalId": "'
  suffix = '"' .. body:sub(e + 1)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[3] ~= nil and args[3] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[3]
  end
end

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%04x%08x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff), math.random(0, 0xffff), math.random(0, 0xffffffff))
end

function request()
  sequence = sequence + 1
  local id = tag .. "-" .. sequence
  wrk.headers["Idempotency-Key"] = uuid()
  return wrk.format(nil, nil, nil, prefix .. id .. suffix)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if first_error == "" then
      first_error = status .. " " .. (body or ""):sub(1, 160):gsub("%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local sent, c, o, first = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    sent = sent + t:get("sequence")
    c = c + t:get("created")
    o = o + t:get("other")
    if first == "" then
      first = t:get("first_error") or ""
    end
  end
  local e = summary.errors
  io.write(string.format("RESULT sent=%d created=%d other=%d socket_errors=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f first_error=%s\n",
    sent, c, o, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, first))
end
