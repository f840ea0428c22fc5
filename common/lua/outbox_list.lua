-- sys.Outbox: up to ARGV[1] pending entries (oldest first), then up to as
-- many failed ones. Times are wall-clock ms; the handler formats them.
local base = NS .. ':outbox:' .. SVC
local limit = tonumber(ARGV[1])
local out = {}
local function add(n, state)
  local e = redis.call('HMGET', base .. ':e:' .. n, 'service', 'method', 'params', 'created',
    'attempts', 'last_error', 'failed_at')
  if not e[1] then return end
  local due = redis.call('ZSCORE', base .. ':due', n)
  out[#out + 1] = '{"id":' .. cjson.encode(SVC .. '-' .. n) .. ',"state":"' .. state ..
    '","service":' .. cjson.encode(e[1]) .. ',"method":' .. cjson.encode(e[2]) ..
    ',"params":' .. e[3] .. ',"created_ms":' .. e[4] .. ',"attempts":' .. e[5] ..
    ',"next_attempt_ms":' .. (due or 'null') .. ',"failed_ms":' .. (e[7] or 'null') ..
    ',"last_error":' .. (e[6] and cjson.encode(e[6]) or 'null') .. '}'
end
for _, n in ipairs(redis.call('ZRANGE', base .. ':pending', 0, limit - 1)) do add(n, 'pending') end
for _, n in ipairs(redis.call('ZRANGE', base .. ':failed', 0, limit - 1)) do add(n, 'failed') end
return ok('{"pending":' .. redis.call('ZCARD', base .. ':pending') .. ',"failed":' ..
  redis.call('ZCARD', base .. ':failed') .. ',"entries":[' .. table.concat(out, ',') .. ']}')
