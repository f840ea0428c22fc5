-- visits.WeeklyReport (周报): the raw material of one ISO week, which C tallies.
-- Staff see their departments only (accounts without a department are
-- nobody's but the all-seeing roles').
-- ARGV: 5 Monday's day number, 6 Sunday's, 7 overdue cutoff day (planned
-- visits due before it and still open are overdue), 8 max rows.
-- Answers {rows, rows_truncated, planned_open, planned_done, quality_info, overdue_accounts, overdue_count,
-- overdue_truncated}.
local mon, sun, as_of, max_rows = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]),
  tonumber(ARGV[8])
local lo, hi = num(mon * SCALE), '(' .. num((sun + 1) * SCALE)
-- Bounds on the work of one report: visit rows (ARGV 8), quality
-- information read per department index (a staff caller's count
-- de-duplicates records passed to several of its departments; the
-- all-department count is a ZCOUNT) and open planned visits per due index.
local MAX_QI, MAX_OVERDUE_SCAN, OVERDUE_SHOWN = 5000, 5000, 100

-- The indexes to read: the global one, or one per department in scope.
local function indexes(...)
  if SCOPE == '*' then return {key(...)} end
  local list = {}
  for _, d in ipairs(scope_departments()) do -- each department once
    local parts = {...}
    parts[#parts + 1] = 'dept'
    parts[#parts + 1] = d
    list[#list + 1] = key(unpack(parts))
  end
  return list
end

local planned_open, planned_done = 0, 0
for _, k in ipairs(indexes('due')) do planned_open = planned_open + redis.call('ZCOUNT', k, lo, hi) end
for _, k in ipairs(indexes('done_due')) do
  planned_done = planned_done + redis.call('ZCOUNT', k, lo, hi)
end

-- At most max_rows visits (asking each index for one more than fits tells
-- whether any were left out).
local rows, truncated = {}, false
for _, k in ipairs(indexes('idx', 'day')) do
  local room = max_rows - #rows
  local ids = redis.call('ZRANGEBYSCORE', k, lo, hi, 'LIMIT', 0, room + 1)
  if #ids > room then truncated = true end
  for j = 1, math.min(#ids, room) do
    local id = ids[j]
    local v = redis.call('HMGET', vkey(id), 'method', '_kind', 'satisfaction', '_issues')
    local counts = {complaint = 0, quality_info = 0}
    local linked, n = 0, tonumber(v[4] or '0')
    if n > 0 then
      local names = {}
      for i = 1, n do names[i] = 'issue:' .. i end
      -- Issue texts are C's: {"kind":...} first, the id it led to last.
      for _, issue in ipairs(redis.call('HMGET', vkey(id), unpack(names))) do
        if issue and string.sub(issue, 1, 20) == '{"kind":"complaint",' then
          counts.complaint = counts.complaint + 1
          if string.sub(issue, -5) ~= 'null}' then linked = linked + 1 end
        elseif issue then
          counts.quality_info = counts.quality_info + 1
        end
      end
    end
    rows[#rows + 1] = '{"id":' .. jstr(id) .. ',"method":' .. v[1] .. ',"planned_kind":' ..
      jstr(v[2]) .. ',"satisfaction":' .. (v[3] or 'null') .. ',"issues":{"complaint":' ..
      counts.complaint .. ',"quality_info":' .. counts.quality_info .. '},"complaints":' ..
      linked .. '}'
  end
end

-- Quality information reported that week (each record once).
local qi, seen = 0, {}
local qi_indexes = {key('qi', 'idx', 'all')}
if SCOPE ~= '*' then
  qi_indexes = {}
  for _, d in ipairs(scope_departments()) do
    qi_indexes[#qi_indexes + 1] = key('qi', 'idx', 'dept', d)
  end
end
if SCOPE == '*' then
  qi = redis.call('ZCOUNT', qi_indexes[1], lo, hi)
  qi_indexes = {}
end
for _, k in ipairs(qi_indexes) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', k, lo, hi, 'LIMIT', 0, MAX_QI)) do
    if not seen[id] then
      seen[id] = true
      qi = qi + 1
    end
  end
end

-- Accounts with a planned visit overdue at the cutoff and still open, the
-- most overdue first.
local accounts, found, count, scanned = {}, {}, 0, 0
local overdue_truncated = false
for _, k in ipairs(indexes('due')) do
  local page = redis.call('ZRANGEBYSCORE', k, '-inf', '(' .. num(as_of * SCALE), 'WITHSCORES',
    'LIMIT', 0, MAX_OVERDUE_SCAN + 1)
  if #page > 2 * MAX_OVERDUE_SCAN then overdue_truncated = true end
  for i = 1, math.min(#page, 2 * MAX_OVERDUE_SCAN), 2 do
    local member, score = page[i], page[i + 1]
    local acc = member
    if string.sub(member, 1, 1) ~= 'A' then acc = redis.call('HGET', pkey(member), 'account') end
    scanned = scanned + 1
    if acc and not accounts[acc] then
      local a = load_account(acc)
      if a and in_scope(a.dept) then
        accounts[acc] = true
        count = count + 1
        found[#found + 1] = {tonumber(score), acc, a, score}
      end
    end
  end
end
-- Several departments' indexes: the most overdue first across all of them.
table.sort(found, function(x, y) return x[1] < y[1] end)
local shown = {}
for i = 1, math.min(#found, OVERDUE_SHOWN) do
  local score, acc, a = found[i][4], found[i][2], found[i][3]
  shown[#shown + 1] = '{"account_id":' .. jstr(acc) .. ',"customer":' .. a.customer ..
    ',"department":' .. jstr(a.dept) .. ',"owner":' .. jstr(a.owner) ..
    ',"oldest_due_day":' .. day_of(score) .. ',"days_overdue":' ..
    (as_of - day_of(score)) .. '}'
end
return ok('{"rows":[' .. table.concat(rows, ',') .. '],"rows_truncated":' ..
  (truncated and 'true' or 'false') .. ',"planned_open":' .. planned_open .. ',"planned_done":' ..
  planned_done .. ',"quality_info":' .. qi ..
  ',"overdue_accounts":[' .. table.concat(shown, ',') .. '],"overdue_count":' .. count ..
  ',"overdue_truncated":' .. (overdue_truncated and 'true' or 'false') .. '}')
