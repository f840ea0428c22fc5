-- complaints.Get. ARGV: 3 id.
local r = load(ARGV[3])
if not r or not visible(r) then return err('NOT_FOUND', 'complaint not found', 'id') end
return ok(render(ARGV[3]))
