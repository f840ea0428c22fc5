-- complaints.Resolve: assigned -> resolved. ARGV: 3 id, 4 expected version,
-- 5 resolution (JSON, resolved_at included).
local id, expected, resolution = ARGV[3], ARGV[4], ARGV[5]
local r, e = target(id, expected, {assigned = true})
if not r then return e end
redis.call('ZREM', ikey('due'), id)
move_status(r, 'resolved')
history(id, 'resolve', 'assigned', 'resolved', resolution)
return commit(r, {status = '"resolved"', resolution = resolution, _resolved_ms = NOW_MS})
