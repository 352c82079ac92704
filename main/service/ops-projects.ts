/**
 * `projects.init`: `dstack init` from the app, for a folder `projects.open`
 * refused because it has no `.dstack/workflows`. In the desktop app the page
 * never names a path: the folder is the one just picked in the native dialog.
 */
import { InvalidArgumentError } from '../common/errors';
import type { Handlers } from './handler';

export const projectOps: Handlers<'projects.init'> = {
  'projects.init': async (ctx, { path }) => {
    if (ctx.host.pickFolder && path !== undefined) throw new InvalidArgumentError('The desktop app sets up the folder picked in its dialog, not one named by path.');
    if (!ctx.host.pickFolder && !path) throw new InvalidArgumentError('No folder given.', 'Type the path of the folder to set up.');
    return ctx.projects.init(path);
  },
};
