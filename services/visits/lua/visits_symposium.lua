-- visits.Symposium: the user symposium (用户座谈会) and one quality-information
-- record per opinion, routed to the opinion's departments.
-- ARGV: 5 held_on, 6 its day number, 7 chair (JSON), 8 attendees (JSON),
-- 9.. each opinion as JSON text ending in "quality_info_id":null.
local held_on, day = ARGV[5], tonumber(ARGV[6])
local year = string.sub(TODAY, 1, 4)
local id = string.format('S%s-%06d', year, redis.call('INCR', key('symposium', 'seq', year)))
local opinions = {}
for i = 9, #ARGV do
  local op = cjson.decode(ARGV[i])
  local customer = op.customer_id ~= cjson.null and cjson.encode(op.customer_id) or 'null'
  local qid = qinfo_new('symposium', id, 'null', cjson.encode(op.text),
    cjson.encode(op.departments), op.departments, customer, nil, day, held_on)
  opinions[#opinions + 1] = fill_last(ARGV[i], jstr(qid))
end
redis.call('HSET', skey(id), 'id', jstr(id), 'held_on', jstr(held_on), 'chair', ARGV[7],
  'attendees', ARGV[8], 'opinions', '[' .. table.concat(opinions, ',') .. ']', 'created_by',
  jstr(ACTOR), 'created_at', jstr(NOW_TEXT), 'version', '1')
return ok(render_hash(skey(id), SYMPOSIUM_FIELDS))
