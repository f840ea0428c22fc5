-- returns.Confirm: draft -> confirmed, with both signatures (the customer's
-- and the regional manager's, after sorting and counting).
-- ARGV: 3 id, 4 expected version, 5 customer signature, 6 manager signature.
local r, e = target(ARGV[3], ARGV[4], {draft = true})
if not r then return e end
local signatures = '{"customer":' .. jstr(ARGV[5]) .. ',"regional_manager":' .. jstr(ARGV[6]) ..
  ',"signed_at":' .. jstr(NOW_TEXT) .. '}'
return transition(r, 'confirmed', 'confirm', {signatures = signatures}, signatures)
