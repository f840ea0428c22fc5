-- returns.History: every event, oldest first. ARGV: 3 id.
local r = load(ARGV[3])
if not r or not visible(r) then return err('NOT_FOUND', 'return not found', 'id') end
local events = redis.call('LRANGE', rkey(ARGV[3]) .. ':history', 0, -1)
return ok('{"id":' .. jstr(ARGV[3]) .. ',"events":[' .. table.concat(events, ',') .. ']}')
