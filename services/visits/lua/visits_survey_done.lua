-- The last step of visits.AnnualSurvey: its answer (what a retry replays).
-- ARGV: 5 year, 6 due_on, 7 surveys created by this call.
return ok('{"year":' .. tonumber(ARGV[5]) .. ',"due_on":' .. jstr(ARGV[6]) .. ',"created":' ..
  tonumber(ARGV[7]) .. ',"surveys":' .. redis.call('HLEN', key('survey', ARGV[5])) .. '}')
