import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../main/common/errors';
import { findWorkflow, formatIssue, loadWorkflows, WorkflowError } from '../../../main/core/workflow';
import { yaml } from './helpers';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dstack-wf-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), text);
}

async function lines(): Promise<string[]> {
  return (await loadWorkflows(dir)).issues.map(formatIssue);
}

describe('loadWorkflows', () => {
  it('reads .dstack/workflows.yaml and every .yml/.yaml in .dstack/workflows, and nothing else', async () => {
    await put('.dstack/workflows.yaml', yaml('workflows:', '  - name: a', '    commands: [echo a]'));
    await put('.dstack/workflows/c.yml', yaml('workflows:', '  - name: c', '    commands: [echo c]'));
    await put('.dstack/workflows/b.yaml', yaml('workflows:', '  - name: b', '    deps: [{workflow: c}]', '    commands: [echo b]'));
    await put('.dstack/workflows/notes.txt', 'workflows: nonsense');
    await mkdir(path.join(dir, '.dstack/workflows/sub.yaml'));
    const set = await loadWorkflows(dir);
    expect(set.issues).toEqual([]);
    expect(set.workflows.map((w) => [w.name, w.source.file, w.source.line])).toEqual([
      ['a', '.dstack/workflows.yaml', 2],
      ['b', '.dstack/workflows/b.yaml', 2],
      ['c', '.dstack/workflows/c.yml', 2],
    ]);
  });

  it('names both places when two files define the same workflow', async () => {
    await put('.dstack/workflows/a.yaml', yaml('workflows:', '  - name: train', '    commands: [echo a]'));
    await put('.dstack/workflows/b.yaml', yaml('# the same name again', 'workflows:', '  - name: other', '    commands: [echo]', '  - name: train', '    commands: [echo b]'));
    expect(await lines()).toEqual([
      '.dstack/workflows/b.yaml:5:11: workflows[1].name: workflow "train" is already defined at .dstack/workflows/a.yaml:2:11; rename one of them.',
    ]);
  });

  it('reports issues of all files in one pass, in file order', async () => {
    await put('.dstack/workflows.yaml', yaml('workflows:', '  - name: a', '    comands: [echo]'));
    await put('.dstack/workflows/b.yaml', '');
    await put('.dstack/workflows/c.yaml', yaml('workflows:', '  - name: c', '    deps: [{workflow: d}]', '    commands: [echo]'));
    expect(await lines()).toEqual([
      '.dstack/workflows.yaml:3:5: workflows[0].comands: unknown key "comands"; did you mean "commands"?',
      '.dstack/workflows/b.yaml:1:1: the file is empty; add a top-level "workflows:" list, or delete the file.',
      '.dstack/workflows/c.yaml:3:23: workflows[0].deps[0].workflow: no workflow is named "d"; defined workflows: a, c.',
    ]);
    expect((await loadWorkflows(dir)).workflows).toEqual([]);
  });

  it('says so when the project has no workflow files', async () => {
    await mkdir(path.join(dir, '.dstack/workflows'), { recursive: true });
    expect(await lines()).toEqual([
      '.dstack: no workflow files found; create .dstack/workflows.yaml or .dstack/workflows/NAME.yaml with a top-level "workflows:" list.',
    ]);
  });

  it('says so when the project folder does not exist', async () => {
    const gone = path.join(dir, 'gone');
    expect((await loadWorkflows(gone)).issues.map(formatIssue)).toEqual([
      `${gone}: the project folder does not exist; open a folder that has a .dstack folder.`,
    ]);
  });
});

describe('findWorkflow', () => {
  it('returns the workflow by name', async () => {
    await put('.dstack/workflows.yaml', yaml('workflows:', '  - name: hello', '    commands: [echo hi]'));
    expect(findWorkflow(await loadWorkflows(dir), 'hello').commands).toEqual(['echo hi']);
  });

  it("refuses a workflow whose own file has issues, with that file's issues in the message, one per line", async () => {
    await put('.dstack/workflows.yaml', yaml('workflows:', '  - name: hello', '    commands: [echo hi]', '  - name: bad', '    ports: x', '    commands: [echo]'));
    await put('.dstack/workflows/x.yaml', 'workflows: [');
    const set = await loadWorkflows(dir);
    let caught: unknown;
    try {
      findWorkflow(set, 'hello');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorkflowError);
    const err = caught as WorkflowError;
    const own = set.issues.filter((i) => i.file === '.dstack/workflows.yaml');
    expect(err.code).toBe('invalid_workflow');
    expect(err.issues).toEqual(own);
    expect(err.message.split('\n')).toEqual(own.map(formatIssue));
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.toJSON()).toMatchObject({ code: 'invalid_workflow', details: { issues: own } });
  });

  it('runs a workflow of a clean file while another file is broken, and names the broken file for a name found nowhere', async () => {
    await put('.dstack/workflows/good.yaml', yaml('workflows:', '  - name: good', '    commands: [echo fine]'));
    await put('.dstack/workflows/bad.yaml', yaml('workflows:', '  - name: bad', '    resources:', '      gpu: lots', '    commands: [echo]'));
    const set = await loadWorkflows(dir);
    expect(set.issues.map((i) => i.file)).toEqual(['.dstack/workflows/bad.yaml']);
    expect(findWorkflow(set, 'good').commands).toEqual(['echo fine']);
    expect(() => findWorkflow(set, 'bad')).toThrow(/bad\.yaml:4/);
  });

  it('names the closest workflow, or the available ones, when the name is unknown', async () => {
    await put('.dstack/workflows.yaml', yaml('workflows:', '  - name: hello', '    commands: [echo]', '  - name: train', '    commands: [echo]'));
    const set = await loadWorkflows(dir);
    expect(() => findWorkflow(set, 'helo')).toThrow(NotFoundError);
    const line = (name: string) => {
      try {
        findWorkflow(set, name);
      } catch (e) {
        return (e as NotFoundError).toLine();
      }
    };
    expect(line('helo')).toBe('No workflow is named "helo". Did you mean "hello"?');
    expect(line('deploy')).toBe('No workflow is named "deploy". Workflows: hello, train.');
  });
});
