-- complaints.Report with freeze: stores the month's report once; every later
-- call gets the stored one. ARGV: 3 month, 4 report JSON ('' = only read).
local key = NS .. ':complaints:report:' .. ARGV[3]
local stored = redis.call('GET', key)
if stored then return ok(stored) end
if ARGV[4] == '' then return ok('null') end
redis.call('SET', key, ARGV[4])
return ok(ARGV[4])
