-- visits.Due: open planned visits due on or before a cutoff, earliest (most
-- overdue) first, from the due index — one entry per open planned visit (an
-- account's routine plan is one entry: its next visit), so the call reads
-- only what it returns plus what filters skip, at most MAX_EXAMINED.
-- ARGV: 5 the `on` date, 6 its day number, 7 cutoff score (exclusive),
-- 8 department filter, 9 owner filter, 10 cursor score ('' = start), 11 limit.
local on, on_day, cutoff = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local dept, owner, cursor, limit = ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11])
local MAX_EXAMINED = 2000

local function single_scope()
  if SCOPE == '*' or string.find(SCOPE, '\n', 1, true) then return nil end
  return SCOPE
end

local items, next_cursor, examined = {}, nil, 0
local index = key('due')
if dept ~= '' then
  index = key('due', 'dept', dept)
elseif single_scope() then
  index = key('due', 'dept', single_scope())
end
if dept ~= '' and not in_scope(dept) then
  return ok('{"on":' .. jstr(on) .. ',"items":[],"next_cursor":null}')
end

local lower = cursor ~= '' and ('(' .. cursor) or '-inf'
local done = false
while not done do
  local batch = redis.call('ZRANGEBYSCORE', index, lower, '(' .. cutoff, 'WITHSCORES', 'LIMIT', 0,
    200)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local member, score = batch[i], batch[i + 1]
    local a, kind, ref, due, pid
    if string.sub(member, 1, 1) == 'A' then
      a = load_account(member)
      if a then kind, due, pid = 'routine', a.plan_due, routine_id(a) end
    else
      local p = redis.call('HMGET', pkey(member), 'account', 'kind', 'ref', 'due_on')
      a = p[1] and load_account(p[1])
      kind, ref, due, pid = p[2], p[3], p[4], member
    end
    examined = examined + 1
    if a and in_scope(a.dept) and (owner == '' or a.owner == owner) and
        (dept == '' or a.dept == dept) then
      local late = on_day - day_of(score)
      items[#items + 1] = '{"id":' .. jstr(pid) .. ',"account_id":' .. jstr(a.id) ..
        ',"customer":' .. a.customer .. ',"department":' .. jstr(a.dept) .. ',"owner":' ..
        jstr(a.owner) .. ',"due_on":' .. jstr(due) .. ',"kind":' .. jstr(kind) .. ',"ref":' ..
        jstr(ref) .. ',"overdue":' .. (late > 0 and 'true' or 'false') .. ',"days_overdue":' ..
        (late > 0 and late or 0) .. '}'
      if #items >= limit then
        local rest = redis.call('ZRANGEBYSCORE', index, '(' .. score, '(' .. cutoff, 'LIMIT', 0, 1)
        if #rest > 0 then next_cursor = score end
        done = true
        break
      end
    end
    lower = '(' .. score
    if examined >= MAX_EXAMINED then
      next_cursor = score -- a selective filter: a partial page, go on from here
      done = true
      break
    end
  end
end
return ok('{"on":' .. jstr(on) .. ',"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('d' .. next_cursor) or 'null') .. '}')
