-- complaints.Withdraw: received or assigned -> withdrawn.
-- ARGV: 3 id, 4 expected version, 5 reason.
local id, expected, reason = ARGV[3], ARGV[4], ARGV[5]
local r, e = target(id, expected, {received = true, assigned = true})
if not r then return e end
local withdrawal = '{"reason":' .. jstr(reason) .. ',"by":' .. jstr(ACTOR) .. ',"at":' .. jstr(NOW_TEXT) .. '}'
redis.call('ZREM', ikey('due'), id)
redis.call('ZREM', ikey('escalated'), id)
redis.call('ZADD', ikey('closed_at'), NOW_MS, id)
move_status(r, 'withdrawn')
history(id, 'withdraw', r.status, 'withdrawn', '{"reason":' .. jstr(reason) .. '}')
return commit(r, {status = '"withdrawn"', withdrawal = withdrawal, _closed_ms = NOW_MS})
