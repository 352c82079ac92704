/**
 * The drag cache from Settings: how big it is against its cap, and a way to
 * empty it, since server-mode downloads and drags leave their bytes there.
 */
import type { Handlers } from './handler';

export const cacheOps: Handlers<'artifacts.cacheUsage' | 'artifacts.clearCache'> = {
  'artifacts.cacheUsage': (ctx) => ctx.cache.usage(),
  'artifacts.clearCache': (ctx) => ctx.cache.clear(),
};
