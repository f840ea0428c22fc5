-- visits.ScheduleFollowUp: the follow-up visit of a resolved complaint, once
-- per complaint and round (a second call answers the same planned visit; a
-- complaint reopened and resolved again is round 1, 2, ... and gets a new
-- one). The only script that binds a planned visit to a complaint (field
-- `complaint`, which makes its Record confirm the complaint) and that
-- writes the followup:<complaint> keys. It goes to the customer's first
-- active account with a routine plan, else its first active follow-up-only
-- account of the complaint's department (whose staff confirm it); a
-- customer with neither gets a follow-up-only account of that department
-- (no routine plan), so no follow-up is ever lost or handed to another
-- department.
-- ARGV: 5 customer key, 6 complaint id (checked by the caller), 7 due_on,
-- 8 its day number, 9 customer (JSON) for a new account, 10 its department
-- ('' = none), 11 the round.
local ck, complaint = ARGV[5], ARGV[6]
local once = ARGV[11] == '0' and key('followup', complaint) or
  key('followup', complaint .. '#' .. ARGV[11])
local existing = redis.call('GET', once)
if existing then
  local acc = redis.call('HGET', pkey(existing), 'account')
  return ok(render_plan(existing, load_account(acc)))
end
local a, followup_only
for _, id in ipairs(redis.call('ZRANGE', key('customer', ck), 0, -1)) do
  local c = load_account(id)
  if c and c.active then
    if c.routine then
      a = c
      break
    end
    if c.dept == ARGV[10] then followup_only = followup_only or c end
  end
end
a = a or followup_only
if not a then
  local id = account_new({customer = ARGV[9], project = 'null', delivered_on = 'null',
    department = jstr(ARGV[10]), owner = 'null'}, ARGV[10], '', ck, '', false)
  a = load_account(id)
end
local pid = plan_new(a, 'followup', ARGV[7], tonumber(ARGV[8]), complaint, complaint)
redis.call('SET', once, pid)
return ok(render_plan(pid, a))
