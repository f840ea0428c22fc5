-- visits.Due: open planned visits due before a cutoff, earliest (most
-- overdue) first, from the due indexes — one entry per open planned visit
-- (an account's routine plan is one entry: its next visit). Only indexes
-- whose every entry the caller may see are read: the global one for the
-- all-department roles, else the index of each department in scope (merged),
-- or of the one `department` asked for. So a cursor is the score of an item
-- returned or of a visible one a filter (owner) skipped, never of another
-- department's. Each index is read for at most MAX_EXAMINED entries.
-- ARGV: 5 the `on` date, 6 its day number, 7 cutoff score (exclusive),
-- 8 department filter, 9 owner filter, 10 cursor score ('' = start), 11 limit.
local on, on_day, cutoff = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local dept, owner, cursor, limit = ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11])
local MAX_EXAMINED = 2000

local indexes = {}
if dept ~= '' then
  if in_scope(dept) then indexes = {key('due', 'dept', dept)} end
elseif SCOPE == '*' then
  indexes = {key('due')}
else
  for _, d in ipairs(scope_departments()) do indexes[#indexes + 1] = key('due', 'dept', d) end
end

local per_index = math.max(200, math.floor(MAX_EXAMINED / math.max(#indexes, 1)))
local page, next_cursor = merge_page(indexes, false, cursor ~= '' and ('(' .. cursor) or '-inf',
  '(' .. cutoff, limit, per_index, function(member, score)
    local a, kind, ref, due, pid, complaint
    if string.sub(member, 1, 1) == 'A' then
      a = load_account(member)
      if a then kind, due, pid = 'routine', a.plan_due, routine_id(a) end
    else
      local p = redis.call('HMGET', pkey(member), 'account', 'kind', 'ref', 'due_on', 'complaint')
      a = p[1] and load_account(p[1])
      kind, ref, due, pid, complaint = p[2], p[3], p[4], member, p[5]
    end
    if not (a and in_scope(a.dept) and (owner == '' or a.owner == owner) and
        (dept == '' or a.dept == dept)) then
      return nil
    end
    local late = on_day - day_of(score)
    return '{"id":' .. jstr(pid) .. ',"account_id":' .. jstr(a.id) .. ',"customer":' ..
      a.customer .. ',"department":' .. jstr(a.dept) .. ',"owner":' .. jstr(a.owner) ..
      ',"due_on":' .. jstr(due) .. ',"kind":' .. jstr(kind) .. ',"ref":' .. jstr(ref) ..
      ',"complaint_id":' .. jstr(complaint) .. ',"overdue":' .. (late > 0 and 'true' or 'false') ..
      ',"days_overdue":' .. (late > 0 and late or 0) .. '}'
  end)
local items = {}
for _, row in ipairs(page) do items[#items + 1] = row[3] end
return ok('{"on":' .. jstr(on) .. ',"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('d' .. next_cursor) or 'null') .. '}')
