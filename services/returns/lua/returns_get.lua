-- returns.Get (and the read before Settle and PackingList). ARGV: 3 id.
local r = load(ARGV[3])
if not r or not visible(r) then return err('NOT_FOUND', 'return not found', 'id') end
return ok(render(ARGV[3]))
