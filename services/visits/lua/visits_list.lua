-- visits.List: visit records, newest first, paged by the global insertion
-- order, so a page never repeats or skips a record that existed when paging
-- began. Only indexes whose every record the caller may see are read (and
-- merged): the account's; for a customer, its index for the all-department
-- roles, else the index of each of the customer's accounts in scope; without
-- a filter, the global index for the all-department roles, else the index of
-- each department in scope. So a cursor is the order of a record returned or
-- of a visible one the dates filtered out, never of one out of scope.
-- ARGV: 5 account id, 6 customer key, 7 first day number, 8 last day number
-- ('' = open ends), 9 cursor (an order number, exclusive; '' = start),
-- 10 limit.
local account, customer = ARGV[5], ARGV[6]
local from_day, to_day = tonumber(ARGV[7]), tonumber(ARGV[8])
local cursor, limit = ARGV[9], tonumber(ARGV[10])
local MAX_EXAMINED = 1000

local indexes = {}
if account ~= '' then
  local a, e = account_target(account)
  if not a then return e end
  indexes = {key('idx', 'account', account)}
elseif customer ~= '' and SCOPE == '*' then
  indexes = {key('idx', 'customer', customer)}
elseif customer ~= '' then
  for _, id in ipairs(redis.call('ZRANGE', key('customer', customer), 0, -1)) do
    local a = load_account(id)
    if a and in_scope(a.dept) then indexes[#indexes + 1] = key('idx', 'account', id) end
  end
elseif SCOPE == '*' then
  indexes = {key('idx', 'all')}
else
  for _, d in ipairs(scope_departments()) do indexes[#indexes + 1] = key('idx', 'dept', d) end
end

-- At most MAX_EXAMINED in all, however many accounts the customer has (at
-- least one per index, so each call moves on).
local per_index = math.max(1, math.floor(MAX_EXAMINED / math.max(#indexes, 1)))
local page, next_cursor = merge_page(indexes, true, cursor ~= '' and ('(' .. cursor) or '+inf',
  '-inf', limit, per_index, function(id)
    local v = redis.call('HMGET', vkey(id), '_dept', '_day')
    local day = tonumber(v[2] or '')
    if day and in_scope(v[1]) and (not from_day or day >= from_day) and
        (not to_day or day <= to_day) then
      return true
    end
    return nil
  end)
local items = {}
for _, row in ipairs(page) do items[#items + 1] = render_visit(row[1]) end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('o' .. next_cursor) or 'null') .. '}')
