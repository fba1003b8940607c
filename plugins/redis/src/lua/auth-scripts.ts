/**
 * Lua scripts of the Redis auth store: the writes that must read and change several keys in one
 * atomic step and cannot be expressed as guarded writes (see guarded-writes.ts), because what they
 * change is only known once they read it (every row of a user, every user's row of a model). Keys
 * come from RedisKeys; a script that walks per-user keys is given the text around the user id.
 */

/**
 * Deletes a user with every permission row, model-index entry and token of theirs. Runs only if
 * the username still maps to the id the caller read (ids are never reused).
 *
 * KEYS: userIds, user, experimentPermissions, modelPermissions, userTokens, modelIndex, tokens, revocations.
 * ARGV: username, id, separator of index members.
 * Returns 'ok', or 'moved' when the username no longer maps to that id (read again).
 */
export const DELETE_AUTH_USER = `
local username, id, sep = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', KEYS[1], username) ~= id then return 'moved' end
for _, name in ipairs(redis.call('HKEYS', KEYS[4])) do
  redis.call('ZREM', KEYS[6], name .. sep .. id)
end
for _, token in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  redis.call('HDEL', KEYS[7], token)
  redis.call('HDEL', KEYS[8], token)
end
redis.call('HDEL', KEYS[1], username)
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 'ok'
`;

/**
 * Moves (ARGV[3] = 'rename') or removes (ARGV[3] = 'delete') every user's permission row of a
 * registered model. A rename first removes rows already under the new name (leftovers of an
 * earlier model of that name), so the renamed model's rows win.
 *
 * KEYS[1]: the model index (members `name<sep>userId`, scores 0).
 * ARGV: name, newName ('' for delete), mode, separator, text before and after the user id in a
 * user's model-permission key.
 */
export const MOVE_MODEL_PERMISSIONS = `
local index, name, newName, mode, sep, before, after = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local function holders(model)
  local ids = {}
  local head = model .. sep
  local stop = model .. string.char(string.byte(sep) + 1)
  for _, member in ipairs(redis.call('ZRANGEBYLEX', index, '[' .. head, '(' .. stop)) do
    local id = string.sub(member, #head + 1)
    -- A longer name that starts with this one and a separator is not this model.
    if string.match(id, '^%d+$') then ids[#ids + 1] = id end
  end
  return ids
end
local function drop(model)
  for _, id in ipairs(holders(model)) do
    redis.call('HDEL', before .. id .. after, model)
    redis.call('ZREM', index, model .. sep .. id)
  end
end
if mode == 'delete' then
  drop(name)
  return 'ok'
end
drop(newName)
for _, id in ipairs(holders(name)) do
  local key = before .. id .. after
  local permission = redis.call('HGET', key, name)
  redis.call('HDEL', key, name)
  redis.call('ZREM', index, name .. sep .. id)
  if permission then
    redis.call('HSET', key, newName, permission)
    redis.call('ZADD', index, 0, newName .. sep .. id)
  end
end
return 'ok'
`;

/**
 * Records a failed login and counts the key's failures in (now - window, now]. Older entries are
 * trimmed and the key expires a window after its last failure, so idle keys cost nothing.
 *
 * KEYS[1]: the key's sorted set. ARGV: now, windowMs, a unique member, now - windowMs (as
 * text, so Lua never formats a large number).
 */
export const RECORD_LOGIN_FAILURE = `
local now, window, member, start = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', start)
redis.call('ZADD', KEYS[1], now, member)
redis.call('PEXPIRE', KEYS[1], window)
return redis.call('ZCOUNT', KEYS[1], '(' .. start, now)
`;

/**
 * Appends an audit entry: takes the next sequence number and adds `seq:JSON` to the log and, when
 * a third key is given, to that user's log.
 *
 * KEYS: sequence, log[, user log]. ARGV[1]: the entry as JSON. Returns the sequence number.
 */
export const APPEND_AUDIT = `
local seq = redis.call('INCR', KEYS[1])
local member = seq .. ':' .. ARGV[1]
redis.call('ZADD', KEYS[2], seq, member)
if KEYS[3] then redis.call('ZADD', KEYS[3], seq, member) end
return seq
`;
