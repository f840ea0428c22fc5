-- The outbox hook "visit_complaint": complaints.Create acknowledged a
-- complaint raised on a visit; its id goes onto the visit's issue. Runs on
-- its own (not after visits_lib.lua). Idempotent: an issue that has its id
-- already is left alone. ARGV: 1 "<visit id> <issue index>", 2 the result.
local vid, i = string.match(ARGV[1] or '', '^(%S+) (%d+)$')
if not vid then return err('INVALID_ARGUMENT', 'bad hook context', 'ctx') end
local k = NS .. ':visit:' .. vid
local text = redis.call('HGET', k, 'issue:' .. i)
local decoded, result = pcall(cjson.decode, ARGV[2] or '')
local cid = decoded and type(result) == 'table' and type(result.id) == 'string' and result.id
local tail = ',"complaint_id":null}'
if text and cid and string.sub(text, -#tail) == tail then
  redis.call('HSET', k, 'issue:' .. i, string.sub(text, 1, -6) .. cjson.encode(cid) .. '}')
  redis.call('HINCRBY', k, 'version', 1)
end
return ok('{"visit_id":' .. cjson.encode(vid) .. ',"complaint_id":' ..
  (cid and cjson.encode(cid) or 'null') .. '}')
