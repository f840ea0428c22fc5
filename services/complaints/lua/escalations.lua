-- complaints.Escalations: critical complaints not closed or withdrawn, and
-- overdue ones, newest first. ARGV: none of its own.
local seen, rs, critical, overdue = {}, {}, 0, 0
for _, id in ipairs(redis.call('ZREVRANGE', ikey('escalated'), 0, -1)) do
  local r = load(id)
  if r and visible(r) then
    seen[id] = true
    rs[#rs + 1] = r
    critical = critical + 1
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ikey('due'), '-inf', '(' .. NOW_MS)) do
  local r = load(id)
  if r and visible(r) and r.status == 'assigned' then
    overdue = overdue + 1
    if not seen[id] then rs[#rs + 1] = r end
  end
end
table.sort(rs, function(a, b) return a.order > b.order end)
local items = {}
for _, r in ipairs(rs) do items[#items + 1] = render(r.id) end
return ok('{"items":[' .. table.concat(items, ',') .. '],"critical":' .. critical ..
  ',"overdue":' .. overdue .. '}')
