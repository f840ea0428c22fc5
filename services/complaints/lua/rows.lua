-- The complaints received in [from, to) (business-zone instants, ms) that
-- the caller may see, optionally of one assigned department, oldest first,
-- as a JSON array of the fields Ledger, Stats and Report compute from.
-- ARGV: 3 from ms, 4 to ms, 5 department ('' = all).
local MAX_ROWS = 100000
local ids = redis.call('ZRANGEBYSCORE', ikey('received'), ARGV[3], '(' .. ARGV[4])
if #ids > MAX_ROWS then
  return err('RESOURCE_EXHAUSTED', 'more than ' .. MAX_ROWS .. ' complaints in the range; narrow it', 'from')
end
local ROW = {'id', 'received_at', 'customer', 'product', 'category', 'severity', 'department',
  'status', 'due_at', 'resolution', 'confirmation', 'reopened', 'closed_at', 'title',
  '_received_ms', '_due_ms', '_resolved_ms', '_dept', '_intake'}
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', ckey(id), unpack(ROW))
  if v[1] and (SCOPE == '*' or visible({dept = v[18] or '', intake = v[19] or ''})) and
     (ARGV[5] == '' or v[18] == ARGV[5]) then
    local parts = {}
    for i = 1, 14 do parts[#parts + 1] = '"' .. ROW[i] .. '":' .. (v[i] or 'null') end
    for i = 15, 17 do
      parts[#parts + 1] = '"' .. string.sub(ROW[i], 2) .. '":' .. ((v[i] and v[i] ~= '') and v[i] or 'null')
    end
    out[#out + 1] = '{' .. table.concat(parts, ',') .. '}'
  end
end
return ok('[' .. table.concat(out, ',') .. ']')
