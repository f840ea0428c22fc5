-- The returns created in [from, to) (business-zone instants, ms) that the
-- caller may see, oldest first, as a JSON array of what Stats counts from.
-- ARGV: 3 from ms, 4 to ms.
local MAX_ROWS = 100000
local ids = redis.call('ZRANGEBYSCORE', ikey('created'), ARGV[3], '(' .. ARGV[4])
if #ids > MAX_ROWS then
  return err('RESOURCE_EXHAUSTED', 'more than ' .. MAX_ROWS .. ' returns in the range; narrow it',
    'from')
end
local ROW = {'id', 'status', 'region', 'items', 'settlement', 'rejection', '_region'}
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', rkey(id), unpack(ROW))
  if v[1] and visible({region = v[7] or ''}) then
    local parts = {}
    for i = 1, 6 do parts[#parts + 1] = '"' .. ROW[i] .. '":' .. (v[i] or 'null') end
    out[#out + 1] = '{' .. table.concat(parts, ',') .. '}'
  end
end
return ok('[' .. table.concat(out, ',') .. ']')
