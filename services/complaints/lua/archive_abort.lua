-- complaints.Archive, after a failed write: the file is not there, so the
-- batch's complaints are free again (Hold works on them). ARGV: 3 file.
local pending = NS .. ':complaints:archive:pending'
if redis.call('HGET', pending, 'file') == ARGV[3] then
  redis.call('DEL', pending, pending .. ':ids')
end
return ok('null')
