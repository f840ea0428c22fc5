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

local items, next_cursor, examined = {}, nil, 0
local upper = cursor ~= '' and ('(' .. cursor) or '+inf'
local done = false
while not done do
  local batch = redis.call('ZREVRANGEBYSCORE', index, upper, '-inf', 'WITHSCORES', 'LIMIT', 0, 200)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local id, order = batch[i], batch[i + 1]
    local v = redis.call('HMGET', vkey(id), '_dept', '_day')
    local day = tonumber(v[2] or '')
    examined = examined + 1
    if day and in_scope(v[1]) and (not from_day or day >= from_day) and
        (not to_day or day <= to_day) then
      items[#items + 1] = render_visit(id)
      if #items >= limit then
        local rest = redis.call('ZREVRANGEBYSCORE', index, '(' .. order, '-inf', 'LIMIT', 0, 1)
        if #rest > 0 then next_cursor = order end
        done = true
        break
      end
    end
    upper = '(' .. order
    if examined >= MAX_EXAMINED then
      next_cursor = order
      done = true
      break
    end
  end
end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('o' .. next_cursor) or 'null') .. '}')
