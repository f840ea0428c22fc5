-- returns_lib.lua: shared by every returns store script (store.c puts it in
-- front of each body, except policy_put, after common/lua/records.lua:
-- NOW_TEXT, SCOPE, jstr, in_scope, render_hash, page_desc). A return is a
-- hash NS:return:<id> whose public fields hold JSON text (rendered in FIELDS
-- order, so [] stays [] and money stays the integer text C wrote) and whose
-- "_" fields are plain values for filters and indexes. Lua never does
-- arithmetic on money. The scope is matched to `region`.
local FIELDS = {'id', 'status', 'customer', 'region', 'regional_manager', 'reason',
  'freight_station', 'station_reason', 'customer_bears_freight', 'items', 'boxes', 'signatures',
  'approval', 'rejection', 'shipment', 'receipt', 'settlement', 'cancellation', 'quota_month',
  'complaint_id', 'created_at', 'updated_at', 'version'}

local function rkey(id) return NS .. ':return:' .. id end
local function ikey(name) return NS .. ':returns:idx:' .. name end

-- The record as JSON text; nil when absent.
local function render(id) return render_hash(rkey(id), FIELDS) end

-- What transitions and filters look at.
local function load(id)
  local v = redis.call('HMGET', rkey(id), 'status', 'version', '_region', '_customer', '_order',
    '_created_ms', '_boxes', '_quota_key')
  if not v[1] then return nil end
  return {id = id, status = cjson.decode(v[1]), version = tonumber(v[2]), region = v[3] or '',
    customer = v[4] or '', order = tonumber(v[5]), created_ms = tonumber(v[6]),
    boxes = tonumber(v[7] or '0'), quota_key = v[8] or ''}
end

local function visible(r) return in_scope(r.region) end

-- The return a change applies to, after the checks every change makes: it
-- exists and the caller may see it (else NOT_FOUND, never revealing it),
-- the expected version, the allowed statuses. Returns r or nil, error.
local function target(id, expected, allowed)
  local r = load(id)
  return checked('return', r, r and visible(r), id, expected, allowed)
end

local function move_status(r, to)
  redis.call('ZREM', ikey('status:' .. r.status), r.id)
  redis.call('ZADD', ikey('status:' .. to), r.order, r.id)
end

-- Gives back the monthly quota slot the return holds, if any.
local function free_quota(r)
  if r.quota_key ~= '' then redis.call('SREM', r.quota_key, r.id) end
end

-- Appends one history event; `details` is JSON text (default {}).
local function history(id, action, from, to, details)
  history_push(rkey(id) .. ':history', action, from, to, details)
end

-- Moves r to status `to`, writes `fields` (name -> JSON text), records the
-- history event, bumps version and updated_at; answers with the record.
local function transition(r, to, action, fields, details)
  move_status(r, to)
  history(r.id, action, r.status, to, details)
  local args = {'HSET', rkey(r.id), 'status', jstr(to), 'version', tostring(r.version + 1),
    'updated_at', jstr(NOW_TEXT)}
  for k, v in pairs(fields) do
    args[#args + 1] = k
    args[#args + 1] = v
  end
  redis.call(unpack(args))
  return ok(render(r.id))
end

-- {"by", "at", <key>: text} as JSON text, by the caller's `by` or ACTOR.
local function stamp(by, key, text)
  return '{"by":' .. jstr(by ~= '' and by or ACTOR) .. ',"at":' .. jstr(NOW_TEXT) .. ',"' .. key ..
    '":' .. jstr(text) .. '}'
end
