-- visits.Get: an account (A...), a visit record (V...), a scheduled planned
-- visit (P...), an account's open routine visit (A...-R<n>), quality information (Q...) or a symposium (S...). Records
-- the caller may not see are NOT_FOUND. ARGV: 5 id, 6 its kind letter.
local id, kind = ARGV[5], ARGV[6]
local text
if kind == 'A' then
  local a = load_account(id)
  if a and in_scope(a.dept) then text = render_account(id) end
elseif kind == 'V' then
  if visit_visible(id) then text = render_visit(id) end
elseif kind == 'P' then
  local acc = redis.call('HGET', pkey(id), 'account')
  local a = acc and load_account(acc)
  if a and in_scope(a.dept) then text = render_plan(id, a) end
elseif kind == 'R' then
  local a = load_account(string.match(id, '^(A%d+)%-R'))
  if a and in_scope(a.dept) and a.plan_n > 0 and routine_id(a) == id then
    text = render_routine(a, 'open', nil)
  end
elseif kind == 'Q' then
  if qinfo_visible(id) then text = render_hash(qkey(id), QI_FIELDS) end
elseif kind == 'S' then
  text = render_hash(skey(id), SYMPOSIUM_FIELDS)
end
if not text then return err('NOT_FOUND', id .. ' not found', 'id') end
return ok(text)
