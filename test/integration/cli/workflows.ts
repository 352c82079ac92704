// Test workflows added next to examples/hello's own.
export const TEST_WORKFLOWS = `
workflows:
  - name: gate
    provider: bash
    commands:
      - echo waiting
      - while [ ! -f \${{ run.args }} ]; do sleep 0.1; done
      - echo released
  - name: exit3
    provider: bash
    commands:
      - echo before
      - exit 3
  - name: secret
    provider: bash
    commands:
      - echo "env=$TOKEN"
      - echo "expr=\${{ secrets.TOKEN }}"
  - name: cached
    provider: bash
    commands:
      - mkdir -p cache
      - echo x >> cache/count.txt
      - echo "runs=$(wc -l < cache/count.txt)"
    cache:
      - path: cache
  - name: from-tag
    provider: bash
    deps:
      - tag: greeting
    commands:
      - cat output/hello.txt
  - name: long
    provider: bash
    commands:
      - mkdir -p output
      - echo partial > output/partial.txt
      - trap 'echo saving; echo final > output/final.txt; exit 0' TERM
      - echo started
      - while true; do sleep 0.1; done
    artifacts:
      - path: output
  - name: stubborn
    provider: bash
    commands:
      - trap '' TERM
      - echo started
      - while true; do sleep 0.1; done
  - name: from-missing-tag
    provider: bash
    deps:
      - tag: never-made
    commands:
      - cat output/hello.txt
  - name: echo-args
    provider: bash
    commands: echo "args:" \${{ run.args }}
  - name: secret-rev
    provider: bash
    commands:
      - echo "rev=$(printf %s \${{ secrets.TOKEN2 }} | rev)"
`;
