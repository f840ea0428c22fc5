-- visits.ListQualityInfo: newest first (by the date reported, then by
-- creation), paged by score. ARGV: 5 department filter, 6 lowest score,
-- 7 highest score (exclusive; '' = none), 8 cursor score (exclusive; '' =
-- start), 9 limit.
local dept, lo, hi, cursor, limit = ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])
local MAX_EXAMINED = 1000
local index = dept ~= '' and key('qi', 'idx', 'dept', dept) or key('qi', 'idx', 'all')
local upper = cursor ~= '' and ('(' .. cursor) or (hi ~= '' and ('(' .. hi) or '+inf')
if cursor ~= '' and hi ~= '' and tonumber(hi) <= tonumber(cursor) then upper = '(' .. hi end
local items, next_cursor = page_desc(index, upper, lo, limit, MAX_EXAMINED, function(id)
  if qinfo_visible(id) then return render_hash(qkey(id), QI_FIELDS) end
end)
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('q' .. next_cursor) or 'null') .. '}')
