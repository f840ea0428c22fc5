-- sys.OutboxRetry {id} (ARGV[2] = 'retry'): a failed entry (number ARGV[1])
-- is sent again, from attempt one. sys.OutboxDrop {id} (ARGV[2] = 'drop'):
-- a failed entry is removed for good.
local base = NS .. ':outbox:' .. SVC
local n, op, id = ARGV[1], ARGV[2], SVC .. '-' .. ARGV[1]
local k = base .. ':e:' .. n
local created = redis.call('HGET', k, 'created')
if created and redis.call('ZSCORE', base .. ':failed', n) then
  redis.call('ZREM', base .. ':failed', n)
  if op == 'drop' then
    redis.call('DEL', k)
    return ok('{"id":' .. cjson.encode(id) .. ',"state":"dropped"}')
  end
  redis.call('ZADD', base .. ':pending', created, n)
  redis.call('ZADD', base .. ':due', 0, n)
  redis.call('HSET', k, 'attempts', 0)
  redis.call('HDEL', k, 'failed_at')
  OUTBOX_N = 1 -- wakes this replica's relay
  return ok('{"id":' .. cjson.encode(id) .. ',"state":"pending"}')
end
if created and redis.call('ZSCORE', base .. ':pending', n) then
  return err('FAILED_PRECONDITION', 'entry ' .. id .. ' is pending, not failed', 'id')
end
redis.call('ZREM', base .. ':failed', n) -- a stray member without its entry
return err('NOT_FOUND', 'no failed outbox entry ' .. id, 'id')
