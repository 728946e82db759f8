import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { NestPinoLogger } from './nest-logger';

function capture(level = 'trace') {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { nest: new NestPinoLogger(createLogger({ level, stream })), lines };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('NestPinoLogger', () => {
  it("writes Nest's calls as pino lines with their context", async () => {
    const { nest, lines } = capture();
    nest.log('started', 'Startup');
    nest.warn('careful');
    nest.verbose('detail', 'Ctx');
    nest.debug({ count: 3 }, 'Counter');
    nest.fatal('gone', 'Gateway');
    await flush();
    expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([
      [30, 'Startup', 'started'],
      [40, undefined, 'careful'],
      [10, 'Ctx', 'detail'],
      [20, 'Counter', undefined],
      [60, 'Gateway', 'gone'],
    ]);
    expect(lines[3]).toMatchObject({ count: 3 });
    for (const line of lines) expect(line).toHaveProperty('name', 'connector-gateway');
  });

  it('serializes an Error as err, and a stack passed as text as the err of the message', async () => {
    const { nest, lines } = capture();
    nest.error(new Error('boom'), 'Errors');
    nest.error(
      'handler failed',
      'Error: handler failed\n    at somewhere (file.js:1:1)',
      'Handler',
    );
    await flush();
    expect(lines[0]).toMatchObject({ level: 50, context: 'Errors', err: { message: 'boom' } });
    expect(lines[1]).toMatchObject({
      level: 50,
      context: 'Handler',
      err: { message: 'handler failed', stack: expect.stringContaining('at somewhere') },
    });
  });

  it('writes nothing below its level', async () => {
    const { nest, lines } = capture('warn');
    nest.log('quiet');
    nest.debug('quieter');
    nest.warn('loud');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });
});
