/**
 * The wizard's team-hub step: test a URL and token (who the token is, and
 * the projects it may reach), then connect to one of them. Both go through
 * the hub link the composition root passed in (the CLI's client, see
 * `hub-link.ts`), so the app says exactly what `dstack config hub` says
 * about a wrong URL, a hub that is down, a refused token or another API
 * version. The token is never saved in the draft nor answered back.
 */
import { DstackError } from '../common/errors';
import type { ServiceContext } from './context';
import type { Handlers } from './handler';
import type { HubLink } from './hub-link';
import { configSummary } from './ops-setup';

type HubOps = 'hub.test' | 'hub.connect';

function linkOf(ctx: ServiceContext): HubLink {
  if (ctx.opts.hubLink) return ctx.opts.hubLink;
  throw new DstackError('unavailable', 'This server was started without team-hub support.', {
    fix: 'Start the app, or `dstack server`, from the dstack CLI: both can connect to a team hub.',
  });
}

export const hubOps: Handlers<HubOps> = {
  'hub.test': async (ctx, { url, token }) => linkOf(ctx).test(url, token),
  'hub.connect': async (ctx, { url, token, project }) => {
    await linkOf(ctx).connect(ctx.opts.home, url, token, project);
    await ctx.state.update((s) => ({ ...s, draft: { step: 'done', backend: 'hub', hubUrl: url } }));
    return configSummary(ctx);
  },
};
