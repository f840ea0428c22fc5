-- visits_lib.lua: shared by every visits script; store.c puts it in front of
-- each one, after common/lua/records.lua (NOW_TEXT, SCOPE, jstr, in_scope,
-- render_hash, page_desc). Records are hashes whose public fields hold JSON text (rendered
-- by concatenation in a fixed order, so nothing is re-encoded and [] stays [])
-- and whose "_" fields hold plain values for indexes and checks.
-- Body ARGV: 1 the business-zone time of NOW_MS as text, 2 the caller's scope
-- ("*" or "\n"-separated departments), 3 today's business date, 4 its day
-- number (days since 1970-01-01); the script's own arguments follow.
local TODAY, TODAY_DAY = ARGV[3], tonumber(ARGV[4])
local SCALE = 4294967296 -- planned-visit scores: day * SCALE + order
local ACCOUNT_FIELDS = {'id', 'customer', 'project', 'delivered_on', 'department', 'owner',
  'active', 'routine_plan', 'created_at', 'deactivated_at', 'updated_at', 'version'}
local VISIT_FIELDS = {'id', 'account_id', 'customer', 'project', 'department', 'visited_on',
  'method', 'contact', 'summary', 'demands', 'satisfaction', 'issues', 'planned', 'confirmation',
  'recorded_by', 'created_at', 'version'}
local QI_FIELDS = {'id', 'source', 'ref', 'product', 'text', 'departments', 'customer_id',
  'from_department', 'reported_on', 'created_by', 'created_at', 'version'}
local SYMPOSIUM_FIELDS = {'id', 'held_on', 'chair', 'attendees', 'opinions', 'created_by',
  'created_at', 'version'}
local OPEN_SHOWN = 50 -- open planned visits shown on an account

local function key(...) return NS .. ':visits:' .. table.concat({...}, ':') end
local function akey(id) return key('account', id) end
local function vkey(id) return NS .. ':visit:' .. id end
local function pkey(id) return key('plan', id) end
local function qkey(id) return key('qi', id) end
local function skey(id) return key('symposium', id) end
local function num(n) return string.format('%.0f', n) end
local function next_order() return redis.call('INCR', key('order')) end
local function day_of(score) return math.floor(tonumber(score) / SCALE) end

-- "a\nb" lists (departments of quality information) against the scope.
local function any_in_scope(list)
  if SCOPE == '*' then return true end
  for d in string.gmatch(list or '', '[^\n]+') do
    if in_scope(d) then return true end
  end
  return false
end

-- ---- accounts and planned visits ----

-- What checks and indexes look at; nil when absent.
local function load_account(id)
  local v = redis.call('HMGET', akey(id), '_order', '_dept', '_owner', '_active', '_routine',
    '_delivered', '_plan_n', '_plan_due', '_plan_score', 'version', 'customer', '_customer')
  if not v[1] then return nil end
  return {id = id, order = tonumber(v[1]), dept = v[2] or '', owner = v[3] or '',
    active = v[4] == '1', routine = v[5] == '1', delivered = v[6], plan_n = tonumber(v[7] or '') or 0,
    plan_due = v[8], plan_score = v[9], version = tonumber(v[10]), customer = v[11],
    customer_key = v[12] or ''}
end

-- The account a call is about: it exists and the caller may see it, else
-- NOT_FOUND (never revealing it). Returns a or nil, error.
local function account_target(id, field)
  local a = load_account(id)
  if not a or not in_scope(a.dept) then
    return nil, err('NOT_FOUND', 'account not found', field or 'account_id')
  end
  return a
end

local function routine_id(a) return a.id .. '-R' .. a.plan_n end

-- A planned visit as JSON text: a scheduled one (P...) or the account's open
-- routine visit (member 'R' of its open set).
local function render_routine(a, status, visit_id)
  return '{"id":' .. jstr(routine_id(a)) .. ',"account_id":' .. jstr(a.id) ..
    ',"kind":"routine","due_on":' .. jstr(a.plan_due) .. ',"ref":null,"status":' ..
    jstr(status) .. ',"visit_id":' .. jstr(visit_id) .. ',"plan_n":' .. a.plan_n .. '}'
end

-- `complaint_id` is set only on the follow-up visits.ScheduleFollowUp made
-- for a complaint (field `complaint` of the plan hash): the only planned
-- visits whose Record confirms a complaint. `ref` is a note.
local function render_plan(pid, a)
  if pid == 'R' then return render_routine(a, 'open', nil) end
  local v = redis.call('HMGET', pkey(pid), 'account', 'kind', 'due_on', 'ref', 'status',
    'visit_id', 'created_at', 'created_by', 'complaint')
  if not v[1] then return 'null' end
  return '{"id":' .. jstr(pid) .. ',"account_id":' .. jstr(v[1]) .. ',"kind":' .. jstr(v[2]) ..
    ',"due_on":' .. jstr(v[3]) .. ',"ref":' .. jstr(v[4]) .. ',"complaint_id":' .. jstr(v[9]) ..
    ',"status":' .. jstr(v[5]) .. ',"visit_id":' .. jstr(v[6]) .. ',"created_at":' ..
    jstr(v[7]) .. ',"created_by":' .. jstr(v[8]) .. '}'
end

-- The complaint a planned visit ('R' or a P id) follows up, or nil.
local function plan_complaint(member)
  if member == 'R' then return nil end
  local c = redis.call('HGET', pkey(member), 'complaint')
  if c and c ~= '' then return c end
  return nil
end

local function render_account(id)
  local a = load_account(id)
  if not a then return nil end
  local open = redis.call('ZRANGE', akey(id) .. ':open', 0, OPEN_SHOWN - 1)
  local items = {}
  for _, pid in ipairs(open) do items[#items + 1] = render_plan(pid, a) end
  local body = render_hash(akey(id), ACCOUNT_FIELDS)
  return string.sub(body, 1, -2) .. ',"open_count":' ..
    redis.call('ZCARD', akey(id) .. ':open') .. ',"open":[' .. table.concat(items, ',') .. ']}'
end

-- Puts planned visit `member` ('R' or a P id) of account `a` on the account's
-- open set and the due indexes at `day`; returns the score.
local function plan_open(a, member, day)
  local score = num(day * SCALE + next_order())
  local due_member = member == 'R' and a.id or member
  redis.call('ZADD', akey(a.id) .. ':open', score, member)
  redis.call('ZADD', key('due'), score, due_member)
  if a.dept ~= '' then redis.call('ZADD', key('due', 'dept', a.dept), score, due_member) end
  return score
end

local function plan_close(a, member)
  local due_member = member == 'R' and a.id or member
  redis.call('ZREM', akey(a.id) .. ':open', member)
  redis.call('ZREM', key('due'), due_member)
  if a.dept ~= '' then redis.call('ZREM', key('due', 'dept', a.dept), due_member) end
end

-- Opens the account's routine visit n, due on `due` (day number `day`).
local function routine_open(a, n, due, day)
  a.plan_n, a.plan_due = n, due
  local score = plan_open(a, 'R', day)
  redis.call('HSET', akey(a.id), '_plan_n', n, '_plan_due', due, '_plan_score', score)
end

-- A new scheduled planned visit of account `a`; returns its id. `complaint`
-- (a complaint id, only from visits.ScheduleFollowUp) binds it to that
-- complaint: recording it with satisfaction confirms the complaint.
local function plan_new(a, kind, due, day, ref, complaint)
  local pid = string.format('P%06d', redis.call('INCR', key('seq', 'plan')))
  redis.call('HSET', pkey(pid), 'id', pid, 'account', a.id, 'kind', kind, 'due_on', due,
    'ref', ref or '', 'status', 'open', 'created_at', NOW_TEXT, 'created_by', ACTOR)
  if complaint then redis.call('HSET', pkey(pid), 'complaint', complaint) end
  local score = plan_open(a, pid, day)
  redis.call('HSET', pkey(pid), 'score', score)
  return pid
end

-- Bumps version and updated_at of a record hash plus `fields`.
local function touch(k, version, fields)
  local args = {'HSET', k, 'version', tostring(version + 1), 'updated_at', jstr(NOW_TEXT)}
  for f, v in pairs(fields or {}) do
    args[#args + 1] = f
    args[#args + 1] = v
  end
  redis.call(unpack(args))
end

-- A new account; `fields` are its JSON-text fields by name. Returns the id.
local function account_new(fields, dept, owner, customer_key, delivered, routine)
  local id = string.format('A%06d', redis.call('INCR', key('seq', 'account')))
  local order = next_order()
  local args = {'HSET', akey(id), 'id', jstr(id), '_order', order, '_dept', dept, '_owner', owner,
    '_customer', customer_key, '_active', '1', '_routine', routine and '1' or '0', '_delivered',
    delivered, 'active', 'true', 'routine_plan', routine and 'true' or 'false', 'created_at',
    jstr(NOW_TEXT), 'updated_at', jstr(NOW_TEXT), 'deactivated_at', 'null', 'version', '1'}
  for f, v in pairs(fields) do
    args[#args + 1] = f
    args[#args + 1] = v
  end
  redis.call(unpack(args))
  redis.call('ZADD', key('accounts'), order, id)
  -- Follow-up-only accounts are no enrolled project: no yearly survey.
  if routine then redis.call('ZADD', key('accounts', 'active'), order, id) end
  redis.call('ZADD', key('customer', customer_key), order, id)
  return id
end

-- ---- visit records ----

local function render_visit(id)
  local n = tonumber(redis.call('HGET', vkey(id), '_issues') or '')
  if not n then return nil end
  return render_hash(vkey(id), VISIT_FIELDS, function(f)
    if f ~= 'issues' then return nil end
    if n == 0 then return '[]' end
    local names = {}
    for i = 1, n do names[i] = 'issue:' .. i end
    return '[' .. table.concat(redis.call('HMGET', vkey(id), unpack(names)), ',') .. ']'
  end)
end

local function visit_visible(id)
  local d = redis.call('HGET', vkey(id), '_dept')
  return d ~= false and d ~= nil and in_scope(d)
end

-- ---- quality information ----

-- A new quality-information record; depts is a Lua list of department
-- names, departments_json the same as JSON text. Returns its id.
local function qinfo_new(source, ref, product_json, text_json, departments_json, depts,
    customer_json, from_dept, day, reported_on)
  local year = string.sub(TODAY, 1, 4)
  local id = string.format('Q%s-%06d', year, redis.call('INCR', key('qi', 'seq', year)))
  local order = next_order()
  local score = num(day * SCALE + order)
  redis.call('HSET', qkey(id), 'id', jstr(id), 'source', jstr(source), 'ref', jstr(ref),
    'product', product_json, 'text', text_json, 'departments', departments_json,
    'customer_id', customer_json, 'from_department', jstr(from_dept), 'reported_on',
    jstr(reported_on), 'created_by', jstr(ACTOR), 'created_at', jstr(NOW_TEXT), 'version', '1',
    '_order', order, '_score', score, '_depts', table.concat(depts, '\n'), '_from', from_dept or '')
  redis.call('ZADD', key('qi', 'idx', 'all'), score, id)
  if from_dept and from_dept ~= '' then
    redis.call('ZADD', key('qi', 'idx', 'from', from_dept), score, id)
  end
  local seen = {}
  for _, d in ipairs(depts) do
    if not seen[d] then
      seen[d] = true
      redis.call('ZADD', key('qi', 'idx', 'dept', d), score, id)
    end
  end
  return id
end

local function qinfo_visible(id)
  local v = redis.call('HMGET', qkey(id), '_depts', '_from')
  if not v[1] then return false end
  return any_in_scope(v[1]) or in_scope(v[2])
end

-- Replaces the trailing `null}` of a JSON object text with `value}`: how a
-- stored issue or opinion gets the id it led to.
local function fill_last(text, value)
  return string.sub(text, 1, -6) .. value .. '}'
end

-- ---- pages merged from several indexes ----

-- One page from the sorted sets `indexes`, in score order (descending when
-- `desc`), from range bound `first` (e.g. '(' .. cursor, or '-inf') to
-- `last`, as ZRANGEBYSCORE (ZREVRANGEBYSCORE when desc) takes them.
-- match(member, score) gives a value for a member the page returns, nil to
-- skip it. Each index contributes at most `limit` matches and is examined
-- for at most `max_each` members; the page is every match before the first
-- point where an index stopped, at most `limit` of them. Returns the page as
-- {member, score (number), value, score (text)} rows and the score text to
-- go on from (nil when every index is done): the last row's, or where an
-- index stopped. A member found in several indexes is returned once. Every
-- member of `indexes` must be one the caller may see,
-- so that a cursor taken from an examined member that `match` filtered out
-- reveals nothing: callers pick indexes that hold only such members.
local function merge_page(indexes, desc, first, last, limit, max_each, match)
  local cmd = desc and 'ZREVRANGEBYSCORE' or 'ZRANGEBYSCORE'
  local function before(x, y)
    if desc then return x > y end
    return x < y
  end
  local function scan(index)
    local got, from, examined = {}, first, 0
    while true do
      local batch = redis.call(cmd, index, from, last, 'WITHSCORES', 'LIMIT', 0, 200)
      if #batch == 0 then return got, nil end
      for i = 1, #batch, 2 do
        local member, score = batch[i], batch[i + 1]
        local value = match(member, score)
        if value ~= nil then got[#got + 1] = {member, tonumber(score), value, score} end
        examined = examined + 1
        from = '(' .. score
        if #got >= limit or examined >= max_each then
          local rest = redis.call(cmd, index, from, last, 'LIMIT', 0, 1)
          if #rest == 0 then return got, nil end
          return got, score
        end
      end
    end
  end
  local rows, bound = {}, nil
  for _, index in ipairs(indexes) do
    local got, stop = scan(index)
    for _, g in ipairs(got) do rows[#rows + 1] = g end
    if stop and (not bound or before(tonumber(stop), tonumber(bound))) then bound = stop end
  end
  table.sort(rows, function(x, y) return before(x[2], y[2]) end)
  local page, taken = {}, {}
  for _, g in ipairs(rows) do
    if bound and before(tonumber(bound), g[2]) then break end
    if not taken[g[1]] then
      if #page >= limit then return page, page[#page][4] end
      taken[g[1]] = true
      page[#page + 1] = g
    end
  end
  return page, bound
end

-- The departments of the caller's scope, each once (not for SCOPE '*').
local function scope_departments()
  local list, seen = {}, {}
  for d in string.gmatch(SCOPE, '[^\n]+') do
    if not seen[d] then
      seen[d] = true
      list[#list + 1] = d
    end
  end
  return list
end
