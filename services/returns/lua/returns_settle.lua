-- returns.Settle: received -> settled. C read the record, checked every line
-- against the items' evaluations and computed the settlement in integer
-- cents; items never change after Create, so only status and version are
-- checked again here. ARGV: 3 id, 4 expected version, 5 settlement (JSON).
local r, e = target(ARGV[3], ARGV[4], {received = true})
if not r then return e end
return transition(r, 'settled', 'settle', {settlement = ARGV[5]}, ARGV[5])
