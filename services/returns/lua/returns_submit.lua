-- returns.Submit: confirmed -> submitted, taking one of the customer's
-- returns of the calendar month (business zone) in the same step; the slot
-- is a member of the month's set until Reject or Cancel gives it back.
-- ARGV: 3 id, 4 expected version, 5 month "YYYY-MM", 6 monthly limit.
local r, e = target(ARGV[3], ARGV[4], {confirmed = true})
if not r then return e end
local month, limit = ARGV[5], tonumber(ARGV[6])
local quota = NS .. ':returns:quota:' .. r.customer .. ':' .. month
local held = redis.call('SCARD', quota)
if held >= limit then
  -- Name only the holders the caller may see; of the others, just how many.
  local holders, named, hidden = redis.call('SMEMBERS', quota), {}, 0
  for _, id in ipairs(holders) do
    if in_scope(redis.call('HGET', rkey(id), '_region') or '') then
      named[#named + 1] = id
    else
      hidden = hidden + 1
    end
  end
  table.sort(named)
  local which = table.concat(named, ', ')
  if hidden > 0 then
    which = which .. (#named > 0 and ' and ' or '') .. hidden .. ' in other regions'
  end
  return err('RESOURCE_EXHAUSTED', 'customer ' .. r.customer .. ' already has ' .. held ..
    ' return(s) submitted in ' .. month .. ' (' .. which .. '); the limit is ' .. limit ..
    ' per calendar month', 'id')
end
redis.call('SADD', quota, r.id)
redis.call('HSET', rkey(r.id), '_quota_key', quota)
return transition(r, 'submitted', 'submit', {quota_month = jstr(month)},
  '{"quota_month":' .. jstr(month) .. '}')
