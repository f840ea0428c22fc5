-- visits.Schedule: one more planned visit for an active account. A follow-up
-- whose ref is a complaint id is the complaint's one follow-up (the same
-- index ScheduleFollowUp keeps): a second is ALREADY_EXISTS.
-- ARGV: 5 account id, 6 due_on, 7 its day number, 8 kind, 9 ref ('' = none).
local a, e = account_target(ARGV[5])
if not a then return e end
if not a.active then
  return err('FAILED_PRECONDITION', 'account ' .. a.id .. ' is deactivated', 'account_id')
end
local kind, ref = ARGV[8], ARGV[9]
local complaint = kind == 'followup' and string.match(ref, '^C%d%d%d%d%-%d+$')
if complaint then
  local existing = redis.call('GET', key('followup', ref))
  if existing then
    return err('ALREADY_EXISTS', 'complaint ' .. ref .. ' already has follow-up ' .. existing, 'ref')
  end
end
local pid = plan_new(a, kind, ARGV[6], tonumber(ARGV[7]), ref)
if complaint then redis.call('SET', key('followup', ref), pid) end
touch(akey(a.id), a.version)
return ok(render_plan(pid, a))
