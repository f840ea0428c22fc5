-- complaints.Hold / complaints.Release: a held complaint is never archived.
-- ARGV: 3 id, 4 expected version, 5 "hold" or "release", 6 reason.
local id, expected, op, reason = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local r, e = target(id, expected, nil)
if not r then return e end
if op == 'hold' then
  if r.held then return err('FAILED_PRECONDITION', 'complaint ' .. id .. ' is already on hold', 'id') end
  if redis.call('SISMEMBER', NS .. ':complaints:archive:pending:ids', id) == 1 then
    return err('FAILED_PRECONDITION', 'complaint ' .. id .. ' is being archived; retry', 'id')
  end
  history(id, 'hold', r.status, r.status, '{"reason":' .. jstr(reason) .. '}')
  return commit(r, {hold = '{"reason":' .. jstr(reason) .. ',"by":' .. jstr(ACTOR) .. ',"at":' ..
    jstr(NOW_TEXT) .. '}'})
end
if not r.held then return err('FAILED_PRECONDITION', 'complaint ' .. id .. ' is not on hold', 'id') end
history(id, 'release', r.status, r.status, '{}')
return commit(r, {hold = 'null'})
