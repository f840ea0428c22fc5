-- One step of returns.Stats: the next returns created in [from, to)
-- (business-zone instants, ms) in creation order, as what Stats counts from.
-- A step examines at most `batch` returns and stops after about 1 MiB of
-- rows, so none holds Redis for long; the caller steps on from `next`.
-- ARGV: 3 from ms, 4 to ms (exclusive), 5 cursor (the last id the previous
-- step examined; '' = start), 6 batch.
-- Answer: {"rows": [{id, status, region, items, settlement, rejection}],
-- "next": id or null when the range is done}. Rows of returns the caller may
-- not see are left out; items and settlement come only with a settled
-- return, rejection only with a rejected one.
local index = ikey('created')
local from_ms, to_ms, cursor, batch = ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local MAX_BYTES = 1048576

-- Members order by (created ms, id) and are never removed, so the rank of
-- the last one examined says where to go on, however many were added since.
local start
if cursor == '' then
  start = redis.call('ZCOUNT', index, '-inf', '(' .. from_ms)
else
  local rank = redis.call('ZRANK', index, cursor)
  if not rank then
    return err('ABORTED', 'return ' .. cursor .. ' left the index while counting; try again',
      'from')
  end
  start = rank + 1
end
local page = redis.call('ZRANGE', index, start, start + batch - 1, 'WITHSCORES')
local ROW = {'id', 'status', 'region', 'items', 'settlement', 'rejection', '_region'}
local out, bytes = {}, 0
-- Where the next step goes on: a full page may have more after it; a short
-- one is the end of the index.
local next_id = #page == 2 * batch and page[#page - 1] or nil
for i = 1, #page, 2 do
  local id = page[i]
  if tonumber(page[i + 1]) >= to_ms then
    next_id = nil -- past the range
    break
  end
  local v = redis.call('HMGET', rkey(id), unpack(ROW))
  if v[1] and visible({region = v[7] or ''}) then
    local settled, rejected = v[2] == '"settled"', v[2] == '"rejected"'
    local row = '{"id":' .. v[1] .. ',"status":' .. (v[2] or 'null') .. ',"region":' ..
      (v[3] or 'null') .. ',"items":' .. (settled and v[4] or 'null') .. ',"settlement":' ..
      (settled and v[5] or 'null') .. ',"rejection":' .. (rejected and v[6] or 'null') .. '}'
    out[#out + 1] = row
    bytes = bytes + #row
    if bytes >= MAX_BYTES and i + 1 < #page then
      next_id = id -- enough for one step; the rest of the page comes next
      break
    end
  end
end
return ok('{"rows":[' .. table.concat(out, ',') .. '],"next":' .. jstr(next_id) .. '}')
