-- returns.Approve (submitted -> approved) and returns.Reject (submitted ->
-- rejected; the monthly quota slot is given back).
-- ARGV: 3 id, 4 expected version, 5 "approve" or "reject", 6 by, 7 note or reason.
local r, e = target(ARGV[3], ARGV[4], {submitted = true})
if not r then return e end
if ARGV[5] == 'approve' then
  local approval = stamp(ARGV[6], 'note', ARGV[7])
  return transition(r, 'approved', 'approve', {approval = approval}, approval)
end
local rejection = stamp(ARGV[6], 'reason', ARGV[7])
free_quota(r)
return transition(r, 'rejected', 'reject', {rejection = rejection}, rejection)
