-- complaints.LinkReturn: return ARGV[4] (made by the returns service, which
-- calls this through its outbox) is listed in the complaint's return_ids.
-- Linking it again changes nothing. A return of another customer is
-- refused. ARGV: 3 id, 4 return id, 5 the return's customer id ('' = not
-- given).
local id, return_id, customer = ARGV[3], ARGV[4], ARGV[5]
local r, e = target(id, '', nil)
if not r then return e end
if customer ~= '' and customer ~= r.customer then
  return err('FAILED_PRECONDITION', 'complaint ' .. id .. ' is not customer ' .. customer ..
    "'s", 'customer_id')
end
local ids = redis.call('HGET', ckey(id), 'return_ids') or '[]'
local quoted = jstr(return_id)
if string.find(ids, quoted, 1, true) then return ok(render(id)) end
if ids == '[]' or ids == 'null' then
  ids = '[' .. quoted .. ']'
else
  ids = string.sub(ids, 1, -2) .. ',' .. quoted .. ']'
end
history(id, 'link_return', r.status, r.status, '{"return_id":' .. quoted .. '}')
return commit(r, {return_ids = ids})
