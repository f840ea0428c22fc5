-- visits.Symposium: the user symposium (用户座谈会) and one quality-information
-- record per opinion, routed to the opinion's departments.
-- ARGV: 5 held_on, 6 its day number, 7 chair (JSON), 8 attendees (JSON),
-- 9 each opinion's customer id as JSON text (exact, as C printed it: never
-- decoded here, so an integer id keeps every digit), separated by "\n",
-- 10.. each opinion as JSON text ending in "quality_info_id":null.
local held_on, day = ARGV[5], tonumber(ARGV[6])
local year = string.sub(TODAY, 1, 4)
local id = string.format('S%s-%06d', year, redis.call('INCR', key('symposium', 'seq', year)))
local customers = {}
for c in string.gmatch(ARGV[9], '[^\n]+') do customers[#customers + 1] = c end
local opinions = {}
for i = 10, #ARGV do
  local op = cjson.decode(ARGV[i])
  local qid = qinfo_new('symposium', id, 'null', cjson.encode(op.text),
    cjson.encode(op.departments), op.departments, customers[i - 9] or 'null', nil, day, held_on)
  opinions[#opinions + 1] = fill_last(ARGV[i], jstr(qid))
end
redis.call('HSET', skey(id), 'id', jstr(id), 'held_on', jstr(held_on), 'chair', ARGV[7],
  'attendees', ARGV[8], 'opinions', '[' .. table.concat(opinions, ',') .. ']', 'created_by',
  jstr(ACTOR), 'created_at', jstr(NOW_TEXT), 'version', '1')
return ok(render_hash(skey(id), SYMPOSIUM_FIELDS))
