/**
 * Projects, runs, logs, tags and secrets: thin mappings from the API's
 * project ids to core's RunService calls on the project's repo id. Secret
 * values go in and never come back out: only names are listed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import { summaryOf } from '../core/runs';
import { loadWorkflows } from '../core/workflow';
import { writeLogFile } from './log-file';
import { followLogs } from './logs-follow';
import { watchWorkflowFiles } from './workflows-watch';
import type { Handlers } from './handler';
import { offerFor, submitRequest } from './run-request';

type RunOps =
  | 'projects.recent' | 'projects.open' | 'projects.workflows' | 'projects.watchWorkflows'
  | 'runs.offer' | 'runs.submit' | 'runs.list' | 'runs.watch' | 'runs.stop' | 'runs.remove'
  | 'logs.follow' | 'logs.save' | 'events.unsubscribe'
  | 'tags.list' | 'tags.add' | 'tags.delete'
  | 'secrets.list' | 'secrets.set' | 'secrets.delete';

export const runOps: Handlers<RunOps> = {
  'projects.recent': (ctx) => ctx.projects.recent(),
  'projects.open': async (ctx, { path }) => {
    if (ctx.host.pickFolder) {
      // In the desktop app the page never names a path: the folder comes from the native dialog.
      if (path !== undefined) throw new InvalidArgumentError('The desktop app opens projects through its folder dialog, not by path.');
      const chosen = await ctx.host.pickFolder();
      return chosen ? ctx.projects.open(chosen) : null;
    }
    if (!path) throw new InvalidArgumentError('No folder given.', 'Type the path of a project folder.');
    return ctx.projects.open(path);
  },
  'projects.workflows': async (ctx, { projectId }) => {
    const { root } = await ctx.projects.resolve(projectId);
    const set = await loadWorkflows(root);
    return {
      workflows: set.workflows.map((w) => ({ name: w.name, help: w.help, provider: w.provider, file: w.source.file, line: w.source.line })),
      errors: set.issues.map((i) => ({ file: i.file, line: i.line, column: i.column, field: i.field, message: i.message })),
    };
  },
  'projects.watchWorkflows': async (ctx, { projectId }, meta) => {
    const { root } = await ctx.projects.resolve(projectId);
    return { subscriptionId: watchWorkflowFiles(ctx.hub, root, meta.clientId) };
  },
  'runs.offer': async (ctx, req) => (await offerFor(ctx, req)) ?? null,
  'runs.submit': async (ctx, req) => {
    const { root } = await ctx.projects.resolve(req.projectId);
    const job = await (await ctx.runs()).submit(root, req.workflow, submitRequest(req));
    ctx.watcher.poke();
    return { runName: job.runName };
  },
  'runs.list': async (ctx, { projectId, all }) => (await ctx.runs()).list((await ctx.projects.resolve(projectId)).repo, { all }),
  'runs.watch': async (ctx, { projectId }, meta) => {
    const { repo } = await ctx.projects.resolve(projectId);
    await ctx.runs();
    return { subscriptionId: ctx.watcher.watch(projectId, repo, meta.clientId) };
  },
  'runs.stop': async (ctx, { projectId, runName, abort }) => {
    const job = await (await ctx.runs()).stop((await ctx.projects.resolve(projectId)).repo, runName, { abort });
    ctx.watcher.poke();
    return summaryOf(job);
  },
  'runs.remove': async (ctx, { projectId, runName }) => {
    await (await ctx.runs()).remove((await ctx.projects.resolve(projectId)).repo, runName);
    ctx.watcher.poke();
  },
  'logs.follow': async (ctx, { projectId, runName, follow }, meta) => {
    const { repo } = await ctx.projects.resolve(projectId);
    const subscriptionId = await followLogs(ctx.hub, await ctx.runs(), repo, runName, meta.clientId, () => ctx.watcher.poke(), follow !== false);
    return { subscriptionId };
  },
  'logs.save': async (ctx, { projectId, runName }, meta) => {
    const { repo } = await ctx.projects.resolve(projectId);
    const runs = await ctx.runs();
    await runs.get(repo, runName);
    const fileName = `${runName}.log`;
    let target: string | undefined;
    if (ctx.host.pickSavePath) {
      target = await ctx.host.pickSavePath(fileName);
      if (!target) return { saved: false };
    } else {
      const dir = join(ctx.state.dir, 'saved-logs');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      target = join(dir, fileName);
    }
    const path = target;
    // A task, like a download: the log streams to the file with progress events, and the server's final event carries its URL.
    const taskId = ctx.tasks.start(async (task) => {
      await writeLogFile(await runs.logs(repo, runName), path, task);
      return { path, fileName };
    }, meta.clientId);
    return { saved: true, taskId };
  },
  'events.unsubscribe': async (ctx, { subscriptionId }) => ctx.hub.unsubscribe(subscriptionId),
  'tags.list': async (ctx, { projectId }) =>
    (await (await ctx.runs()).listTags((await ctx.projects.resolve(projectId)).repo)).map(({ tag, runName }) => ({ tag, runName })),
  'tags.add': async (ctx, { projectId, tag, runName }) =>
    (await ctx.runs()).addTag((await ctx.projects.resolve(projectId)).repo, tag, runName),
  'tags.delete': async (ctx, { projectId, tag }) => (await ctx.runs()).deleteTag((await ctx.projects.resolve(projectId)).repo, tag),
  'secrets.list': async (ctx, { projectId }) => (await ctx.runs()).listSecrets((await ctx.projects.resolve(projectId)).repo),
  'secrets.set': async (ctx, { projectId, name, value }) =>
    (await ctx.runs()).addSecret((await ctx.projects.resolve(projectId)).repo, name, value),
  'secrets.delete': async (ctx, { projectId, name }) =>
    (await ctx.runs()).deleteSecret((await ctx.projects.resolve(projectId)).repo, name),
};
