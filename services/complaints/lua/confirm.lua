-- complaints.Confirm: the customer's verdict. Satisfied: resolved -> closed.
-- Not: back to assigned, reopened + 1, a new due date by severity from now.
-- ARGV: 3 id, 4 expected version, 5 satisfied (1/0), 6 confirmation (JSON),
-- 7.. due candidates (critical, major, minor).
local id, expected, satisfied, confirmation = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local r, e = target(id, expected, {resolved = true})
if not r then return e end
if satisfied == '1' then
  redis.call('ZREM', ikey('escalated'), id)
  redis.call('ZADD', ikey('closed_at'), NOW_MS, id)
  move_status(r, 'closed')
  history(id, 'confirm', 'resolved', 'closed', confirmation)
  return commit(r, {status = '"closed"', confirmation = confirmation, closed_at = jstr(NOW_TEXT),
    _closed_ms = NOW_MS})
end
local due_text, due_ms = due_by_severity(r.severity, 7)
local previous = redis.call('HGET', ckey(id), 'resolution') or 'null'
redis.call('ZADD', ikey('due'), due_ms, id)
redis.call('HDEL', ckey(id), '_resolved_ms')
move_status(r, 'assigned')
history(id, 'reopen', 'resolved', 'assigned', '{"confirmation":' .. confirmation ..
  ',"previous_resolution":' .. previous .. ',"due_at":' .. jstr(due_text) .. '}')
return commit(r, {status = '"assigned"', confirmation = confirmation, resolution = 'null',
  reopened = tostring(r.reopened + 1), due_at = jstr(due_text), _due_ms = due_ms})
