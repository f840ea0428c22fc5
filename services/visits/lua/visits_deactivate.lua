-- visits.Deactivate: the plan stops. The routine visit and the scheduled
-- visits are cancelled; open follow-ups of complaints (those
-- visits.ScheduleFollowUp made) stay open (the customer was promised one),
-- and Record may still close them by naming them.
-- ARGV: 5 account id.
local a, e = account_target(ARGV[5])
if not a then return e end
if not a.active then
  return err('FAILED_PRECONDITION', 'account ' .. a.id .. ' is already deactivated', 'account_id')
end
for _, pid in ipairs(redis.call('ZRANGE', akey(a.id) .. ':open', 0, -1)) do
  if pid == 'R' then
    plan_close(a, 'R')
  elseif not plan_complaint(pid) then
    plan_close(a, pid)
    redis.call('HSET', pkey(pid), 'status', 'cancelled')
  end
end
redis.call('ZREM', key('accounts', 'active'), a.id)
touch(akey(a.id), a.version, {active = 'false', _active = '0', deactivated_at = jstr(NOW_TEXT),
  _plan_n = '0', _plan_due = '', _plan_score = ''})
return ok(render_account(a.id))
