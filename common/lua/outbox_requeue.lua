-- sys.OutboxRetry {id}: a failed entry ARGV[1] (its number) is sent again,
-- from attempt one.
local base = NS .. ':outbox:' .. SVC
local n, id = ARGV[1], SVC .. '-' .. ARGV[1]
if redis.call('ZSCORE', base .. ':failed', n) then
  local created = redis.call('HGET', base .. ':e:' .. n, 'created')
  redis.call('ZREM', base .. ':failed', n)
  redis.call('ZADD', base .. ':pending', created, n)
  redis.call('ZADD', base .. ':due', 0, n)
  redis.call('HSET', base .. ':e:' .. n, 'attempts', 0)
  redis.call('HDEL', base .. ':e:' .. n, 'failed_at')
  OUTBOX_N = 1 -- wakes this replica's relay
  return ok('{"id":' .. cjson.encode(id) .. ',"state":"pending"}')
end
if redis.call('ZSCORE', base .. ':pending', n) then
  return err('FAILED_PRECONDITION', 'entry ' .. id .. ' is pending, not failed', 'id')
end
return err('NOT_FOUND', 'no outbox entry ' .. id, 'id')
