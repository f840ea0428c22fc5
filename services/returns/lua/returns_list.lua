-- returns.List: newest first, paged by the global insertion order, so a page
-- never repeats or skips a return that existed when paging began.
-- ARGV: 3 status, 4 customer, 5 region, 6 created from ms, 7 created to ms
-- (exclusive), 8 cursor (an order number, exclusive; '' = start), 9 limit.
local status, customer, region = ARGV[3], ARGV[4], ARGV[5]
local from_ms, to_ms = tonumber(ARGV[6]), tonumber(ARGV[7])
local cursor, limit = tonumber(ARGV[8]), tonumber(ARGV[9])
-- A call examines at most this many records, so that no List holds Redis
-- for long; a selective filter over a long history pages on from there.
local MAX_EXAMINED = 1000

-- A region the caller cannot see has nothing for it: answer at once, so
-- that neither the time taken nor next_cursor says how many it holds.
if region ~= '' and not in_scope(region) then
  return ok('{"items":[],"next_cursor":null}')
end

local function matches(r)
  if not visible(r) then return false end
  if status ~= '' and r.status ~= status then return false end
  if customer ~= '' and r.customer ~= customer then return false end
  if region ~= '' and r.region ~= region then return false end
  if from_ms and r.created_ms < from_ms then return false end
  if to_ms and r.created_ms >= to_ms then return false end
  return true
end

-- Walk the smallest index that every match must be in.
local index, size = ikey('all'), nil
for _, name in ipairs({status ~= '' and 'status:' .. status,
    customer ~= '' and 'customer:' .. customer, region ~= '' and 'region:' .. region}) do
  if name then
    local n = redis.call('ZCARD', ikey(name))
    if not size or n < size then index, size = ikey(name), n end
  end
end
local items, next_cursor = page_desc(index, cursor and ('(' .. cursor) or '+inf', '-inf', limit,
  MAX_EXAMINED, function(id)
    local r = load(id)
    return r and matches(r) and render(id) or nil
  end)
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and ('"o' .. string.format('%d', tonumber(next_cursor)) .. '"') or 'null') .. '}')
