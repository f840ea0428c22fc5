-- returns.Receive: shipped -> received. A box count other than the boxes
-- packed needs the discrepancies written down.
-- ARGV: 3 id, 4 expected version, 5 boxes received, 6 discrepancies ('' = none).
local r, e = target(ARGV[3], ARGV[4], {shipped = true})
if not r then return e end
local received = tonumber(ARGV[5])
if received ~= r.boxes and ARGV[6] == '' then
  return err('INVALID_ARGUMENT', 'params.discrepancies: required: ' .. received ..
    ' box(es) received of ' .. r.boxes .. ' packed', 'discrepancies')
end
local receipt = '{"received_at":' .. jstr(NOW_TEXT) .. ',"boxes_received":' ..
  string.format('%d', received) .. ',"discrepancies":' .. jstr(ARGV[6]) .. '}'
return transition(r, 'received', 'receive', {receipt = receipt}, receipt)
