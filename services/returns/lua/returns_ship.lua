-- returns.Ship: approved -> shipped. ARGV: 3 id, 4 expected version,
-- 5 carrier, 6 waybill.
local r, e = target(ARGV[3], ARGV[4], {approved = true})
if not r then return e end
local shipment = '{"carrier":' .. jstr(ARGV[5]) .. ',"waybill":' .. jstr(ARGV[6]) ..
  ',"shipped_at":' .. jstr(NOW_TEXT) .. '}'
return transition(r, 'shipped', 'ship', {shipment = shipment}, shipment)
