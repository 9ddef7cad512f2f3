import { describe, expect, it } from 'vitest';
import { renderBuild } from '../../../packages/engine/src/image/render-build.js';
import { planBuild } from '../../../packages/engine/src/plan/translate-job.js';
import { ctx } from '../expr/expr-test-context.js';

describe('renderBuild', () => {
  it('renders tags, args, labels, context, dockerfile, target and cacheFrom against the run-time context', () => {
    const build = renderBuild(
      {
        context: '${{ matrix.os }}',
        dockerfile: 'docker/${{ env.JOB }}.Dockerfile',
        target: '${{ env.JOB }}',
        args: { SHA: '${{ git.sha }}', PORT: 8080, DEBUG: false },
        labels: { 'com.example.digest': '${{ jobs.build.outputs.digest }}' },
        tags: ['127.0.0.1:5000/app:${{ git.shortSha }}', '127.0.0.1:5000/app:${{ git.branch }}'],
        push: true,
        cacheFrom: ['127.0.0.1:5000/app:${{ git.branch }}', '${{ env.EMPTY }}'],
      },
      ctx,
    );
    expect(build).toEqual({
      context: 'linux',
      dockerfile: 'docker/build.Dockerfile',
      target: 'build',
      args: { SHA: 'a'.repeat(40), PORT: '8080', DEBUG: 'false' },
      labels: { 'com.example.digest': 'sha256:abc' },
      tags: [
        { template: '127.0.0.1:5000/app:${{ git.shortSha }}', value: '127.0.0.1:5000/app:aaaaaaa' },
        { template: '127.0.0.1:5000/app:${{ git.branch }}', value: '127.0.0.1:5000/app:main' },
      ],
      push: true,
      cacheFrom: ['127.0.0.1:5000/app:main'],
    });
  });

  it('defaults the context to . and push to false', () => {
    expect(renderBuild(planBuild({ tags: ['app'] }), ctx)).toMatchObject({
      context: '.',
      push: false,
      args: {},
      labels: {},
      cacheFrom: [],
    });
  });

  it('names the key of an expression that does not evaluate', () => {
    expect(() => renderBuild(planBuild({ tags: ['app:${{ gti.sha }}'] }), ctx)).toThrow(/^build\.tags\[0\]: /);
  });
});
