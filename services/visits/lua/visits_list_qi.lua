-- visits.ListQualityInfo: newest first (by the date reported, then by
-- creation), paged by score. ARGV: 5 department filter, 6 lowest score,
-- 7 highest score (exclusive; '' = none), 8 cursor score (exclusive; '' =
-- start), 9 limit.
local dept, lo, hi, cursor, limit = ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])
local MAX_EXAMINED = 1000
-- The indexes hold only what the caller may see: for staff, what was passed
-- to one of their departments or reported by one of them, never the global
-- index (whose cursors would reveal other departments' records).
local indexes = {}
if SCOPE == '*' then
  indexes = {dept ~= '' and key('qi', 'idx', 'dept', dept) or key('qi', 'idx', 'all')}
elseif dept ~= '' and in_scope(dept) then
  indexes = {key('qi', 'idx', 'dept', dept)}
else
  -- (with a filter outside their scope, the match below keeps what was
  -- passed to that department as well)
  for _, d in ipairs(scope_departments()) do
    indexes[#indexes + 1] = key('qi', 'idx', 'dept', d)
    indexes[#indexes + 1] = key('qi', 'idx', 'from', d)
  end
end
local upper = cursor ~= '' and ('(' .. cursor) or (hi ~= '' and ('(' .. hi) or '+inf')
if cursor ~= '' and hi ~= '' and tonumber(hi) <= tonumber(cursor) then upper = '(' .. hi end
local per_index = math.max(50, math.floor(MAX_EXAMINED / math.max(#indexes, 1)))
local page, next_cursor = merge_page(indexes, true, upper, lo, limit, per_index, function(id)
  local v = redis.call('HMGET', qkey(id), '_depts')
  if not v[1] then return nil end
  if dept ~= '' and not string.find('\n' .. v[1] .. '\n', '\n' .. dept .. '\n', 1, true) then
    return nil
  end
  if qinfo_visible(id) then return true end
  return nil
end)
local items = {}
for _, row in ipairs(page) do items[#items + 1] = render_hash(qkey(row[1]), QI_FIELDS) end
return ok('{"items":[' .. table.concat(items, ',') .. '],"next_cursor":' ..
  (next_cursor and jstr('q' .. next_cursor) or 'null') .. '}')
