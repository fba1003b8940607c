/**
 * Lua scripts for writes. Redis runs a script atomically (no other command runs in between), so a
 * script that checks and then writes is one atomic step: either every write of a call lands or
 * none does. Scripts never raise for outcomes a caller can act on; they return a status table
 * (`{'ok', ...}` or `{'<reason>', ...}`) that the store turns into an OrreryError.
 *
 * Every script receives, as KEYS[1], a key of the instance, which routes it in a Redis Cluster
 * (all keys of an instance share one hash slot, see redis-keys.ts).
 */

/**
 * Guarded apply: checks guards, then runs a list of commands. The stores read what they need,
 * decide in TypeScript, and send the writes with guards on what they read (a record's `rev`
 * counter, which every write of that record bumps, or a field's absence). If any guard fails,
 * nothing is written and the store reads again and retries (optimistic concurrency).
 *
 * ARGV: nGuards, then per guard `kind key field expected`:
 *   `heq`: HGET key field equals expected ('' stands for an absent field);
 *   `habsent`: the field is absent; `exists`: the key exists;
 * then nCommands, then per command `argc name arg...`.
 * Returns {'ok', <reply of the last command>} or {'guard', <index of the failed guard>}.
 */
export const APPLY_GUARDED = `
local i = 1
local nGuards = tonumber(ARGV[i]); i = i + 1
for g = 1, nGuards do
  local kind, key, field, expected = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  local ok
  if kind == 'heq' then
    ok = (redis.call('HGET', key, field) or '') == expected
  elseif kind == 'habsent' then
    ok = redis.call('HEXISTS', key, field) == 0
  elseif kind == 'exists' then
    ok = redis.call('EXISTS', key) == 1
  else
    return redis.error_reply('unknown guard kind ' .. tostring(kind))
  end
  if not ok then return {'guard', tostring(g)} end
end
local nCommands = tonumber(ARGV[i]); i = i + 1
local last = false
for c = 1, nCommands do
  local argc = tonumber(ARGV[i]); i = i + 1
  last = redis.call(unpack(ARGV, i, i + argc - 1))
  i = i + argc
end
if type(last) == 'table' or last == false or last == nil then last = '' end
return {'ok', last}
`;

/**
 * Logs params, tags and metrics of one run (log-metric, log-param, set-tag and log-batch all come
 * here). Checks, in order, before anything is written: the run exists; it and its experiment are
 * active; no param conflicts with a logged value. Then writes params (only new keys), tags
 * (moving their index entries), the latest values (only where the new observation is later; the
 * metric indexes follow) and appends the history records (metric-encoding.ts).
 *
 * KEYS[1]: the run hash. ARGV: head, runId,
 *   nParams, (key, value)*,
 *   nTags, (key, value)*                         -- one entry per key, the last value given
 *   nLatest, (key, step, timestamp, valueText, score)*   -- score 'nan' for NaN
 *   nGroups, (key, records)*                     -- packed history records per metric key
 * Returns {'ok'} | {'notfound'} | {'deleted'} | {'param', key, oldValue, newValue}.
 */
export const LOG_RUN_DATA = `
local run = KEYS[1]
local head, runId = ARGV[1], ARGV[2]
local exp = redis.call('HGET', run, 'experiment_id')
if not exp then return {'notfound'} end
-- A run being restored (orrery import) takes its history whatever its or its experiment's stage.
if redis.call('HGET', run, 'restoring') ~= '1' and (redis.call('HGET', run, 'deleted') == '1' or redis.call('HGET', head .. ':exp:' .. exp, 'lifecycle_stage') ~= 'active') then
  return {'deleted'}
end
local e = head .. ':e:' .. exp
local paramsKey = run .. ':params'
local i = 3
local nParams = tonumber(ARGV[i]); i = i + 1
local paramsAt = i
for p = 1, nParams do
  local old = redis.call('HGET', paramsKey, ARGV[i])
  if old and old ~= ARGV[i + 1] then return {'param', ARGV[i], old, ARGV[i + 1]} end
  i = i + 2
end
local j = paramsAt
for p = 1, nParams do
  local k, v = ARGV[j], ARGV[j + 1]
  if redis.call('HSETNX', paramsKey, k, v) == 1 then
    redis.call('ZADD', e .. ':p:' .. k, 0, v .. '\\0' .. runId)
  end
  j = j + 2
end
local tagsKey = run .. ':tags'
local nTags = tonumber(ARGV[i]); i = i + 1
for t = 1, nTags do
  local k, v = ARGV[i], ARGV[i + 1]
  i = i + 2
  local old = redis.call('HGET', tagsKey, k)
  if old ~= v then
    redis.call('HSET', tagsKey, k, v)
    if old then redis.call('ZREM', e .. ':t:' .. k, old .. '\\0' .. runId) end
    redis.call('ZADD', e .. ':t:' .. k, 0, v .. '\\0' .. runId)
  end
  if k == 'mlflow.runName' then
    local oldName = redis.call('HGET', run, 'name')
    if oldName ~= v then
      redis.call('HSET', run, 'name', v)
      if oldName then redis.call('ZREM', e .. ':a:run_name', oldName .. '\\0' .. runId) end
      redis.call('ZADD', e .. ':a:run_name', 0, v .. '\\0' .. runId)
      redis.call('HINCRBY', run, 'rev', 1)
    end
  end
end
local latestKey = run .. ':latest'
local nLatest = tonumber(ARGV[i]); i = i + 1
for m = 1, nLatest do
  local k, stepText, tsText, text, score = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local step, ts = tonumber(stepText), tonumber(tsText)
  i = i + 5
  local cur = redis.call('HGET', latestKey, k)
  local later = true
  if cur then
    local cs, ct, cv = string.match(cur, '^([^|]*)|([^|]*)|(.*)$')
    cs, ct = tonumber(cs), tonumber(ct)
    if step ~= cs then later = step > cs
    elseif ts ~= ct then later = ts > ct
    else
      local newNaN, curNaN = text == 'NaN', cv == 'NaN'
      if newNaN ~= curNaN then later = newNaN
      elseif newNaN then later = false
      else later = tonumber(text) > tonumber(cv) end
    end
  end
  if later then
    redis.call('HSET', latestKey, k, stepText .. '|' .. tsText .. '|' .. text)
    if score == 'nan' then
      redis.call('ZREM', e .. ':m:' .. k, runId)
      redis.call('SADD', e .. ':mnan:' .. k, runId)
    else
      redis.call('SREM', e .. ':mnan:' .. k, runId)
      redis.call('ZADD', e .. ':m:' .. k, score, runId)
    end
  end
end
local nGroups = tonumber(ARGV[i]); i = i + 1
for g = 1, nGroups do
  redis.call('APPEND', run .. ':m:' .. ARGV[i], ARGV[i + 1])
  i = i + 2
end
return {'ok'}
`;

/**
 * Creates the next version of a registered model: HINCRBY on the model's `last_version` counter
 * and the version's records in one atomic step, so concurrent creates get 1, 2, 3... without gaps.
 *
 * KEYS[1]: the model hash. ARGV: versionKeyHead (`{p}:mv:<encoded name>:`), versionsKey, now,
 *   nFields, (field, value)*, nTags, (key, value)*.
 * Returns {'ok', version} | {'notfound'}.
 */
export const CREATE_MODEL_VERSION = `
local model = KEYS[1]
if redis.call('EXISTS', model) == 0 then return {'notfound'} end
local versionHead, versionsKey, now = ARGV[1], ARGV[2], ARGV[3]
local version = redis.call('HINCRBY', model, 'last_version', 1)
redis.call('HSET', model, 'last_updated_time', now)
redis.call('HINCRBY', model, 'rev', 1)
local versionKey = versionHead .. version
local i = 4
local nFields = tonumber(ARGV[i]); i = i + 1
redis.call('HSET', versionKey, 'version', version, 'rev', 1)
for f = 1, nFields do
  redis.call('HSET', versionKey, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local nTags = tonumber(ARGV[i]); i = i + 1
for t = 1, nTags do
  redis.call('HSET', versionKey .. ':tags', ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('ZADD', versionsKey, version, version)
return {'ok', tostring(version)}
`;

/**
 * Hands out the next experiment id, never one at or below a floor. KEYS: schema marker, experiment
 * counter. ARGV[1]: the floor (the highest id the calling process knows was handed out).
 * Returns 0 when the schema marker is missing, i.e. Redis lost the store's keys: the caller
 * restores the store (see RedisTrackingStore.restoreAfterDataLoss) and asks again.
 * With ARGV[2] = 'raise', only raises the counter to the floor (no id is handed out) and returns it.
 */
export const NEXT_EXPERIMENT_ID = `
local floor = tonumber(ARGV[1])
if ARGV[2] == 'raise' then
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if current < floor then redis.call('SET', KEYS[2], floor) end
  return floor
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local id = redis.call('INCR', KEYS[2])
if id <= floor then
  id = floor + 1
  redis.call('SET', KEYS[2], id)
end
return id
`;
