-- complaints.Create: the next id of the business year, the record, its
-- first history event and its indexes. Nothing can fail after the first write.
-- ARGV: 3 year, 4 customer key, 5 intake department, 6 received ms,
-- 7 escalated (1/0), 8 history details, then field/value pairs.
local year, customer, intake, received_ms = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local id = string.format('C%s-%06d', year, redis.call('INCR', NS .. ':complaints:seq:' .. year))
local order = redis.call('INCR', NS .. ':complaints:order')
local args = {'HSET', ckey(id), 'id', jstr(id), '_order', order, '_received_ms', received_ms,
  '_intake', intake, '_customer', customer, '_dept', ''}
for i = 9, #ARGV, 2 do
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
redis.call(unpack(args))
redis.call('ZADD', ikey('all'), order, id)
redis.call('ZADD', ikey('status:received'), order, id)
redis.call('ZADD', ikey('intake:' .. intake), order, id)
redis.call('ZADD', ikey('customer:' .. customer), order, id)
local kind = redis.call('HMGET', ckey(id), 'category', 'severity')
redis.call('ZADD', ikey('category:' .. cjson.decode(kind[1])), order, id)
redis.call('ZADD', ikey('severity:' .. cjson.decode(kind[2])), order, id)
redis.call('ZADD', ikey('received'), received_ms, id)
if ARGV[7] == '1' then redis.call('ZADD', ikey('escalated'), order, id) end
history(id, 'create', nil, 'received', ARGV[8])
return ok(render(id))
