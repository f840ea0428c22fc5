-- complaints.Archive, after a failed write: the file is not there, so the
-- batch's complaints are free again (Hold works on them), if this call
-- still holds the batch. ARGV: 3 file, 4 owner token.
local pending = NS .. ':complaints:archive:pending'
if redis.call('HGET', pending, 'file') == ARGV[3] and redis.call('HGET', pending, 'owner') == ARGV[4] then
  redis.call('DEL', pending, pending .. ':ids')
end
return ok('null')
