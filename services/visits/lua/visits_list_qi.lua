-- visits.ListQualityInfo: newest first (by the date reported, then by
-- creation), paged by score. ARGV: 5 department filter, 6 lowest score,
-- 7 highest score (exclusive; '' = none), 8 cursor score (exclusive; '' =
-- start), 9 limit.
local dept, lo, hi, cursor, limit = ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])
local MAX_EXAMINED = 1000
local index = dept ~= '' and key('qi', 'idx', 'dept', dept) or key('qi', 'idx', 'all')
local items, next_cursor, examined = {}, nil, 0
local upper = cursor ~= '' and ('(' .. cursor) or (hi ~= '' and ('(' .. hi) or '+inf')
if cursor ~= '' and hi ~= '' and tonumber(hi) <= tonumber(cursor) then upper = '(' .. hi end
local done = false
while not done do
  local batch = redis.call('ZREVRANGEBYSCORE', index, upper, lo, 'WITHSCORES', 'LIMIT', 0, 200)
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    examined = examined + 1
    if qinfo_visible(id) then
      items[#items + 1] = render_hash(qkey(id), QI_FIELDS)
      if #items >= limit then
        local rest = redis.call('ZREVRANGEBYSCORE', index, '(' .. score, lo, 'LIMIT', 0, 1)
        if #rest > 0 then next_cursor = score end
        done = true
        break
      end
    end
    upper = '(' .. score
    if examined >= MAX_EXAMINED then
      next_cursor = score
      done = true
      break
    end
  end
end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('q' .. next_cursor) or 'null') .. '}')
