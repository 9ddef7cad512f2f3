import { describe, expect, it } from 'vitest';
import { isCopyableTool, toolBuild } from '../../../packages/engine/src/import/tool-build.js';

describe('toolBuild', () => {
  it('starts from the first tool and copies python in from its official image, tagged by tools and versions', () => {
    expect(
      toolBuild([
        { tool: 'node', version: '20.x' },
        { tool: 'python', version: '3.12' },
      ]),
    ).toEqual({
      id: 'tools-node-20-python-3_12',
      image: 'ferry-tools:node20-python3.12',
      dockerfile: [
        '# ferry import: node 20, python 3.12 in one image',
        'FROM node:20',
        'COPY --from=python:3.12 /usr/local/ /usr/local/',
        'ENV LANG=C.UTF-8 LD_LIBRARY_PATH=/usr/local/lib',
        '',
      ].join('\n'),
    });
  });

  it('copies go, rust, node and java with the environment their images set', () => {
    const { dockerfile } = toolBuild([
      { tool: 'python', version: '3.11' },
      { tool: 'go', version: '1.22' },
      { tool: 'rust', version: 'stable' },
      { tool: 'node', version: undefined },
      { tool: 'java', version: '17' },
    ]);
    expect(dockerfile.split('\n')).toEqual([
      '# ferry import: python 3.11, go 1.22, rust latest, node lts, java 17 in one image',
      'FROM python:3.11',
      'COPY --from=golang:1.22 /usr/local/go /usr/local/go',
      'ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:$PATH',
      'COPY --from=rust:latest /usr/local/rustup /usr/local/rustup',
      'COPY --from=rust:latest /usr/local/cargo /usr/local/cargo',
      'ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH',
      'COPY --from=node:lts /usr/local/ /usr/local/',
      'COPY --from=eclipse-temurin:17 /opt/java/openjdk /opt/java/openjdk',
      'ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH',
      '',
    ]);
  });

  it('maps both images through --image overrides and keeps a matrix version for the build to render', () => {
    const built = toolBuild(
      [
        { tool: 'python', version: '${{ matrix.py }}' },
        { tool: 'node', version: '20' },
      ],
      { node: 'ferry/node:20', python: 'local/python:{version}' },
    );
    expect(built.id).toBe('tools-python-node');
    expect(built.image).toBe('ferry-tools:python${{ matrix.py }}-node20');
    expect(built.dockerfile).toContain(
      'FROM local/python:${{ matrix.py }}\nCOPY --from=ferry/node:20 /usr/local/ /usr/local/',
    );
  });

  it('has recipes for the tools whose images install into known paths only', () => {
    expect(['node', 'python', 'go', 'rust', 'java'].every(isCopyableTool)).toBe(true);
    expect(['uv', 'ruby', 'bun', 'deno', 'pypy', 'graalvm'].some(isCopyableTool)).toBe(false);
  });
});
