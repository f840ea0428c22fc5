-- lib.lua: shared by every complaints script; store.c puts it in front of
-- each one, after common/lua/records.lua (NOW_TEXT, SCOPE, jstr, in_scope).
-- A record is a hash NS:complaint:<id> whose public fields hold JSON text
-- (rendered in FIELDS order) and whose "_" fields are plain values for
-- filters and indexes.
local FIELDS = {'id', 'status', 'customer', 'product', 'channel', 'category', 'severity', 'title',
  'description', 'remedy_sought', 'received_by', 'received_at', 'department', 'owner', 'due_at',
  'escalated', 'resolution', 'confirmation', 'reopened', 'return_ids', 'hold', 'withdrawal',
  'closed_at', 'created_at', 'updated_at', 'version'}
local DAY_MS = 86400000

local function ckey(id) return NS .. ':complaint:' .. id end
local function ikey(name) return NS .. ':complaints:idx:' .. name end

-- The record as JSON text, with "overdue" computed now; nil when absent.
local function render(id)
  local v = redis.call('HMGET', ckey(id), unpack(FIELDS))
  if not v[1] then return nil end
  local due = redis.call('HGET', ckey(id), '_due_ms')
  local parts = {}
  for i, f in ipairs(FIELDS) do
    parts[#parts + 1] = '"' .. f .. '":' .. (v[i] or 'null')
    if f == 'due_at' then
      local overdue = v[2] == '"assigned"' and due and due ~= '' and tonumber(due) < NOW_MS
      parts[#parts + 1] = '"overdue":' .. (overdue and 'true' or 'false')
    end
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- What transitions and filters look at.
local function load(id)
  local v = redis.call('HMGET', ckey(id), 'status', 'version', '_dept', '_intake', 'severity',
    '_order', 'hold', '_due_ms', 'reopened', '_customer', 'category', '_received_ms')
  if not v[1] then return nil end
  return {id = id, status = cjson.decode(v[1]), version = tonumber(v[2]), dept = v[3] or '',
    intake = v[4] or '', severity = cjson.decode(v[5]), order = tonumber(v[6]),
    held = v[7] ~= nil and v[7] ~= 'null', due_ms = tonumber(v[8] or ''),
    reopened = tonumber(v[9]), customer = v[10] or '', category = cjson.decode(v[11]),
    received_ms = tonumber(v[12])}
end

local function visible(r) return in_scope(r.dept) or in_scope(r.intake) end

-- The complaint a change applies to, after the checks every change makes:
-- it exists and the caller may see it (else NOT_FOUND, never revealing it),
-- the expected version, the allowed statuses. Returns r or nil, error.
local function target(id, expected, allowed)
  local r = load(id)
  return checked('complaint', r, r and visible(r), id, expected, allowed)
end

local function move_status(r, to)
  redis.call('ZREM', ikey('status:' .. r.status), r.id)
  redis.call('ZADD', ikey('status:' .. to), r.order, r.id)
end

-- Appends one history event; `details` is JSON text (default {}).
local function history(id, action, from, to, details)
  history_push(ckey(id) .. ':history', action, from, to, details)
end

-- Writes `fields` (name -> value), bumps version and updated_at, and
-- answers with the record.
local function commit(r, fields)
  local args = {'HSET', ckey(r.id), 'version', tostring(r.version + 1), 'updated_at',
    jstr(NOW_TEXT)}
  for k, v in pairs(fields) do
    args[#args + 1] = k
    args[#args + 1] = v
  end
  redis.call(unpack(args))
  return ok(render(r.id))
end

-- The default due date by severity, from the candidates the caller computed
-- (critical, major, minor: text and ms each, starting at ARGV[first]).
local function due_by_severity(severity, first)
  local at = {critical = first, major = first + 2, minor = first + 4}
  local i = at[severity] or at.minor
  return ARGV[i], ARGV[i + 1]
end
