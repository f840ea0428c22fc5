-- returns.Create: the next id of the business year, the record (built and
-- checked by C: items evaluated, boxes adding up, freight), its first history
-- event, its indexes, and the outbox entry that links it to its complaint
-- (with the customer's id, which complaints.LinkReturn checks against the
-- complaint's, so a return cannot be linked to another customer's complaint).
-- Nothing can fail after the first write.
-- ARGV: 3 year, 4 customer key, 5 region, 6 created ms, 7 box count,
-- 8 complaint id ('' = none), 9 history details, then field/value pairs.
local year, customer, region, created_ms, boxes, complaint_id =
  ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local seq_key = NS .. ':returns:seq:' .. year
local id = string.format('R%s-%06d', year, (tonumber(redis.call('GET', seq_key)) or 0) + 1)
if complaint_id ~= '' then
  outbox('complaints', 'complaints.LinkReturn', '{"id":' .. cjson.encode(complaint_id) ..
    ',"return_id":' .. cjson.encode(id) .. ',"customer_id":' .. cjson.encode(customer) .. '}')
end
redis.call('INCR', seq_key)
local order = redis.call('INCR', NS .. ':returns:order')
local args = {'HSET', rkey(id), 'id', jstr(id), '_order', order, '_created_ms', created_ms,
  '_region', region, '_customer', customer, '_boxes', boxes, '_quota_key', ''}
for i = 10, #ARGV, 2 do
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
redis.call(unpack(args))
redis.call('ZADD', ikey('all'), order, id)
redis.call('ZADD', ikey('status:draft'), order, id)
redis.call('ZADD', ikey('region:' .. region), order, id)
redis.call('ZADD', ikey('customer:' .. customer), order, id)
redis.call('ZADD', ikey('created'), created_ms, id)
history(id, 'create', nil, 'draft', ARGV[9])
return ok(render(id))
