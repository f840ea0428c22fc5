-- The returns policy every replica uses: publish a validated policy text.
-- ARGV: 1 policy JSON, 2 source (file path), 3 only_if_absent (1/0).
-- Answer: {"version": n, "published": bool}.
local key = NS .. ':returns:policy'
if ARGV[3] == '1' and redis.call('EXISTS', key) == 1 then
  return ok('{"version":' .. redis.call('HGET', key, 'version') .. ',"published":false}')
end
local version = redis.call('HINCRBY', key, 'version', 1)
redis.call('HSET', key, 'text', ARGV[1], 'source', ARGV[2], 'by', ACTOR, 'at_ms', NOW_MS)
return ok('{"version":' .. version .. ',"published":true,"source":' .. cjson.encode(ARGV[2]) .. '}')
