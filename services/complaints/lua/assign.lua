-- complaints.Assign: received -> assigned, or a transfer (assigned ->
-- assigned, with a reason). ARGV: 3 id, 4 expected version, 5 department,
-- 6 owner (JSON), 7 due text, 8 due ms ('' = default by severity),
-- 9 reason, 10.. due candidates (critical, major, minor).
local id, expected, dept, owner, due_text, due_ms, reason =
  ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local r, e = target(id, expected, {received = true, assigned = true})
if not r then return e end
local transfer = r.status == 'assigned'
if transfer and reason == '' then
  return err('INVALID_ARGUMENT', 'params.reason: required to transfer an assigned complaint', 'reason')
end
if due_text == '' then due_text, due_ms = due_by_severity(r.severity, 10) end
if r.dept ~= '' then redis.call('ZREM', ikey('dept:' .. r.dept), id) end
redis.call('ZADD', ikey('dept:' .. dept), r.order, id)
redis.call('ZADD', ikey('due'), due_ms, id)
if not transfer then move_status(r, 'assigned') end
history(id, transfer and 'transfer' or 'assign', r.status, 'assigned',
  '{"department":' .. jstr(dept) .. ',"from_department":' .. jstr(r.dept) .. ',"owner":' ..
  owner .. ',"due_at":' .. jstr(due_text) .. ',"reason":' .. jstr(reason) .. '}')
return commit(r, {status = '"assigned"', department = jstr(dept), owner = owner,
  due_at = jstr(due_text), _dept = dept, _due_ms = due_ms})
