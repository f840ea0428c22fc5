-- visits.Schedule: one more planned visit for an active account. `ref` is a
-- note of what it is about; a `followup` made here is bound to no complaint
-- (only visits.ScheduleFollowUp makes those), so recording it confirms
-- nothing, whatever `ref` says.
-- ARGV: 5 account id, 6 due_on, 7 its day number, 8 kind, 9 ref ('' = none).
local a, e = account_target(ARGV[5])
if not a then return e end
if not a.active then
  return err('FAILED_PRECONDITION', 'account ' .. a.id .. ' is deactivated', 'account_id')
end
local pid = plan_new(a, ARGV[8], ARGV[6], tonumber(ARGV[7]), ARGV[9])
touch(akey(a.id), a.version)
return ok(render_plan(pid, a))
