import { describe, expect, it } from 'vitest';
import { parseWorkflowText } from '../../../main/core/workflow';
import { FILE, issueLines, yaml } from './helpers';

/** A bash workflow that is valid, to which each case adds one mistake. */
function one(...body: string[]): string {
  return yaml('workflows:', '  - name: hello', ...body);
}

describe('each mistake gives exactly one line, with file, line, column, field and fix', () => {
  it('unknown key close to a known one: did you mean', () => {
    expect(issueLines(one('    comands:', '      - echo hi'))).toEqual([
      `${FILE}:3:5: workflows[0].comands: unknown key "comands"; did you mean "commands"?`,
    ]);
  });

  it('unknown key far from any: lists the allowed keys', () => {
    expect(issueLines(one('    commands: [echo]', '    colour: red'))).toEqual([
      `${FILE}:4:5: workflows[0].colour: unknown key "colour"; allowed keys: name, help, provider, commands, image, python, entrypoint, env, working_dir, artifacts, deps, cache, ports, resources.`,
    ]);
  });

  it('unknown key inside resources', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      gpus: 1'))).toEqual([
      `${FILE}:5:7: workflows[0].resources.gpus: unknown key "gpus"; did you mean "gpu"?`,
    ]);
  });

  it('a key given twice', () => {
    expect(issueLines(one('    commands: [echo]', '    name: again'))).toEqual([
      `${FILE}:4:5: workflows[0].name: "name" appears twice (first at line 2); keep one.`,
    ]);
  });

  it('wrong type: commands as a map', () => {
    expect(issueLines(one('    commands: {echo: hi}'))).toEqual([
      `${FILE}:3:15: workflows[0].commands: a map is not a list of commands; write one command per line, e.g. commands: ["echo hello"].`,
    ]);
  });

  it('a NUL in a command, an env value or a path is refused where it is written', () => {
    expect(issueLines(one('    commands:', '      - "echo a\\0b"', '    env:', '      - "A=x\\x00"', '    working_dir: "src\\u0000"'))).toEqual([
      `${FILE}:4:16: workflows[0].commands[0]: the text contains a NUL character (\\0), which no command, variable or path can hold; remove it.`,
      `${FILE}:6:13: workflows[0].env[0]: the text contains a NUL character (\\0), which no command, variable or path can hold; remove it.`,
      `${FILE}:7:22: workflows[0].working_dir: the text contains a NUL character (\\0), which no command, variable or path can hold; remove it.`,
    ]);
  });

  it('a workflow that depends on itself', () => {
    expect(issueLines(one('    commands: [echo]', '    deps:', '      - workflow: hello'))).toEqual([
      `${FILE}:5:19: workflows[0].deps[0].workflow: workflow "hello" depends on itself; remove this dep.`,
    ]);
  });

  it('a dependency cycle is named, with the place of each dep in it', () => {
    const text = yaml(
      'workflows:',
      '  - name: a',
      '    deps: [{workflow: b}]',
      '    commands: [echo a]',
      '  - name: b',
      '    deps: [{workflow: c}]',
      '    commands: [echo b]',
      '  - name: c',
      '    deps: [{workflow: a}, {workflow: d}]',
      '    commands: [echo c]',
      '  - name: d',
      '    commands: [echo d]',
    );
    expect(issueLines(text)).toEqual([
      `${FILE}:3:23: workflows[0].deps[0].workflow: the deps form a cycle: a → b → c → a (b → c is at ${FILE}:6:23, c → a is at ${FILE}:9:23); remove one of these deps.`,
    ]);
    expect(parseWorkflowText(text, FILE).workflows.map((w) => w.name)).toEqual(['d']);
  });

  it('wrong type: a command that YAML read as a map', () => {
    expect(issueLines(one('    commands:', '      - echo note: this'))).toEqual([
      `${FILE}:4:9: workflows[0].commands[0]: a map is not a command; write it as a string, in quotes if it contains ": ".`,
    ]);
  });

  it('wrong type: interruptible as a string', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      interruptible: "yes"'))).toEqual([
      `${FILE}:5:22: workflows[0].resources.interruptible: "yes" is not true or false; use interruptible: true to allow spot instances.`,
    ]);
  });

  it('wrong type: ports as a negative number and as text', () => {
    expect(issueLines(one('    commands: [echo]', '    ports: -1'))).toEqual([
      `${FILE}:4:12: workflows[0].ports: -1 is not a number of ports; use a whole number, e.g. ports: 1.`,
    ]);
    expect(issueLines(one('    commands: [echo]', '    ports: two'))).toEqual([
      `${FILE}:4:12: workflows[0].ports: "two" is not a number of ports; use a whole number, e.g. ports: 1.`,
    ]);
  });

  it('wrong type: cpu as text, gpu as a list', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      cpu: four', '      gpu: [1]'))).toEqual([
      `${FILE}:5:12: workflows[0].resources.cpu: "four" is not a CPU count; use a positive number, e.g. cpu: 4.`,
      `${FILE}:6:12: workflows[0].resources.gpu: a list is not a GPU request; use a number, e.g. gpu: 1, or a map, e.g. gpu: {name: A100, count: 1}.`,
    ]);
  });

  it('a duplicate workflow name in one file names the first place', () => {
    const text = yaml('workflows:', '  - name: hello', '    commands: [echo 1]', '  - name: hello', '    commands: [echo 2]');
    expect(issueLines(text)).toEqual([
      `${FILE}:4:11: workflows[1].name: workflow "hello" is already defined at ${FILE}:2:11; rename one of them.`,
    ]);
  });

  it('missing commands for bash, said at the workflow', () => {
    expect(issueLines(one('    provider: bash'))).toEqual([
      `${FILE}:2:5: workflows[0].commands: missing; a bash workflow needs commands, e.g. commands: ["echo hello"].`,
    ]);
  });

  it('an empty commands list for bash', () => {
    expect(issueLines(one('    commands: []'))).toEqual([
      `${FILE}:3:5: workflows[0].commands: the list is empty; a bash workflow needs commands, e.g. commands: ["echo hello"].`,
    ]);
  });

  it('missing image for docker', () => {
    expect(issueLines(one('    provider: docker', '    commands: [echo]'))).toEqual([
      `${FILE}:2:5: workflows[0].image: missing; a docker workflow needs an image, e.g. image: ubuntu.`,
    ]);
  });

  it('a missing name', () => {
    expect(issueLines(yaml('workflows:', '  - commands: [echo]'))).toEqual([
      `${FILE}:2:5: workflows[0].name: missing; every workflow needs a name, e.g. name: train.`,
    ]);
  });

  it('a name that cannot be a job id suggests one that can', () => {
    expect(issueLines(yaml('workflows:', '  - name: my train,v2', '    commands: [echo]'))).toEqual([
      `${FILE}:2:11: workflows[0].name: "my train,v2" is not a valid workflow name; use letters, digits, ".", "_" and "-", e.g. "my-train-v2".`,
    ]);
  });

  it('a bad memory size', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      memory: 8 gigs'))).toEqual([
      `${FILE}:5:15: workflows[0].resources.memory: "8 gigs" is not a memory size; use a number with MB or GB, e.g. "8GB".`,
    ]);
  });

  it('a memory size without a unit', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      memory: 8'))).toEqual([
      `${FILE}:5:15: workflows[0].resources.memory: 8 is not a memory size; use a number with MB or GB, e.g. "8GB".`,
    ]);
  });

  it('a bad shm_size and GPU memory', () => {
    expect(issueLines(one('    commands: [echo]', '    resources:', '      shm_size: lots', '      gpu: {count: 1, memory: 0GB}'))).toEqual([
      `${FILE}:5:17: workflows[0].resources.shm_size: "lots" is not a memory size; use a number with MB or GB, e.g. "1GB".`,
      `${FILE}:6:31: workflows[0].resources.gpu.memory: "0GB" is too small; use at least 1MB, e.g. "16GB".`,
    ]);
  });

  it('an unknown provider lists the allowed ones', () => {
    expect(issueLines(one('    provider: conda', '    commands: [echo]'))).toEqual([
      `${FILE}:3:15: workflows[0].provider: "conda" is not a known provider; use bash or docker.`,
    ]);
  });

  it('a misspelt provider: did you mean', () => {
    expect(issueLines(one('    provider: dokcer', '    image: ubuntu'))).toEqual([
      `${FILE}:3:15: workflows[0].provider: "dokcer" is not a known provider; did you mean docker?`,
    ]);
  });

  it('docker-only and bash-only fields on the wrong provider', () => {
    expect(issueLines(one('    commands: [echo]', '    image: ubuntu'))).toEqual([
      `${FILE}:4:5: workflows[0].image: image is for provider: docker; add provider: docker, or remove image.`,
    ]);
    expect(issueLines(one('    provider: docker', '    image: ubuntu', '    python: 3.10'))).toEqual([
      `${FILE}:5:5: workflows[0].python: python is for provider: bash; with docker, choose an image that has the Python you need.`,
    ]);
  });

  it('a bad python version', () => {
    expect(issueLines(one('    commands: [echo]', '    python: three'))).toEqual([
      `${FILE}:4:13: workflows[0].python: "three" is not a Python version; use a version number, e.g. python: 3.10.`,
    ]);
  });

  it('a dep on a missing workflow: did you mean, or the list of workflows', () => {
    const close = yaml('workflows:', '  - name: prepare', '    commands: [echo]', '  - name: train', '    deps:', '      - workflow: prepar', '    commands: [echo]');
    expect(issueLines(close)).toEqual([
      `${FILE}:6:19: workflows[1].deps[0].workflow: no workflow is named "prepar"; did you mean "prepare"?`,
    ]);
    const far = close.replace('prepar\n', 'download\n');
    expect(issueLines(far)).toEqual([
      `${FILE}:6:19: workflows[1].deps[0].workflow: no workflow is named "download"; defined workflows: prepare, train.`,
    ]);
  });

  it('deps that are not {workflow} or {tag}', () => {
    expect(issueLines(one('    commands: [echo]', '    deps:', '      - hello', '      - {workflow: hello, tag: v1}', '      - {}'))).toEqual([
      `${FILE}:5:9: workflows[0].deps[0]: "hello" is not a dep; write it as {workflow: hello} or {tag: hello}.`,
      `${FILE}:6:27: workflows[0].deps[1]: a dep names a workflow or a tag, not both; split it into two deps.`,
      `${FILE}:7:9: workflows[0].deps[2]: missing workflow or tag; write {workflow: NAME} or {tag: NAME}.`,
    ]);
  });

  it('env items that are not NAME=value', () => {
    expect(issueLines(one('    commands: [echo]', '    env:', '      - DEBUG', '      - 1X=2', '      - A=1', '      - A=2'))).toEqual([
      `${FILE}:5:9: workflows[0].env[0]: "DEBUG" is not NAME=value; write it as "DEBUG=value".`,
      `${FILE}:6:9: workflows[0].env[1]: "1X" is not a variable name; use letters, digits and _, not starting with a digit.`,
      `${FILE}:8:9: workflows[0].env[3]: A is already set at line 7; keep one.`,
    ]);
  });

  it('env map values that are not scalars', () => {
    expect(issueLines(one('    commands: [echo]', '    env:', '      A: [1, 2]'))).toEqual([
      `${FILE}:5:10: workflows[0].env.A: a list is not a value; use a string or a number.`,
    ]);
  });

  it('artifacts outside the project, without a path, with a bad mount', () => {
    expect(issueLines(one('    commands: [echo]', '    artifacts:', '      - /data', '      - path: ../up', '      - mount: yes'))).toEqual([
      `${FILE}:5:9: workflows[0].artifacts[0]: "/data" is not a path inside the project; use a relative path, e.g. "output".`,
      `${FILE}:6:15: workflows[0].artifacts[1].path: "../up" is not a path inside the project; use a relative path, e.g. "output".`,
      `${FILE}:7:9: workflows[0].artifacts[2].path: missing; name the folder, e.g. path: output.`,
      `${FILE}:7:16: workflows[0].artifacts[2].mount: "yes" is not true or false; use mount: true to save files while the job runs.`,
    ]);
  });

  it('unknown expressions, with their own column', () => {
    expect(issueLines(one('    commands:', '      - echo ${{ run.nme }} ${{ secret.TOKEN }} ${{ env.HOME }}'))).toEqual([
      `${FILE}:4:14: workflows[0].commands[0]: "\${{ run.nme }}" is not a known expression; did you mean \${{ run.name }}?`,
      `${FILE}:4:29: workflows[0].commands[0]: "\${{ secret.TOKEN }}" is not a known expression; did you mean \${{ secrets.TOKEN }}?`,
      `${FILE}:4:49: workflows[0].commands[0]: "\${{ env.HOME }}" is not a known expression; use \${{ run.name }}, \${{ run.args }} or \${{ secrets.NAME }}.`,
    ]);
  });

  it('an unclosed expression and a bad secret name', () => {
    expect(issueLines(one('    commands:', '      - echo ${{ secrets.my-key }}', '      - echo ${{ run.name'))).toEqual([
      `${FILE}:4:14: workflows[0].commands[0]: "\${{ secrets.my-key }}" has an invalid secret name; use letters, digits and _, e.g. \${{ secrets.API_KEY }}.`,
      `${FILE}:5:14: workflows[0].commands[1]: "\${{ run.name" is missing its closing "}}"; write it as \${{ run.name }}.`,
    ]);
  });

  it('an expression where none is substituted', () => {
    expect(issueLines(one('    commands: [echo]', '    artifacts: ["out/${{ run.name }}"]'))).toEqual([
      `${FILE}:4:22: workflows[0].artifacts[0]: expressions like \${{ run.name }} work only in commands, env, entrypoint, working_dir and image; write the value out here.`,
    ]);
  });

  it('a YAML syntax error, at the position the yaml library gives', () => {
    expect(issueLines(yaml('workflows:', '  - name: "hello', '    commands: [echo]'))).toEqual([
      `${FILE}:4:1: invalid YAML: a quoted value is not closed; add the closing quote or bracket.`,
    ]);
    expect(issueLines(yaml('workflows:', '  - name: hello', '    commands: [echo', '  - name: other'))).toEqual([
      `${FILE}:4:3: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]; check the indentation, and quote values that contain ": " or start with a special character.`,
    ]);
  });

  it('two YAML documents in one file', () => {
    expect(issueLines(yaml('workflows: []', '---', 'workflows: []'))).toEqual([
      `${FILE}:2:1: invalid YAML: the file has more than one document; keep one document, without a second "---".`,
    ]);
  });

  it('an empty file, and one with only comments', () => {
    const msg = `${FILE}:1:1: the file is empty; add a top-level "workflows:" list, or delete the file.`;
    expect(issueLines('')).toEqual([msg]);
    expect(issueLines(yaml('# nothing yet', ''))).toEqual([msg]);
  });

  it('a file without workflows:', () => {
    expect(issueLines(yaml('name: hello', 'commands: [echo]'))).toEqual([
      `${FILE}:1:1: name: unknown key "name"; allowed keys: workflows.`,
      `${FILE}:1:1: there is no "workflows:" list; put the workflows in a list under a top-level "workflows:" key.`,
      `${FILE}:2:1: commands: unknown key "commands"; allowed keys: workflows.`,
    ]);
  });

  it('a misspelt workflows: key says only that', () => {
    expect(issueLines(yaml('workflow:', '  - name: hello'))).toEqual([
      `${FILE}:1:1: workflow: unknown key "workflow"; did you mean "workflows"?`,
    ]);
  });

  it('a top-level list, an empty workflows: list, workflows as a map, an item that is not a map', () => {
    expect(issueLines(yaml('- name: hello'))).toEqual([
      `${FILE}:1:1: a list is not a workflow file; put the workflows in a list under a top-level "workflows:" key.`,
    ]);
    expect(issueLines(yaml('workflows:'))).toEqual([`${FILE}:1:1: workflows: the list is empty; add a workflow, e.g. "- name: hello".`]);
    expect(issueLines(yaml('workflows:', '  name: hello'))).toEqual([
      `${FILE}:2:3: workflows: a map is not a list of workflows; start each workflow with "- name:".`,
    ]);
    expect(issueLines(yaml('workflows:', '  - hello'))).toEqual([
      `${FILE}:2:5: workflows[0]: "hello" is not a workflow; write a map with a name, e.g. "- name: hello".`,
    ]);
  });

  it('an alias to no anchor', () => {
    expect(issueLines(one('    commands: *cmds'))).toEqual(expect.arrayContaining([
      `${FILE}:3:15: *cmds refers to no anchor; define &cmds before it.`,
    ]));
  });
});

describe('the issue record', () => {
  it('carries file, line, column, field and message apart, and formats as in the CLI', () => {
    const text = yaml('workflows:', '- name: hello', '  commands:', '  - echo hi', '  resources:', '    cpu: 2', '    memory: 8 gigs');
    const [issue, ...rest] = parseWorkflowText(text, FILE).issues;
    expect(rest).toEqual([]);
    expect(issue).toEqual({
      file: FILE, line: 7, column: 13, field: 'workflows[0].resources.memory',
      message: '"8 gigs" is not a memory size; use a number with MB or GB, e.g. "8GB".',
    });
    expect(issueLines(text)).toEqual([
      '.dstack/workflows/hello.yaml:7:13: workflows[0].resources.memory: "8 gigs" is not a memory size; use a number with MB or GB, e.g. "8GB".',
    ]);
  });
});

describe('every mistake in one pass', () => {
  it('reports all issues of all workflows, in line order, and keeps the valid workflows', () => {
    const text = yaml(
      'workflows:',
      '  - name: ok',
      '    commands: [echo ok]',
      '  - name: bad',
      '    comands: [echo]',
      '    resources:',
      '      memory: 8 gigs',
      '  - name: bad2',
      '    provider: podman',
    );
    const set = parseWorkflowText(text, FILE);
    expect(set.issues.map((i) => [i.line, i.field])).toEqual([
      [5, 'workflows[1].comands'],
      [7, 'workflows[1].resources.memory'],
      [9, 'workflows[2].provider'],
    ]);
    expect(set.workflows.map((w) => w.name)).toEqual(['ok']);
  });

  it('never throws, whatever the text', () => {
    const junk = ['{', ']', ': :', '\t- a', 'workflows: !!binary x', 'workflows: [[[]]]', '*a', '&a [*a]', 'workflows:\n  - name: {a: 1}\n    env: {1: 2}', '\u0000'];
    for (const t of junk) expect(() => parseWorkflowText(t, FILE)).not.toThrow();
    for (const t of junk) expect(parseWorkflowText(t, FILE).issues.length).toBeGreaterThan(0);
  });
});
