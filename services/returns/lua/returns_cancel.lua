-- returns.Cancel: draft, confirmed or submitted -> cancelled; a submitted
-- return gives its monthly quota slot back. ARGV: 3 id, 4 expected version,
-- 5 reason.
local r, e = target(ARGV[3], ARGV[4], {draft = true, confirmed = true, submitted = true})
if not r then return e end
local cancellation = stamp('', 'reason', ARGV[5])
free_quota(r)
return transition(r, 'cancelled', 'cancel', {cancellation = cancellation}, cancellation)
