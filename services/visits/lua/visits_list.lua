-- visits.List: visit records, newest first, paged by the global insertion
-- order, so a page never repeats or skips a record that existed when paging
-- began. ARGV: 5 account id, 6 customer key, 7 first day number, 8 last day
-- number ('' = open ends), 9 cursor (an order number, exclusive; '' = start),
-- 10 limit.
local account, customer = ARGV[5], ARGV[6]
local from_day, to_day = tonumber(ARGV[7]), tonumber(ARGV[8])
local cursor, limit = ARGV[9], tonumber(ARGV[10])
local MAX_EXAMINED = 1000

local index = key('idx', 'all')
if account ~= '' then
  local a, e = account_target(account)
  if not a then return e end
  index = key('idx', 'account', account)
elseif customer ~= '' then
  index = key('idx', 'customer', customer)
elseif SCOPE ~= '*' and not string.find(SCOPE, '\n', 1, true) then
  index = key('idx', 'dept', SCOPE)
end

local items, next_cursor = page_desc(index, cursor ~= '' and ('(' .. cursor) or '+inf', '-inf',
  limit, MAX_EXAMINED, function(id)
    local v = redis.call('HMGET', vkey(id), '_dept', '_day')
    local day = tonumber(v[2] or '')
    if day and in_scope(v[1]) and (not from_day or day >= from_day) and
        (not to_day or day <= to_day) then
      return render_visit(id)
    end
  end)
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('o' .. next_cursor) or 'null') .. '}')
