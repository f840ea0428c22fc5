-- complaints.Archive, step 1: the batch to archive. A batch left by a call
-- that died is resumed as it was; otherwise closed or withdrawn complaints
-- closed before the cut-off and not on hold, up to the batch size, are
-- marked pending (Hold refuses them from now on).
-- ARGV: 3 cut-off ms, 4 batch size, 5 file name stem for a new batch (a
-- sequence number makes every batch's file name new), 6 this call's owner
-- token. The latest claimer owns the batch: only its commit or abort counts,
-- so a call that was overtaken (a retry, a replica) cannot free the batch.
-- Answer: "<file>\n<remaining 1/0>\n" then one JSON line per complaint.
local pending = NS .. ':complaints:archive:pending'
local pending_ids = pending .. ':ids'
local file = redis.call('HGET', pending, 'file')
local ids = {}
local remaining = 0
if file then
  redis.call('HSET', pending, 'owner', ARGV[6])
  ids = redis.call('SMEMBERS', pending_ids)
  table.sort(ids)
  remaining = 1 -- a resumed batch says nothing of the rest: ask again
else
  local max = tonumber(ARGV[4])
  -- closed_at holds closed and withdrawn complaints by when they ended.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', ikey('closed_at'), '-inf', '(' .. ARGV[3])) do
    local held = redis.call('HGET', ckey(id), 'hold')
    if held == false or held == 'null' then
      if #ids < max then ids[#ids + 1] = id else remaining = 1; break end
    end
  end
  if #ids == 0 then return ok('\n0\n') end
  table.sort(ids)
  file = ARGV[5] .. '-' .. string.format('%06d', redis.call('INCR', NS .. ':complaints:archive:seq')) .. '.jsonl'
  redis.call('HSET', pending, 'file', file, 'owner', ARGV[6])
  redis.call('SADD', pending_ids, unpack(ids))
end
local lines = {}
for _, id in ipairs(ids) do
  local events = redis.call('LRANGE', ckey(id) .. ':history', 0, -1)
  lines[#lines + 1] = '{"record":' .. render(id) .. ',"history":[' .. table.concat(events, ',') .. ']}\n'
end
return ok(file .. '\n' .. remaining .. '\n' .. table.concat(lines))
