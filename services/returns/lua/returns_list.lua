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
local items, next_cursor, examined = {}, nil, 0
local upper = cursor and ('(' .. cursor) or '+inf'
local done = false
while not done do
  local batch = redis.call('ZREVRANGEBYSCORE', index, upper, '-inf', 'WITHSCORES', 'LIMIT', 0, 200)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local order = tonumber(batch[i + 1])
    local r = load(batch[i])
    examined = examined + 1
    if r and matches(r) then
      items[#items + 1] = render(r.id)
      if #items >= limit then
        -- Full: is there anything older left to look at?
        local rest = redis.call('ZREVRANGEBYSCORE', index, '(' .. order, '-inf', 'LIMIT', 0, 1)
        if #rest > 0 then next_cursor = order end
        done = true
        break
      end
    end
    upper = '(' .. order
    if examined >= MAX_EXAMINED then
      -- A selective filter over a long history: hand back a partial page.
      local rest = redis.call('ZREVRANGEBYSCORE', index, upper, '-inf', 'LIMIT', 0, 1)
      if #rest > 0 then next_cursor = order end
      done = true
      break
    end
  end
end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and ('"o' .. string.format('%d', next_cursor) .. '"') or 'null') .. '}')
