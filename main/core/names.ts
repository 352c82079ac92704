/**
 * Run names as in dstack: `adjective-animal-N`. A word pair is easy to say
 * and type in `dstack logs`, and N counts up per pair within a repo so a
 * name is never reused even when the random pair repeats.
 */
const ADJECTIVES = [
  'able', 'brave', 'calm', 'clever', 'cool', 'eager', 'fancy', 'fast', 'fresh', 'gentle',
  'grumpy', 'happy', 'honest', 'jolly', 'kind', 'lazy', 'lucky', 'mighty', 'nice', 'odd',
  'proud', 'quick', 'quiet', 'rare', 'shiny', 'silly', 'smart', 'sunny', 'swift', 'tidy',
  'wise', 'witty',
];

const ANIMALS = [
  'ant', 'bat', 'bear', 'bee', 'cat', 'cobra', 'crab', 'crow', 'deer', 'dog',
  'eagle', 'eel', 'fish', 'fox', 'frog', 'goat', 'hawk', 'horse', 'lion', 'lynx',
  'mole', 'moose', 'mouse', 'owl', 'panda', 'puma', 'rat', 'seal', 'shark', 'snail',
  'swan', 'tiger', 'wolf', 'yak',
];

const NAME = /^([a-z]+-[a-z]+)-(\d+)$/;

/**
 * A fresh run name: a random pair, numbered one past the highest N already
 * used with that pair among `existing`.
 */
export function nextRunName(existing: Iterable<string>, random: () => number = Math.random): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const pair = `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
  let max = 0;
  for (const name of existing) {
    const m = NAME.exec(name);
    if (m && m[1] === pair) max = Math.max(max, Number(m[2]));
  }
  return `${pair}-${max + 1}`;
}

/** Whether a string has the shape of a run name; used to tell runs from tags and paths. */
export function isRunName(s: string): boolean {
  return NAME.test(s);
}
