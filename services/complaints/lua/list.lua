-- complaints.List: newest first, paged by the global insertion order, so a
-- page never repeats or skips a record that existed when paging began.
-- ARGV: 3 status, 4 department, 5 customer, 6 category, 7 severity,
-- 8 overdue (1/''), 9 due_soon (1/''), 10 received from ms, 11 received to ms
-- (exclusive), 12 cursor (an order number, exclusive; '' = start), 13 limit.
local status, dept, customer, category, severity = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local overdue, due_soon = ARGV[8] == '1', ARGV[9] == '1'
local from_ms, to_ms = tonumber(ARGV[10]), tonumber(ARGV[11])
local cursor, limit = tonumber(ARGV[12]), tonumber(ARGV[13])
-- A call examines at most this many records, so that no List holds Redis
-- for long; a selective filter over a long history pages on from there.
local MAX_EXAMINED = 1000

local function matches(r)
  if not visible(r) then return false end
  if status ~= '' and r.status ~= status then return false end
  if dept ~= '' and r.dept ~= dept then return false end
  if customer ~= '' and r.customer ~= customer then return false end
  if category ~= '' and r.category ~= category then return false end
  if severity ~= '' and r.severity ~= severity then return false end
  if from_ms and r.received_ms < from_ms then return false end
  if to_ms and r.received_ms >= to_ms then return false end
  if overdue or due_soon then
    if r.status ~= 'assigned' or not r.due_ms then return false end
    if overdue and not (r.due_ms < NOW_MS) then return false end
    if due_soon and not (r.due_ms >= NOW_MS and r.due_ms <= NOW_MS + DAY_MS) then return false end
  end
  return true
end

local items, next_cursor = {}, nil
local function take(r)
  items[#items + 1] = render(r.id)
  return #items >= limit
end

if overdue or due_soon then
  -- Few complaints are near their deadline: take them from the due index
  -- and order them like every other page.
  local lo, hi = '-inf', '(' .. NOW_MS
  if due_soon then lo, hi = NOW_MS, NOW_MS + DAY_MS end
  if overdue and due_soon then lo, hi = 1, 0 end
  local rs = {}
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', ikey('due'), lo, hi)) do
    local r = load(id)
    if r and (not cursor or r.order < cursor) and matches(r) then rs[#rs + 1] = r end
  end
  table.sort(rs, function(a, b) return a.order > b.order end)
  for i, r in ipairs(rs) do
    if take(r) then
      if i < #rs then next_cursor = r.order end
      break
    end
  end
else
  -- Walk the smallest index that every match must be in.
  local index, size = ikey('all'), nil
  for _, name in ipairs({status ~= '' and 'status:' .. status, dept ~= '' and 'dept:' .. dept,
      customer ~= '' and 'customer:' .. customer, category ~= '' and 'category:' .. category,
      severity ~= '' and 'severity:' .. severity}) do
    if name then
      local n = redis.call('ZCARD', ikey(name))
      if not size or n < size then index, size = ikey(name), n end
    end
  end
  local upper = cursor and ('(' .. cursor) or '+inf'
  local page, after = page_desc(index, upper, '-inf', limit, MAX_EXAMINED, function(id)
    local r = load(id)
    return r and matches(r) and render(id) or nil
  end)
  items, next_cursor = page, after and tonumber(after)
end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and ('"o' .. string.format('%d', next_cursor) .. '"') or 'null') .. '}')
