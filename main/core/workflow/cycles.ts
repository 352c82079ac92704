/**
 * Dependency cycles between workflows. A workflow that depends on itself,
 * directly or through others, can never have a `done` run to depend on, so
 * it would fail at every submit with a message about a missing run. Found
 * when the files are read instead, and named as the cycle itself with the
 * place of every dep in it, so the user sees which line to remove.
 */
import type { DepRef } from './collections';
import type { WorkflowIssue } from './types';

/** One workflow as the cycle search sees it: where it is, and the deps it declares. */
export interface DepNode {
  file: string;
  refs: DepRef[];
}

interface Edge {
  to: string;
  file: string;
  ref: DepRef;
}

function where(e: Edge): string {
  return `${e.file}:${e.ref.loc.line}:${e.ref.loc.column}`;
}

function cycleIssue(path: Edge[], from: string): WorkflowIssue {
  const first = path[0]!;
  const base = { file: first.file, line: first.ref.loc.line, column: first.ref.loc.column, field: first.ref.field };
  if (path.length === 1) return { ...base, message: `workflow "${from}" depends on itself; remove this dep.` };
  const names = [from, ...path.map((e) => e.to)];
  const others = path.slice(1).map((e, i) => `${names[i + 1]} → ${e.to} is at ${where(e)}`);
  return { ...base, message: `the deps form a cycle: ${names.join(' → ')} (${others.join(', ')}); remove one of these deps.` };
}

/**
 * Every cycle among `nodes` (each reported once, at the dep of its
 * first-defined workflow) and the workflows that are part of one. An
 * iterative depth-first search: a project with a long chain of deps must not
 * overflow the stack.
 */
export function findCycles(nodes: Map<string, DepNode>): { issues: WorkflowIssue[]; inCycle: Set<string> } {
  const order = [...nodes.keys()];
  const rank = new Map(order.map((n, i) => [n, i]));
  const edgesOf = (name: string): Edge[] => {
    const node = nodes.get(name)!;
    const seen = new Set<string>();
    const out: Edge[] = [];
    for (const ref of node.refs) {
      if (ref.kind !== 'workflow' || !nodes.has(ref.name) || seen.has(ref.name)) continue;
      seen.add(ref.name);
      out.push({ to: ref.name, file: node.file, ref });
    }
    return out;
  };
  const state = new Map<string, 'open' | 'done'>();
  const issues: WorkflowIssue[] = [];
  const inCycle = new Set<string>();
  const reported = new Set<string>();
  for (const root of order) {
    if (state.has(root)) continue;
    const stack: { name: string; edges: Edge[]; next: number; via?: Edge }[] = [{ name: root, edges: edgesOf(root), next: 0 }];
    state.set(root, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const edge = top.edges[top.next++];
      if (!edge) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(edge.to);
      if (seen === undefined) {
        state.set(edge.to, 'open');
        stack.push({ name: edge.to, edges: edgesOf(edge.to), next: 0, via: edge });
        continue;
      }
      if (seen === 'done') continue;
      // A back edge: the cycle is the stack from edge.to up to here, closed by this edge.
      const startAt = stack.findIndex((f) => f.name === edge.to);
      const path = [...stack.slice(startAt + 1).map((f) => f.via!), edge];
      const members = path.map((e) => e.ref.name);
      // Rotate so the cycle starts at its first-defined workflow: the same cycle reads the same from any entry point.
      const shift = members.reduce((best, n, i) => (rank.get(n)! < rank.get(members[best]!)! ? i : best), 0);
      const rotated = [...path.slice(shift + 1), ...path.slice(0, shift + 1)];
      const from = members[shift]!;
      const key = [from, ...rotated.map((e) => e.to)].join('\u0000');
      for (const n of members) inCycle.add(n);
      if (reported.has(key)) continue;
      reported.add(key);
      issues.push(cycleIssue(rotated, from));
    }
  }
  return { issues, inCycle };
}
