/** A uniform integer in [0, bound), from the platform's CSPRNG (Node 20 and browsers alike). */
function randomInt(bound: number): number {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return word[0]! % bound;
}

/**
 * Generated run names (`<adjective>-<noun>-<number>`), used when a run is created without a name
 * or an `mlflow.runName` tag. Word lists are our own.
 */
const ADJECTIVES = [
  'amber', 'bold', 'brisk', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'deft', 'eager',
  'fabled', 'fleet', 'gentle', 'gilded', 'glowing', 'grand', 'hidden', 'honest', 'humble', 'icy',
  'jolly', 'keen', 'lively', 'lucid', 'lunar', 'mellow', 'misty', 'nimble', 'noble', 'patient',
  'polar', 'quiet', 'radiant', 'rapid', 'rustic', 'serene', 'silent', 'silver', 'solar', 'steady',
  'stellar', 'swift', 'tidal', 'upbeat', 'vivid', 'wandering', 'wise', 'witty', 'zesty', 'zealous',
];

const NOUNS = [
  'albatross', 'antelope', 'asteroid', 'aurora', 'badger', 'beacon', 'bison', 'comet', 'condor', 'crane',
  'dolphin', 'eclipse', 'falcon', 'fern', 'finch', 'galaxy', 'gecko', 'glacier', 'harbor', 'heron',
  'horizon', 'ibis', 'jackal', 'kestrel', 'lantern', 'lynx', 'meadow', 'meteor', 'nebula', 'otter',
  'owl', 'panther', 'pebble', 'pulsar', 'quasar', 'raven', 'reef', 'robin', 'sparrow', 'summit',
  'tern', 'thrush', 'tundra', 'valley', 'vole', 'walrus', 'willow', 'wren', 'yak', 'zephyr',
];

/** A fresh name such as `swift-heron-472`. */
export function generateRunName(): string {
  const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)]!;
  const noun = NOUNS[randomInt(NOUNS.length)]!;
  return `${adjective}-${noun}-${randomInt(1000)}`;
}
