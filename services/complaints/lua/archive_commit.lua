-- complaints.Archive, step 2: the batch's file is written and verified;
-- remove its complaints from Redis with every index entry, and answer the
-- call (this answer is what a retry with the same key gets again).
-- ARGV: 3 file, 4 its path, 5 remaining (true/false), 6 owner token.
local pending = NS .. ':complaints:archive:pending'
local pending_ids = pending .. ':ids'
if redis.call('HGET', pending, 'file') ~= ARGV[3] or redis.call('HGET', pending, 'owner') ~= ARGV[6] then
  return err('ABORTED', 'the archive batch changed; retry', 'before')
end
local ids = redis.call('SMEMBERS', pending_ids)
for _, id in ipairs(ids) do
  local r = load(id)
  if r then
    redis.call('ZREM', ikey('all'), id)
    redis.call('ZREM', ikey('status:' .. r.status), id)
    redis.call('ZREM', ikey('received'), id)
    redis.call('ZREM', ikey('customer:' .. r.customer), id)
    redis.call('ZREM', ikey('category:' .. r.category), id)
    redis.call('ZREM', ikey('severity:' .. r.severity), id)
    redis.call('ZREM', ikey('intake:' .. r.intake), id)
    if r.dept ~= '' then redis.call('ZREM', ikey('dept:' .. r.dept), id) end
    redis.call('ZREM', ikey('due'), id)
    redis.call('ZREM', ikey('escalated'), id)
    redis.call('ZREM', ikey('closed_at'), id)
    redis.call('DEL', ckey(id), ckey(id) .. ':history')
  end
end
redis.call('DEL', pending, pending_ids)
return ok('{"file":' .. jstr(ARGV[4]) .. ',"count":' .. #ids .. ',"remaining":' .. ARGV[5] .. '}')
