-- The first step of visits.Record: what the caller needs to compute the next
-- routine visit (the plan arithmetic is C's). Reads only.
-- ARGV: 5 account id.
local a, e = account_target(ARGV[5])
if not a then return e end
return ok('{"delivered_on":' .. jstr(a.delivered) .. ',"plan_n":' .. a.plan_n .. '}')
