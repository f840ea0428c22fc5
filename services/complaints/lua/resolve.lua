-- complaints.Resolve: assigned -> resolved. ARGV: 3 id, 4 expected version,
-- 5 resolution (JSON, resolved_at included), 6 the follow-up's due date.
-- The visits service is asked, through the outbox and in this same script,
-- to schedule the follow-up visit that asks the customer to confirm (with
-- the customer's name and the intake department, in case the customer has
-- no visits account yet).
local id, expected, resolution, followup_on = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local r, e = target(id, expected, {assigned = true})
if not r then return e end
redis.call('ZREM', ikey('due'), id)
move_status(r, 'resolved')
local customer = cjson.decode(redis.call('HGET', ckey(id), 'customer'))
local followup = '{"customer_id":' .. jstr(r.customer) .. ',"complaint_id":' .. jstr(id) ..
  ',"due_on":' .. jstr(followup_on) .. ',"customer_name":' .. jstr(customer.name)
if r.intake ~= '' then followup = followup .. ',"department":' .. jstr(r.intake) end
-- One follow-up per resolution: a reopened complaint resolved again gets another.
followup = followup .. ',"round":' .. (r.reopened or 0)
local entry = outbox('visits', 'visits.ScheduleFollowUp', followup .. '}')
history(id, 'resolve', 'assigned', 'resolved', '{"resolution":' .. resolution ..
  ',"followup":{"due_on":' .. jstr(followup_on) .. ',"outbox":' .. jstr(entry) .. '}}')
return commit(r, {status = '"resolved"', resolution = resolution, _resolved_ms = NOW_MS})
