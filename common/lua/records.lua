-- records.lua: in front of every service's store scripts (before the
-- service's own library). Body ARGV[1] is the call's time as RFC 3339 text in
-- the business zone and ARGV[2] the caller's scope: "*" or its departments
-- separated by "\n" (see kefu_call_scope_init).
local NOW_TEXT, SCOPE = ARGV[1], ARGV[2]

-- A string as JSON text; nil, false and '' as null.
local function jstr(s)
  if s == nil or s == false or s == '' then return 'null' end
  return cjson.encode(s)
end

-- True when the caller may see records of department (or region) `v`.
local function in_scope(v)
  if SCOPE == '*' then return true end
  if not v or v == '' then return false end
  for d in string.gmatch(SCOPE, '[^\n]+') do
    if d == v then return true end
  end
  return false
end

-- A record hash whose public fields hold JSON text, rendered as one JSON
-- object in `fields` order (so [] stays [] and numbers stay as written);
-- `extra(f)`, when given, may supply a field's text. nil when absent.
local function render_hash(k, fields, extra)
  local v = redis.call('HMGET', k, unpack(fields))
  if not v[1] then return nil end
  local parts = {}
  for i, f in ipairs(fields) do
    parts[#parts + 1] = '"' .. f .. '":' .. (extra and extra(f) or v[i] or 'null')
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- One page of a list, highest score first: walks sorted set `index` down
-- from `upper` ('+inf' or '(' .. score, exclusive) to `lo` (a score or
-- '-inf'), adding render(member, score) for each member it matches (render
-- returns nil for one that does not) until there are `limit` items. Examines
-- at most `max` members, so a selective filter over a long history answers a
-- partial page and goes on from there. Returns the items (JSON texts) and
-- the score to continue below, nil when nothing is left.
local function page_desc(index, upper, lo, limit, max, render)
  local items, examined = {}, 0
  while true do
    local batch = redis.call('ZREVRANGEBYSCORE', index, upper, lo, 'WITHSCORES', 'LIMIT', 0, 200)
    if #batch == 0 then return items, nil end
    for i = 1, #batch, 2 do
      local member, score = batch[i], batch[i + 1]
      local text = render(member, score)
      if text then items[#items + 1] = text end
      examined = examined + 1
      upper = '(' .. score
      if #items >= limit or examined >= max then
        local rest = redis.call('ZREVRANGEBYSCORE', index, upper, lo, 'LIMIT', 0, 1)
        return items, #rest > 0 and score or nil
      end
    end
  end
end

-- The checks every change to a record makes, in this order: it exists and
-- the caller may see it (`seen`; else NOT_FOUND, never revealing that it
-- exists), the expected version (else ABORTED), the allowed statuses (else
-- FAILED_PRECONDITION naming the current one). `r` is the loaded record (nil
-- when absent) with .version and .status; `noun` names it in messages.
-- Returns r, or nil and the error.
local function checked(noun, r, seen, id, expected, allowed)
  if not r or not seen then return nil, err('NOT_FOUND', noun .. ' not found', 'id') end
  if expected ~= '' and tonumber(expected) ~= r.version then
    return nil, err('ABORTED', noun .. ' ' .. id .. ' is at version ' .. r.version .. ', not ' ..
      expected, 'expected_version')
  end
  if allowed and not allowed[r.status] then
    return nil, err('FAILED_PRECONDITION', noun .. ' ' .. id .. ' is ' .. r.status, 'id')
  end
  return r
end

-- Appends one event {at, action, by, from, to, details} to history list `k`;
-- `details` is JSON text (default {}).
local function history_push(k, action, from, to, details)
  redis.call('RPUSH', k, '{"at":' .. jstr(NOW_TEXT) .. ',"action":' .. jstr(action) .. ',"by":' ..
    jstr(ACTOR) .. ',"from":' .. jstr(from) .. ',"to":' .. jstr(to) .. ',"details":' ..
    (details or '{}') .. '}')
end
