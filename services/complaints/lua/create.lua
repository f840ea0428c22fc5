-- complaints.Create: assign the next id of the year, store the record, its
-- first history entry and its indexes. Nothing here can fail after the
-- first write.
-- ARGV: year, record JSON without id, customer id, escalated (1/0), history entry
local year, record, customer, escalated, history = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local seq = redis.call('INCR', NS .. ':complaints:seq:' .. year)
local id = string.format('C%s-%06d', year, seq)
local key = NS .. ':complaint:' .. id
local rec = '{"id":"' .. id .. '",' .. string.sub(record, 2)
redis.call('SET', key, rec)
redis.call('RPUSH', key .. ':history', history)
-- One global order number makes every index page stably, newest first.
local order = redis.call('INCR', NS .. ':complaints:order')
redis.call('ZADD', NS .. ':complaints:idx:all', order, id)
redis.call('ZADD', NS .. ':complaints:idx:status:received', order, id)
redis.call('ZADD', NS .. ':complaints:idx:customer:' .. customer, order, id)
if escalated == '1' then
  redis.call('ZADD', NS .. ':complaints:idx:escalated', order, id)
end
return ok(rec)
